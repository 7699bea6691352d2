#!/usr/bin/env node
import { createClient } from '@supabase/supabase-js'

const db = createClient(process.env.SUPABASE_URL, process.env.SUPABASE_SERVICE_ROLE_KEY)
const cutoff = new Date(Date.now() - 90 * 864e5).toISOString()

const { data: stale } = await db
  .from('projects')
  .select('id')
  .lt('created_at', cutoff)
  .eq('archived', false)
for (const project of stale ?? []) {
  await db.rpc('archive_project', { project_id: project.id })
}
// Neither of these is a table.
const ids = Array.from(new Set((stale ?? []).map((p) => p.id)))
const note = Buffer.from('done')
console.log(`archived ${ids.length} projects`, note.length)
