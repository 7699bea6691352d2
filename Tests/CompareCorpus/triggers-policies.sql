-- pair: trigger-on-auth-users-added
create schema auth;
create table auth.users (id uuid primary key, email text);
create table public.profiles (id uuid primary key);
create function public.new_profile() returns trigger language plpgsql security definer set search_path = '' as $$
begin insert into public.profiles (id) values (new.id); return new; end $$;
-- left
-- right
create trigger on_auth_user_created after insert on auth.users for each row execute function public.new_profile();
-- expect: trigger | auth.users.on_auth_user_created | only here

-- pair: platform-table-changes-are-the-platforms
create schema auth;
-- left
create table auth.users (id uuid primary key, email text);
-- right
create table auth.users (id uuid primary key, email text, phone text);
create index users_phone_idx on auth.users (phone);

-- pair: app-function-in-auth-is-reported
create schema auth;
-- left
-- right
create function auth.org_id() returns uuid language sql stable as $$ select null::uuid $$;
-- expect: function | auth.org_id() | only here

-- pair: trigger-timing
create table public.t (id int primary key, org_id uuid);
create function public.keep() returns trigger language plpgsql as $$ begin return new; end $$;
-- left
create trigger t_keep before update on public.t for each row execute function public.keep();
-- right
create trigger t_keep after update on public.t for each row execute function public.keep();
-- expect: trigger | public.t.t_keep | timing BEFORE → AFTER

-- pair: trigger-disabled
create table public.t (id int primary key, org_id uuid);
create function public.keep() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger t_keep before update on public.t for each row execute function public.keep();
-- left
-- right
alter table public.t disable trigger t_keep;
-- expect: trigger | public.t.t_keep | enabled O → D

-- pair: trigger-when-condition
create table public.t (id int primary key, org_id uuid);
create function public.keep() returns trigger language plpgsql as $$ begin return new; end $$;
-- left
create trigger t_keep before update on public.t for each row execute function public.keep();
-- right
create trigger t_keep before update on public.t for each row when (old.org_id is distinct from new.org_id) execute function public.keep();
-- expect: trigger | public.t.t_keep | definition differs

-- pair: trigger-events
create table public.t (id int primary key, org_id uuid);
create function public.keep() returns trigger language plpgsql as $$ begin return new; end $$;
-- left
create trigger t_keep before update on public.t for each row execute function public.keep();
-- right
create trigger t_keep before insert or update on public.t for each row execute function public.keep();
-- expect: trigger | public.t.t_keep | event `INSERT` added

-- pair: event-trigger
create function public.log_ddl() returns event_trigger language plpgsql as $$ begin null; end $$;
-- left
-- right
create event trigger log_ddl on ddl_command_end execute function public.log_ddl();
-- expect: event trigger | log_ddl | only here

-- pair: event-trigger-tags
create function public.log_ddl() returns event_trigger language plpgsql as $$ begin null; end $$;
-- left
create event trigger log_ddl on ddl_command_end execute function public.log_ddl();
-- right
create event trigger log_ddl on ddl_command_end when tag in ('CREATE TABLE') execute function public.log_ddl();
-- expect: event trigger | log_ddl | tag `CREATE TABLE` added

-- pair: policy-using
create table public.t (id int primary key, org_id uuid);
alter table public.t enable row level security;
-- left
create policy t_tenant on public.t using (org_id is not null);
-- right
create policy t_tenant on public.t using (org_id = '00000000-0000-0000-0000-000000000000'::uuid);
-- expect: policy | public.t.t_tenant | using differs

-- pair: policy-restrictive
create table public.t (id int primary key, org_id uuid);
alter table public.t enable row level security;
-- left
create policy t_tenant on public.t using (org_id is not null);
-- right
create policy t_tenant on public.t as restrictive using (org_id is not null);
-- expect: policy | public.t.t_tenant | type permissive → restrictive

-- pair: policy-roles
create table public.t (id int primary key, org_id uuid);
alter table public.t enable row level security;
-- left
create policy t_tenant on public.t to authenticated using (org_id is not null);
-- right
create policy t_tenant on public.t to authenticated, anon using (org_id is not null);
-- expect: policy | public.t.t_tenant | role `anon` added

-- pair: policy-with-check
create table public.t (id int primary key, org_id uuid);
alter table public.t enable row level security;
-- left
create policy t_tenant on public.t using (org_id is not null);
-- right
create policy t_tenant on public.t using (org_id is not null) with check (org_id is not null);
-- expect: policy | public.t.t_tenant | with check none → (org_id IS NOT NULL)

-- pair: policy-command
create table public.t (id int primary key, org_id uuid);
alter table public.t enable row level security;
-- left
create policy t_tenant on public.t using (org_id is not null);
-- right
create policy t_tenant on public.t for select using (org_id is not null);
-- expect: policy | public.t.t_tenant | command ALL → SELECT

-- pair: policy-on-storage-objects
create schema storage;
create table storage.objects (id uuid primary key, owner uuid);
alter table storage.objects enable row level security;
-- left
-- right
create policy "owners read" on storage.objects for select using (owner is not null);
-- expect: policy | storage.objects.owners read | only here
