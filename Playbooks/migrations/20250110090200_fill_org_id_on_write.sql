-- Day 1, step 3 (expand): the database fills org_id on every row written without it, and gives
-- every user who signs up an organization and app_metadata.org_id. The old single-tenant
-- backend keeps inserting rows with user_id only while the rollout runs (and until Day 4
-- deploys the new one); with this, its rows arrive with their organization, so the Day 2
-- backfill only has old rows to do and ends while writes continue, and NOT NULL can never be
-- violated by the running application.
--
-- The organization of a user follows the environment's tenant_model, captured here:
--   default-org           everyone in the default organization
--   org-per-user          one organization per user
--   org-per-email-domain  users of one email domain share one
-- with the same organization ids Day 2's mapping uses (md5 of the user or the domain).
create table if not exists tollgate.tenancy (
  singleton boolean primary key default true check (singleton),
  tenant_model text not null
);
comment on table tollgate.tenancy is 'The tenant_model this environment was rolled out with (Day 1): how new users get their organization.';
do $$
declare
  model text := coalesce(nullif(current_setting('tollgate.tenant_model', true), ''), 'default-org');
begin
  if model not in ('default-org', 'org-per-user', 'org-per-email-domain') then
    raise exception 'unknown tenant_model ''%''', model
      using hint = 'set variables.tenant_model to default-org, org-per-user or org-per-email-domain';
  end if;
  insert into tollgate.tenancy (tenant_model) values (model)
    on conflict (singleton) do update set tenant_model = excluded.tenant_model;
end
$$;

create table if not exists tollgate.user_orgs (
  user_id uuid primary key,
  org_id uuid not null
);
comment on table tollgate.user_orgs is 'Each user''s organization, decided on Day 2 by tenant_model (or on sign-up since Day 1); Days 2 and 3 read it.';

-- The organization of a user, by tenant_model; made (with the organization) on first use.
-- Security definer: the application's roles may not read tollgate's tables themselves.
create or replace function public.tollgate_org_for_user(user_id uuid, email text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  model text := coalesce((select t.tenant_model from tollgate.tenancy t), 'default-org');
  domain text := lower(split_part(email, '@', 2));
  org uuid;
  org_name text;
begin
  if tollgate_org_for_user.user_id is null then
    return null;  -- a row with no owner keeps a null org_id, for the backfill or NOT NULL to judge
  end if;
  select m.org_id into org from tollgate.user_orgs m where m.user_id = tollgate_org_for_user.user_id;
  if org is not null then
    return org;
  end if;
  if model = 'org-per-user' then
    org := md5('tollgate-org-user:' || tollgate_org_for_user.user_id)::uuid;
    org_name := coalesce(email, tollgate_org_for_user.user_id::text);
  elsif model = 'org-per-email-domain' and email like '%_@_%' then
    org := md5('tollgate-org-domain:' || domain)::uuid;
    org_name := domain;
  else
    org := 'a0000000-0000-0000-0000-000000000001';
    org_name := 'Default Organization';
  end if;
  insert into public.organizations (id, name) values (org, org_name) on conflict (id) do nothing;
  insert into tollgate.user_orgs (user_id, org_id) values (tollgate_org_for_user.user_id, org)
    on conflict on constraint user_orgs_pkey do nothing;
  return (select m.org_id from tollgate.user_orgs m where m.user_id = tollgate_org_for_user.user_id);
end
$$;
comment on function public.tollgate_org_for_user(uuid, text) is 'Tollgate (Day 1): the organization of a user by tenant_model, made on first use.';
revoke all on function public.tollgate_org_for_user(uuid, text) from public, anon, authenticated;

-- How many rows the database had to fill: while the old backend runs, it keeps moving. The
-- contract playbook (Day 6) removes the filling only once it has stood still.
create sequence if not exists tollgate.org_id_filled;
comment on sequence tollgate.org_id_filled is 'Rows written without org_id that the database filled (the old backend''s writes).';

-- Rows written without org_id take their writer's organization (call_logs: its lead's).
create or replace function public.tollgate_fill_org_id()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  owner uuid;
begin
  if new.org_id is null then
    perform nextval('tollgate.org_id_filled');
    if tg_table_name = 'call_logs' then
      select coalesce(l.org_id, public.tollgate_org_for_user(l.user_id, u.email)) into new.org_id
      from public.leads l left join auth.users u on u.id = l.user_id
      where l.id = (to_jsonb(new) ->> 'lead_id')::uuid;
    else
      owner := (to_jsonb(new) ->> 'user_id')::uuid;
      new.org_id := public.tollgate_org_for_user(owner, (select u.email from auth.users u where u.id = owner));
    end if;
  end if;
  return new;
end
$$;
comment on function public.tollgate_fill_org_id() is 'Tollgate (Day 1): fills org_id on rows the application writes without it.';
-- Only triggers call it; no role may call it itself (a trigger fires without that privilege).
revoke all on function public.tollgate_fill_org_id() from public, anon, authenticated;

drop trigger if exists leads_fill_org_id on public.leads;
create trigger leads_fill_org_id before insert on public.leads
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists campaigns_fill_org_id on public.campaigns;
create trigger campaigns_fill_org_id before insert on public.campaigns
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists knowledge_base_fill_org_id on public.knowledge_base;
create trigger knowledge_base_fill_org_id before insert on public.knowledge_base
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists call_logs_fill_org_id on public.call_logs;
create trigger call_logs_fill_org_id before insert on public.call_logs
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists cold_call_logs_fill_org_id on public.cold_call_logs;
create trigger cold_call_logs_fill_org_id before insert on public.cold_call_logs
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists call_tracking_fill_org_id on public.call_tracking;
create trigger call_tracking_fill_org_id before insert on public.call_tracking
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists calls_fill_org_id on public.calls;
create trigger calls_fill_org_id before insert on public.calls
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists agents_fill_org_id on public.agents;
create trigger agents_fill_org_id before insert on public.agents
  for each row execute function public.tollgate_fill_org_id();
drop trigger if exists integrations_fill_org_id on public.integrations;
create trigger integrations_fill_org_id before insert on public.integrations
  for each row execute function public.tollgate_fill_org_id();

-- Users who sign up get an organization in app_metadata (what Supabase puts in the JWT). A
-- new user never joins an existing organization by itself: an email address proves nothing
-- until it is confirmed, and a shared domain (gmail.com) is no clinic. So under org-per-user
-- and org-per-email-domain each sign-up gets an organization of its own (joining a clinic's
-- is an administrator's act); under default-org everyone shares the default one, by design.
-- A sign-up that names its organization already keeps it, and the mapping records it. A
-- function in public and a trigger on auth.users, as hosted Supabase allows (nothing is
-- created in the auth schema).
create or replace function public.tollgate_new_user_org()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  model text := coalesce((select t.tenant_model from tollgate.tenancy t), 'default-org');
  org uuid;
begin
  if coalesce(new.raw_app_meta_data ->> 'org_id', '') <> '' then
    org := (new.raw_app_meta_data ->> 'org_id')::uuid;
  elsif model = 'default-org' then
    org := 'a0000000-0000-0000-0000-000000000001';
  else
    org := md5('tollgate-org-user:' || new.id)::uuid;
    insert into public.organizations (id, name) values (org, coalesce(new.email, new.id::text))
      on conflict (id) do nothing;
  end if;
  insert into tollgate.user_orgs (user_id, org_id) values (new.id, org) on conflict (user_id) do nothing;
  new.raw_app_meta_data := coalesce(new.raw_app_meta_data, '{}'::jsonb)
    || jsonb_build_object('org_id', (select m.org_id from tollgate.user_orgs m where m.user_id = new.id));
  return new;
end
$$;
comment on function public.tollgate_new_user_org() is 'Tollgate (Day 1): gives each new user an organization in app_metadata.';
revoke all on function public.tollgate_new_user_org() from public, anon, authenticated;

-- Created once: a role that may add triggers to auth.users (TRIGGER privilege) still may
-- not drop them, which only the table's owner can.
do $$
begin
  if not exists (select from pg_trigger where tgname = 'tollgate_new_user_org' and tgrelid = 'auth.users'::regclass) then
    create trigger tollgate_new_user_org before insert on auth.users
      for each row execute function public.tollgate_new_user_org();
  end if;
end
$$;
