-- pair: default-privileges
-- left
-- right
alter default privileges for role anon in schema public grant select on tables to authenticated;
-- expect: default privileges | anon in public on tables | only here

-- pair: default-privileges-changed
-- left
alter default privileges for role anon grant execute on functions to authenticated;
-- right
alter default privileges for role anon grant execute on functions to authenticated, service_role;
-- expect: default privileges | anon on functions | grant `service_role:EXECUTE` added

-- pair: publication-added
create table public.messages (id int primary key);
-- left
-- right
create publication supabase_realtime for table public.messages;
-- expect: publication | supabase_realtime | only here

-- pair: publication-table-added
create table public.messages (id int primary key);
create table public.leads (id int primary key);
create publication supabase_realtime for table public.messages;
-- left
-- right
alter publication supabase_realtime add table public.leads;
-- expect: publication | supabase_realtime | table `public.leads` added

-- pair: publication-operations
create table public.messages (id int primary key);
-- left
create publication supabase_realtime for table public.messages;
-- right
create publication supabase_realtime for table public.messages with (publish = 'insert');
-- expect: publication | supabase_realtime | operations `update`, `delete`, `truncate` removed

-- pair: publication-all-tables
create table public.messages (id int primary key);
-- left
create publication everything for table public.messages;
-- right
create publication everything for all tables;
-- expect: publication | everything | all tables no → yes
