-- The report's original Warden migration (20250110_create_auth_org_id_function.sql), kept
-- as it was: it creates the function in Supabase's reserved auth schema, which hosted
-- Supabase (and the sandbox) refuse with "permission denied for schema auth".
-- `tollgate rehearse example-report-auth-org-id --env production` shows it failing.
create or replace function auth.org_id() returns uuid
language sql stable
as $$
  select nullif(((current_setting('request.jwt.claims', true))::jsonb -> 'app_metadata' ->> 'org_id'), '')::uuid
$$;
