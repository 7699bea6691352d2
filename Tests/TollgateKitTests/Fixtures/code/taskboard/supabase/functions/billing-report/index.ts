import { createClient } from 'https://esm.sh/@supabase/supabase-js@2'

Deno.serve(async (req: Request) => {
  const admin = createClient(
    Deno.env.get('SUPABASE_URL')!,
    Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')!,
  )
  const { team } = await req.json()
  const billing = admin.schema('billing')
  const { data: invoices } = await billing
    .from('invoices')
    .select('id, amount_cents, status, issued_on')
    .eq('team_id', team)
    .order('issued_on')
  const { data: totals } = await billing.from('invoices').select('status, amount_cents.sum()')
  const { data: balance } = await admin.schema('billing').rpc('team_balance', { p_team: team })
  const { data: file } = await admin.storage
    .from('reports')
    .upload(`${team}.json`, JSON.stringify({ invoices, totals }))
  return new Response(JSON.stringify({ balance, file }))
})
