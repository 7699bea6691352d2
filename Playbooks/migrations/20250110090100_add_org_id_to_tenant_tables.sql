-- Day 1, step 2: a nullable org_id on every tenant table, with a foreign key to
-- organizations added NOT VALID. Adding a nullable column without a default and a NOT VALID
-- constraint only take brief locks and do not scan the table; Day 2 backfills, then
-- validates (VALIDATE CONSTRAINT takes a SHARE UPDATE EXCLUSIVE lock, which lets reads and
-- writes go on).
do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
    execute format('alter table public.%I add column if not exists org_id uuid', t);
    if not exists (
      select from pg_constraint
      where conrelid = format('public.%I', t)::regclass and contype = 'f'
        and confrelid = 'public.organizations'::regclass
        and conkey = array[(select attnum from pg_attribute
                            where attrelid = format('public.%I', t)::regclass and attname = 'org_id')]
    ) then
      execute format(
        'alter table public.%I add constraint %I foreign key (org_id) references public.organizations (id) not valid',
        t, t || '_org_id_fkey');
    end if;
  end loop;
end
$$;
