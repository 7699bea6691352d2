-- pair: view-definition
create table public.leads (id int primary key, status text);
-- left
create view public.active_leads as select id from public.leads where status = 'new';
-- right
create view public.active_leads as select id from public.leads where status <> 'lost';
-- expect: view | public.active_leads | definition differs

-- pair: view-security-invoker
create table public.leads (id int primary key, status text);
-- left
create view public.open_leads as select id from public.leads;
-- right
create view public.open_leads with (security_invoker = true) as select id from public.leads;
-- expect: view | public.open_leads | option `security_invoker=true` added

-- pair: view-check-option
create table public.leads (id int primary key, status text);
-- left
create view public.new_leads as select id, status from public.leads where status = 'new';
-- right
create view public.new_leads as select id, status from public.leads where status = 'new' with cascaded check option;
-- expect: view | public.new_leads | option `check_option=cascaded` added

-- pair: view-to-materialized-view
create table public.leads (id int primary key, status text);
-- left
create view public.lead_counts as select status, count(*) as n from public.leads group by status;
-- right
create materialized view public.lead_counts as select status, count(*) as n from public.leads group by status;
-- expect: view | public.lead_counts | kind view → materialized view

-- pair: materialized-view-definition
create table public.leads (id int primary key, status text);
-- left
create materialized view public.lead_counts as select status, count(*) as n from public.leads group by status;
-- right
create materialized view public.lead_counts as select status, count(id) as n from public.leads group by status;
-- expect: view | public.lead_counts | definition differs

-- pair: materialized-view-index
create table public.leads (id int primary key, status text);
create materialized view public.lead_counts as select status, count(*) as n from public.leads group by status;
-- left
-- right
create unique index lead_counts_status on public.lead_counts (status);
-- expect: index | public.lead_counts.lead_counts_status | only here

-- pair: view-column-type
create table public.leads (id int primary key, status text);
-- left
create view public.ids as select id from public.leads;
-- right
create view public.ids as select id::bigint as id from public.leads;
-- expect: view | public.ids | definition differs
-- expect: column | public.ids.id | type integer → bigint

-- pair: view-privileges
create table public.leads (id int primary key, status text);
create view public.ids as select id from public.leads;
-- left
-- right
grant select on public.ids to anon;
-- expect: view | public.ids | grant `anon:SELECT` added

-- pair: view-owner
create table public.leads (id int primary key, status text);
create view public.ids as select id from public.leads;
-- left
alter view public.ids owner to anon;
-- right
alter view public.ids owner to authenticated;
-- expect: view | public.ids | owner anon → authenticated
