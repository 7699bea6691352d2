import { supabase } from '../lib/supabase.js'

const RECORDINGS_BUCKET = 'recordings'

/**
 * Removes recordings whose call log is gone, organization by organization, every hour.
 */
export function scheduleOrphanRecordingCleanup() {
  setInterval(() => void cleanOrphanRecordings(), 60 * 60 * 1000)
}

export async function cleanOrphanRecordings() {
  const { data: organizations, error } = await supabase
    .from('organizations')
    .select('id')
    .eq('status', 'active')
  if (error) throw new Error(`orphan cleanup: ${error.message}`)

  for (const organization of organizations ?? []) {
    const { data: files } = await supabase.storage
      .from(RECORDINGS_BUCKET)
      .list(organization.id, { limit: 1000 })
    const { data: logs } = await supabase
      .from('call_logs')
      .select('id, recording_url, leads!inner(org_id)')
      .eq('org_id', organization.id)
      .not('recording_url', 'is', null)
    const kept = new Set((logs ?? []).map((log) => log.recording_url))
    const orphans = (files ?? []).filter((file) => !kept.has(`${organization.id}/${file.name}`))
    if (orphans.length > 0) {
      await supabase.storage
        .from(RECORDINGS_BUCKET)
        .remove(orphans.map((file) => `${organization.id}/${file.name}`))
    }
  }
}
