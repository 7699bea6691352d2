-- Day 1, step 2: a nullable org_id on every tenant table, with a foreign key to
-- organizations added NOT VALID. Adding a nullable column without a default and a NOT VALID
-- constraint only take brief locks and do not scan the table; Day 2 backfills, then
-- validates (VALIDATE CONSTRAINT takes a SHARE UPDATE EXCLUSIVE lock, which lets reads and
-- writes go on). The columns are written out one by one so that a reader (and `compare`'s
-- drift attribution) sees which tables this migration changes.
alter table public.leads add column if not exists org_id uuid;
alter table public.campaigns add column if not exists org_id uuid;
alter table public.knowledge_base add column if not exists org_id uuid;
alter table public.call_logs add column if not exists org_id uuid;
alter table public.cold_call_logs add column if not exists org_id uuid;
alter table public.call_tracking add column if not exists org_id uuid;
alter table public.calls add column if not exists org_id uuid;
alter table public.agents add column if not exists org_id uuid;
alter table public.integrations add column if not exists org_id uuid;

-- A foreign key unless the column has one already (an environment where part of Day 1 was
-- done by hand may have it under another name).
do $$
declare
  t text;
begin
  foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                           'call_tracking', 'calls', 'agents', 'integrations'] loop
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
