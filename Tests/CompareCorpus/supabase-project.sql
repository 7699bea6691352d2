-- A hosted Supabase project in the shape its platform gives it (Auth's, Storage's and
-- Realtime's schemas, the extensions schema with PostgREST's event triggers, the Realtime
-- publication), with an application on top in the shape of Supabase's user-management starter:
-- profiles filled by a trigger on auth.users, RLS, an avatars bucket's policies, profiles in
-- the publication. Written for this corpus; the platform's objects follow the shapes Supabase's
-- schemas have, not their text.

-- pair: supabase-project-identical
create schema if not exists auth;
create schema if not exists storage;
create schema if not exists realtime;
create schema if not exists extensions;
create extension if not exists pgcrypto schema extensions;
create extension if not exists "uuid-ossp" schema extensions;
create type auth.aal_level as enum ('aal1', 'aal2', 'aal3');
create type auth.factor_type as enum ('totp', 'webauthn');
create table auth.users (
  instance_id uuid, id uuid primary key, aud varchar(255), role varchar(255), email varchar(255),
  encrypted_password varchar(255), email_confirmed_at timestamptz, raw_app_meta_data jsonb,
  raw_user_meta_data jsonb, is_super_admin boolean, created_at timestamptz, updated_at timestamptz,
  phone text unique default null, is_anonymous boolean not null default false
);
create index users_instance_id_idx on auth.users (instance_id);
create table auth.identities (
  provider_id text not null, user_id uuid not null references auth.users (id) on delete cascade,
  identity_data jsonb not null, provider text not null, id uuid primary key default gen_random_uuid(),
  email text generated always as (lower(identity_data ->> 'email')) stored
);
create table auth.refresh_tokens (
  instance_id uuid, id bigserial primary key, token varchar(255) unique, user_id varchar(255),
  revoked boolean, created_at timestamptz, updated_at timestamptz
);
create table auth.mfa_factors (
  id uuid primary key, user_id uuid not null references auth.users (id) on delete cascade,
  factor_type auth.factor_type not null, created_at timestamptz not null
);
create table auth.schema_migrations (version varchar(255) primary key);
create function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$;
create function auth.role() returns text language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text $$;
create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                  nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$;
grant usage on schema auth to anon, authenticated, service_role;
create table storage.buckets (
  id text primary key, name text not null unique, owner uuid, public boolean default false,
  created_at timestamptz default now(), updated_at timestamptz default now()
);
create table storage.objects (
  id uuid primary key default gen_random_uuid(), bucket_id text references storage.buckets (id),
  name text, owner uuid, metadata jsonb, path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  created_at timestamptz default now(), updated_at timestamptz default now()
);
create unique index bucketid_objname on storage.objects (bucket_id, name);
alter table storage.objects enable row level security;
create function storage.foldername(name text) returns text[] language plpgsql as $$
declare parts text[]; begin parts := string_to_array(name, '/'); return parts[1:array_length(parts, 1) - 1]; end $$;
create function storage.filename(name text) returns text language plpgsql as $$
declare parts text[]; begin parts := string_to_array(name, '/'); return parts[array_length(parts, 1)]; end $$;
grant usage on schema storage to anon, authenticated, service_role;
create table realtime.subscription (
  id bigint generated always as identity primary key, subscription_id uuid not null,
  claims jsonb not null, created_at timestamp not null default timezone('utc', now())
);
create function extensions.pgrst_ddl_watch() returns event_trigger language plpgsql as $$
begin notify pgrst, 'reload schema'; end $$;
create event trigger pgrst_ddl_watch on ddl_command_end execute function extensions.pgrst_ddl_watch();
create publication supabase_realtime;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

create table public.profiles (
  id uuid not null references auth.users on delete cascade primary key,
  updated_at timestamptz, username text unique, full_name text, avatar_url text,
  constraint username_length check (char_length(username) >= 3)
);
alter table public.profiles enable row level security;
create policy "Public profiles are viewable by everyone." on public.profiles for select using (true);
create policy "Users can insert their own profile." on public.profiles for insert with check ((select auth.uid()) = id);
create policy "Users can update own profile." on public.profiles for update using ((select auth.uid()) = id);
create function public.handle_new_user() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  insert into public.profiles (id, full_name, avatar_url)
  values (new.id, new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'avatar_url');
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users for each row execute procedure public.handle_new_user();
insert into storage.buckets (id, name) values ('avatars', 'avatars');
create policy "Avatar images are publicly accessible." on storage.objects for select using (bucket_id = 'avatars');
create policy "Anyone can upload an avatar." on storage.objects for insert with check (bucket_id = 'avatars');
alter publication supabase_realtime add table public.profiles;
-- left
-- right

-- pair: supabase-platform-upgrade-is-not-a-difference
create schema if not exists auth;
create schema if not exists storage;
create schema if not exists extensions;
create extension if not exists pgcrypto schema extensions;
create type auth.factor_type as enum ('totp', 'webauthn');
create table auth.users (id uuid primary key, email varchar(255), raw_app_meta_data jsonb, created_at timestamptz);
create table storage.buckets (id text primary key, name text not null unique);
create function auth.uid() returns uuid language sql stable as $$
  select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
create table public.profiles (id uuid primary key references auth.users (id) on delete cascade, username text);
-- left
-- right
-- A newer Auth and Storage: new columns, a new table, an enum value, an index, a function in
-- storage, a new body for auth.uid(). None of it is the application's.
alter type auth.factor_type add value 'phone';
alter table auth.users add column is_sso_user boolean not null default false;
create table auth.sso_providers (id uuid primary key, resource_id text);
create index users_email_partial_key on auth.users (email) where is_sso_user = false;
alter table storage.buckets add column file_size_limit bigint;
create function storage.get_size_by_bucket() returns table (size bigint, bucket_id text) language sql as $$ select 0::bigint, ''::text $$;
create or replace function auth.uid() returns uuid language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                  (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$;

-- pair: supabase-application-changes
create schema if not exists auth;
create schema if not exists storage;
create table auth.users (id uuid primary key, email varchar(255), raw_user_meta_data jsonb);
create table storage.objects (id uuid primary key, bucket_id text, name text, owner uuid);
alter table storage.objects enable row level security;
create publication supabase_realtime;
create table public.profiles (id uuid primary key references auth.users (id) on delete cascade, username text, avatar_url text);
alter table public.profiles enable row level security;
create policy "Users can update own profile." on public.profiles for update using (id = current_setting('app.user')::uuid);
create function public.handle_new_user() returns trigger language plpgsql security definer as $$
begin insert into public.profiles (id) values (new.id); return new; end $$;
create trigger on_auth_user_created after insert on auth.users for each row execute procedure public.handle_new_user();
create table public.messages (id bigint generated by default as identity primary key, body text);
-- left
-- right
alter table public.profiles add column website text;
alter policy "Users can update own profile." on public.profiles to authenticated;
create or replace function public.handle_new_user() returns trigger language plpgsql security definer set search_path = '' as $$
begin insert into public.profiles (id) values (new.id); return new; end $$;
drop trigger on_auth_user_created on auth.users;
create trigger on_auth_user_created after insert or update on auth.users for each row execute procedure public.handle_new_user();
create policy "Owners read their files." on storage.objects for select using (owner = id);
alter publication supabase_realtime add table public.messages;
-- expect: column | public.profiles.website | only here
-- expect: policy | public.profiles.Users can update own profile. | role `authenticated` added
-- expect: function | public.handle_new_user() | setting `search_path=""` added
-- expect: trigger | auth.users.on_auth_user_created | event `UPDATE` added
-- expect: policy | storage.objects.Owners read their files. | only here
-- expect: publication | supabase_realtime | table `public.messages` added
