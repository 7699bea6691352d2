-- Day 2: validate the NOT VALID foreign keys of Day 1. VALIDATE CONSTRAINT takes a SHARE
-- UPDATE EXCLUSIVE lock on the table (reads and writes go on) while it scans.
do $$
declare
  k record;
begin
  for k in
    select c.conrelid::regclass as tbl, c.conname
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and not c.convalidated and a.attname = 'org_id'
      and c.confrelid = 'public.organizations'::regclass
  loop
    execute format('alter table %s validate constraint %I', k.tbl, k.conname);
  end loop;
end
$$;
