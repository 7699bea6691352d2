-- Day 2: validate the CHECK under SHARE UPDATE EXCLUSIVE (reads and writes go on), in its
-- own transaction so that no exclusive lock is held during the scan.
do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
    if exists (select from pg_constraint where conrelid = format('public.%I', t)::regclass
                                          and conname = t || '_org_id_not_null' and not convalidated) then
      execute format('alter table public.%I validate constraint %I', t, t || '_org_id_not_null');
    end if;
  end loop;
end
$$;
