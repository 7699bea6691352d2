import { Router } from 'express'
import { supabase } from '../lib/supabase.js'
import type { TablesInsert } from '../database.types.js'

export const leadsRouter = Router()

const LEAD_COLUMNS = 'id, name, email, phone, status, source, created_at'

// Every query filters by the caller's organization: the service-role client bypasses RLS.
leadsRouter.get('/', async (req, res) => {
  const orgId = req.user!.orgId
  const page = Number(req.query.page ?? 0)
  let query = supabase
    .from('leads')
    .select(`${LEAD_COLUMNS}, call_logs(id, direction, duration_seconds, outcome, created_at)`)
    .eq('org_id', orgId)

  if (typeof req.query.status === 'string') {
    query = query.eq('status', req.query.status)
  }
  if (typeof req.query.q === 'string') {
    const term = req.query.q.replace(/[%,()]/g, '')
    query = query.or(`name.ilike.%${term}%,email.ilike.%${term}%`)
  }

  const { data, error } = await query
    .order('created_at', { ascending: false })
    .range(page * 50, page * 50 + 49)
  if (error) return res.status(500).json({ error: error.message })
  res.json(data)
})

leadsRouter.get('/:id', async (req, res) => {
  const { data, error } = await supabase
    .from('leads')
    .select('*, calls(id, status, started_at, ended_at)')
    .match({ id: req.params.id, org_id: req.user!.orgId })
    .single()
  if (error) return res.status(404).json({ error: 'not found' })
  res.json(data)
})

leadsRouter.post('/', async (req, res) => {
  const lead: TablesInsert<'leads'> = {
    org_id: req.user!.orgId,
    user_id: req.user!.id,
    name: req.body.name,
    email: req.body.email ?? null,
    phone: req.body.phone ?? null,
    source: req.body.source ?? 'manual',
  }
  const { data, error } = await supabase.from('leads').insert(lead).select('id').single()
  if (error) return res.status(400).json({ error: error.message })
  res.status(201).json(data)
})

leadsRouter.patch('/:id', async (req, res) => {
  const { error } = await supabase
    .from('leads')
    .update({ status: req.body.status, notes: req.body.notes, updated_at: new Date().toISOString() })
    .eq('id', req.params.id)
    .eq('org_id', req.user!.orgId)
  if (error) return res.status(400).json({ error: error.message })
  res.status(204).end()
})

leadsRouter.delete('/:id', async (req, res) => {
  const { error } = await supabase
    .from('leads')
    .delete()
    .eq('id', req.params.id)
    .eq('org_id', req.user!.orgId)
  if (error) return res.status(400).json({ error: error.message })
  res.status(204).end()
})
