-- Day 2, step 1: decide each user's organization, by the environment's tenant_model
-- variable (read as the session setting tollgate.tenant_model):
--   default-org           everyone in the default organization (the report's Option C)
--   org-per-user          one organization per user
--   org-per-email-domain  users of one clinic (one email domain) share an organization
-- The mapping lives in tollgate.user_orgs, next to the ledger; the backfill reads it.
create table if not exists tollgate.user_orgs (
  user_id uuid primary key,
  org_id uuid not null
);
comment on table tollgate.user_orgs is 'Each user''s organization, decided on Day 2 by tenant_model; Days 2 and 3 read it.';

do $$
declare
  -- The model Day 1 recorded wins: users who signed up since were given organizations by it.
  model text := coalesce((select t.tenant_model from tollgate.tenancy t),
                         nullif(current_setting('tollgate.tenant_model', true), ''), 'default-org');
begin
  if model not in ('default-org', 'org-per-user', 'org-per-email-domain') then
    raise exception 'unknown tenant_model ''%''', model
      using hint = 'set variables.tenant_model to default-org, org-per-user or org-per-email-domain';
  end if;
  if model = 'org-per-user' then
    insert into public.organizations (id, name)
      select md5('tollgate-org-user:' || u.id)::uuid, coalesce(u.email, u.id::text) from auth.users u
      on conflict (id) do nothing;
    insert into tollgate.user_orgs (user_id, org_id)
      select u.id, md5('tollgate-org-user:' || u.id)::uuid from auth.users u
      on conflict (user_id) do nothing;
  elsif model = 'org-per-email-domain' then
    insert into public.organizations (id, name)
      select distinct md5('tollgate-org-domain:' || lower(split_part(u.email, '@', 2)))::uuid,
             lower(split_part(u.email, '@', 2))
      from auth.users u where u.email like '%_@_%'
      on conflict (id) do nothing;
    insert into tollgate.user_orgs (user_id, org_id)
      select u.id,
             case when u.email like '%_@_%'
                  then md5('tollgate-org-domain:' || lower(split_part(u.email, '@', 2)))::uuid
                  else 'a0000000-0000-0000-0000-000000000001'::uuid end
      from auth.users u
      on conflict (user_id) do nothing;
  else
    insert into tollgate.user_orgs (user_id, org_id)
      select u.id, 'a0000000-0000-0000-0000-000000000001'::uuid from auth.users u
      on conflict (user_id) do nothing;
  end if;
end
$$;
