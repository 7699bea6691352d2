-- Day 1, step 1: the organizations table and the default organization (the report's
-- Step 1). Written to converge: an environment where part of it was done by hand (a
-- different organizations shape) gains what is missing instead of failing.
create table if not exists public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text,
  status text default 'active',
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);
alter table public.organizations add column if not exists name text;
alter table public.organizations add column if not exists status text default 'active';
alter table public.organizations add column if not exists created_at timestamptz default now();
alter table public.organizations add column if not exists updated_at timestamptz default now();

do $$
begin
  if not exists (
    select from pg_constraint
    where conrelid = 'public.organizations'::regclass and conname = 'organizations_status_check'
  ) then
    alter table public.organizations
      add constraint organizations_status_check check (status in ('active', 'inactive', 'suspended'));
  end if;
end
$$;

insert into public.organizations (id, name, status)
values ('a0000000-0000-0000-0000-000000000001', 'Default Organization', 'active')
on conflict (id) do nothing;

grant select on public.organizations to authenticated, service_role;
