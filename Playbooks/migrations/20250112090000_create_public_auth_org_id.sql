-- Day 4 (Warden): the org-id function. The report's auth.org_id() cannot live in Supabase's
-- reserved auth schema (permission denied), so it lives in public. stable, so a policy's
-- (select public.auth_org_id()) runs once per statement; search_path pinned, so no object
-- on the caller's path can stand in for auth.jwt().
create or replace function public.auth_org_id() returns uuid
language sql stable
set search_path = ''
as $$
  select nullif((select auth.jwt()) -> 'app_metadata' ->> 'org_id', '')::uuid
$$;
comment on function public.auth_org_id() is 'The organization of the request''s JWT (app_metadata.org_id, which users cannot edit).';
grant execute on function public.auth_org_id() to authenticated, service_role;
