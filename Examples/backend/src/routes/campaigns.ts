import { Router } from 'express'
import { supabase } from '../lib/supabase.js'

export const campaignsRouter = Router()

campaignsRouter.get('/', async (req, res) => {
  const { data, error } = await supabase
    .from('campaigns')
    .select('id, name, channel, status, starts_on')
    .eq('org_id', req.user!.orgId)
    .or('status.eq.active,and(status.eq.draft,starts_on.not.is.null)')
    .order('starts_on', { ascending: true, nullsFirst: false })
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})

campaignsRouter.post('/', async (req, res) => {
  const { data, error } = await supabase
    .from('campaigns')
    .insert([
      {
        org_id: req.user!.orgId,
        user_id: req.user!.id,
        name: req.body.name,
        channel: req.body.channel ?? 'phone',
      },
    ])
    .select()
  if (error) return res.status(400).json({ error: error.message })
  res.status(201).json(data)
})

campaignsRouter.get('/knowledge', async (req, res) => {
  const { data, error } = await supabase
    .from('knowledge_base')
    .select('id, title, content')
    .eq('org_id', req.user!.orgId)
    .textSearch('content', String(req.query.q ?? ''), { type: 'websearch' })
    .limit(20)
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})
