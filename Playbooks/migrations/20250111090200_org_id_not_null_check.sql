-- Day 2, NOT NULL in three short steps (PostgreSQL's ALTER TABLE documentation): a CHECK
-- added NOT VALID takes ACCESS EXCLUSIVE only for a moment and scans nothing.
do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
    if not (select attnotnull from pg_attribute where attrelid = format('public.%I', t)::regclass and attname = 'org_id')
       and not exists (select from pg_constraint where conrelid = format('public.%I', t)::regclass
                                                  and conname = t || '_org_id_not_null') then
      execute format('alter table public.%I add constraint %I check (org_id is not null) not valid', t, t || '_org_id_not_null');
    end if;
  end loop;
end
$$;
