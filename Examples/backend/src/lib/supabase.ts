import { createClient, type SupabaseClient } from '@supabase/supabase-js'
import type { Database } from '../database.types.js'

const url = process.env.SUPABASE_URL ?? 'http://127.0.0.1:54321'

/**
 * The service-role client: it bypasses RLS, so every query below filters by org_id itself.
 */
export const supabase: SupabaseClient<Database> = createClient<Database>(
  url,
  process.env.SUPABASE_SERVICE_ROLE_KEY ?? '',
  { auth: { persistSession: false } },
)

export const DEFAULT_ORG_ID = 'a0000000-0000-0000-0000-000000000001'
