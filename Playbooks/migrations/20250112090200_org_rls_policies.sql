-- Day 4 (Warden): row level security keyed on the organization. The per-user policies of the
-- single-tenant model go; each tenant table gets one policy for authenticated, reading and
-- writing only rows of the JWT's organization (WITH CHECK: nothing can be written into
-- another organization).
do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('drop policy if exists %I on public.%I', t || '_owner', t);
    execute format('drop policy if exists %I on public.%I', t || '_tenant', t);
    execute format('create policy %I on public.%I for all to authenticated
                    using (org_id = (select public.auth_org_id()))
                    with check (org_id = (select public.auth_org_id()))', t || '_tenant', t);
  end loop;
end
$$;
