import { Router } from 'express'
import { supabase } from '../lib/supabase.js'

export const callsRouter = Router()

callsRouter.get('/', async (req, res) => {
  const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString()
  const { data, error } = await supabase
    .from('calls')
    .select('id, status, started_at, ended_at, lead:leads(name, phone)')
    .eq('org_id', req.user!.orgId)
    .gte('started_at', since)
    .order('started_at', { ascending: false })
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})

callsRouter.get('/cold', async (req, res) => {
  const { data, error } = await supabase
    .from('cold_call_logs')
    .select('id, phone, outcome, duration_seconds, created_at')
    .eq('org_id', req.user!.orgId)
    .in('outcome', ['answered', 'voicemail'])
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})

/** A tracking number forwards calls; numbers are unique across organizations. */
callsRouter.put('/tracking/:number', async (req, res) => {
  const { error } = await supabase.from('call_tracking').upsert(
    {
      org_id: req.user!.orgId,
      user_id: req.user!.id,
      tracking_number: req.params.number,
      forward_to: req.body.forwardTo,
      label: req.body.label ?? null,
    },
    { onConflict: 'tracking_number' },
  )
  if (error) return res.status(400).json({ error: error.message })
  res.status(204).end()
})
