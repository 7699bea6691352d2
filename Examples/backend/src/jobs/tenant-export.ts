import { supabase } from '../lib/supabase.js'

// Tables an organization's export covers. The names come from a list, so Tollgate cannot
// know statically which table each query reads: it lists these calls as unchecked.
const TENANT_TABLES = ['leads', 'campaigns', 'knowledge_base', 'agents'] as const

export async function exportOrganization(orgId: string) {
  const result: Record<string, unknown[]> = {}
  for (const table of TENANT_TABLES) {
    const { data, error } = await supabase.from(table).select('*').eq('org_id', orgId)
    if (error) throw error
    result[table] = data ?? []
  }
  return result
}
