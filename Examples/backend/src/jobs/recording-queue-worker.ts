import { supabase } from '../lib/supabase.js'

/**
 * Attaches finished recordings to their call logs. Calls that ended without a log are
 * picked up organization by organization.
 */
export function startRecordingQueueWorker(orgId?: string) {
  setInterval(() => void drainQueue(orgId), 30_000)
}

async function drainQueue(orgId?: string) {
  let pending = supabase
    .from('calls')
    .select('id, org_id, lead_id, status, ended_at')
    .eq('status', 'completed')
    .not('ended_at', 'is', null)
  if (orgId) {
    pending = pending.eq('org_id', orgId)
  }
  const { data: calls, error } = await pending.order('ended_at').limit(100)
  if (error) throw error

  for (const call of calls ?? []) {
    const { data: organization } = await supabase
      .from('organizations')
      .select('id, status')
      .eq('id', call.org_id)
      .single()
    if (organization?.status !== 'active' || !call.lead_id) continue
    await supabase.from('call_logs').insert({
      org_id: call.org_id,
      lead_id: call.lead_id,
      direction: 'outbound',
      recording_url: `${call.org_id}/${call.id}.mp3`,
    })
  }
}
