-- Day 2: SET NOT NULL skips its full-table scan when a validated CHECK (org_id IS NOT NULL)
-- exists, so its ACCESS EXCLUSIVE lock is brief; then the CHECK is redundant and goes.
do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
    execute format('alter table public.%I alter column org_id set not null', t);
    execute format('alter table public.%I drop constraint if exists %I', t, t || '_org_id_not_null');
  end loop;
end
$$;
