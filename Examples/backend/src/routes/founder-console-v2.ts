import { Router } from 'express'
import { supabase } from '../lib/supabase.js'

/**
 * The founder console: an organization's voice agents, their integrations, and the
 * organization itself.
 */
export const founderConsoleRouter = Router()

founderConsoleRouter.get('/agents', async (req, res) => {
  const { data, error } = await supabase
    .from('agents')
    .select('id, name, voice, system_prompt, organization:organizations(name, status)')
    .eq('org_id', req.user!.orgId)
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})

founderConsoleRouter.get('/organization', async (req, res) => {
  const { data, error } = await supabase
    .from('organizations')
    .select('id, name, status, created_at')
    .eq('id', req.user!.orgId)
    .single()
  if (error) return res.status(404).json({ error: 'organization not found' })
  res.json(data)
})

founderConsoleRouter.patch('/organization', async (req, res) => {
  const { error } = await supabase
    .from('organizations')
    .update({ name: req.body.name, updated_at: new Date().toISOString() })
    .eq('id', req.user!.orgId)
  if (error) return res.status(400).json({ error: error.message })
  res.status(204).end()
})

founderConsoleRouter.get('/integrations', async (req, res) => {
  const { data, error } = await supabase
    .from('integrations')
    .select('id, provider, enabled, config->>webhook_url')
    .eq('org_id', req.user!.orgId)
    .eq('enabled', true)
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})

founderConsoleRouter.post('/agents/:id/voice', async (req, res) => {
  const { error } = await supabase
    .from('agents')
    .update({ voice: req.body.voice })
    .match({ id: req.params.id, org_id: req.user!.orgId })
  if (error) return res.status(400).json({ error: error.message })
  res.status(204).end()
})
