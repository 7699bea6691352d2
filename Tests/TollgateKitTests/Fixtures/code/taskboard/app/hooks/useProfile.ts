import type { SupabaseClient } from '@supabase/supabase-js'

export async function loadProfile(sb: SupabaseClient, username: string) {
  const { data } = await sb
    // the profile, and the teams it belongs to through team_members
    .from('profiles')
    .select('id, username, full_name, teams!team_members(name)')
    .eq('username', username)
    .maybeSingle()
  return data
}

export function searchComments(sb: SupabaseClient, text: string) {
  return sb
    .from('comments')
    .select('id, body, ...tasks(task_title:title)')
    .textSearch('body', text, { type: 'plain', config: 'english' })
}
