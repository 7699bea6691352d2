-- Differences an independent review found unseen, and false differences it feared.

-- pair: replica-identity-full
create table public.messages (id int primary key, body text);
-- left
-- right
alter table public.messages replica identity full;
-- expect: table | public.messages | replica identity default → full

-- pair: publication-column-list
create table public.messages (id int primary key, body text, secret text);
-- left
create publication supabase_realtime for table public.messages;
-- right
create publication supabase_realtime for table public.messages (id, body);
-- expect: publication | supabase_realtime | table `public.messages (id, body)` added

-- pair: publication-row-filter
create table public.messages (id int primary key, body text, private boolean);
-- left
create publication supabase_realtime for table public.messages;
-- right
create publication supabase_realtime for table public.messages where (not private);
-- expect: publication | supabase_realtime | table `public.messages where (NOT private)` added

-- pair: publication-tables-in-schema
create schema chat;
create table chat.messages (id int primary key);
-- left
create publication supabase_realtime for table chat.messages;
-- right
create publication supabase_realtime for tables in schema chat;
-- expect: publication | supabase_realtime | schema `chat` added

-- pair: column-order
-- left
create table public.t (id int primary key, a int, b int);
-- right
create table public.t (id int primary key, b int, a int);
-- expect: table | public.t | columns in another order

-- pair: column-added-in-the-middle-is-the-columns-own
create table public.base (id int);
-- left
create table public.t (id int primary key, b int);
-- right
create table public.t (id int primary key, a int, b int);
-- expect: column | public.t.a | only here

-- pair: comments
create table public.profiles (id uuid primary key, username text);
create function public.greet() returns text language sql as $$ select 'hi' $$;
-- left
-- right
comment on table public.profiles is E'@graphql({"totalCount": {"enabled": true}})';
comment on column public.profiles.username is 'Shown to other users.';
comment on function public.greet() is 'Says hello.';
-- expect: table | public.profiles | comment none → @graphql({"totalCount": {"enabled": true}})
-- expect: column | public.profiles.username | comment none → Shown to other users.
-- expect: function | public.greet() | comment none → Says hello.

-- pair: identity-sequence-options
-- left
create table public.t (id bigint generated always as identity primary key);
-- right
create table public.t (id bigint generated always as identity (start with 1000) primary key);
-- expect: column | public.t.id | identity sequence differs

-- pair: event-trigger-tags-in-any-order
create function public.log_ddl() returns event_trigger language plpgsql as $$ begin null; end $$;
-- left
create event trigger log_ddl on ddl_command_end when tag in ('CREATE TABLE', 'ALTER TABLE') execute function public.log_ddl();
-- right
create event trigger log_ddl on ddl_command_end when tag in ('ALTER TABLE', 'CREATE TABLE') execute function public.log_ddl();

-- pair: platform-trigger-is-the-platforms
create schema storage;
create table storage.objects (id uuid primary key, updated_at timestamptz);
create function storage.update_updated_at_column() returns trigger language plpgsql as $$ begin new.updated_at = now(); return new; end $$;
-- left
-- right
create trigger update_objects_updated_at before update on storage.objects for each row execute function storage.update_updated_at_column();

-- pair: platform-default-privileges-are-the-platforms
create schema storage;
-- left
-- right
alter default privileges for role anon in schema storage grant select on tables to authenticated;

-- pair: partition-trigger-clones-are-the-parents
create function public.keep() returns trigger language plpgsql as $$ begin return new; end $$;
create table public.events (a int) partition by range (a);
create table public.events_1 partition of public.events for values from (0) to (10);
-- left
-- right
create trigger events_keep before update on public.events for each row execute function public.keep();
-- expect: trigger | public.events.events_keep | only here

-- pair: column-with-every-grant-revoked
create table public.t (id int primary key, secret text);
-- left
-- right
grant select (secret) on public.t to anon;
revoke select (secret) on public.t from anon;

-- pair: storage-options-in-any-order
-- left
create table public.t (id int primary key) with (fillfactor = 70, autovacuum_enabled = false);
-- right
create table public.t (id int primary key) with (autovacuum_enabled = false, fillfactor = 70);
