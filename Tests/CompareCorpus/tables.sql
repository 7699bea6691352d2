-- pair: table-added
-- left
-- right
create table public.notes (id int primary key, body text);
-- expect: table | public.notes | only here

-- pair: table-unlogged
-- left
create table public.cache (k text primary key);
-- right
create unlogged table public.cache (k text primary key);
-- expect: table | public.cache | persistence logged → unlogged

-- pair: partition-key
-- left
create table public.events (a int, b int) partition by range (a);
-- right
create table public.events (a int, b int) partition by range (b);
-- expect: table | public.events | partition key RANGE (a) → RANGE (b)

-- pair: partition-added
create table public.events (a int) partition by range (a);
create table public.events_1 partition of public.events for values from (0) to (10);
-- left
-- right
create table public.events_2 partition of public.events for values from (10) to (20);
-- expect: table | public.events_2 | only here

-- pair: partition-bound
create table public.events (a int) partition by range (a);
-- left
create table public.events_1 partition of public.events for values from (0) to (10);
-- right
create table public.events_1 partition of public.events for values from (0) to (20);
-- expect: table | public.events_1 | partition bound FOR VALUES FROM (0) TO (10) → FOR VALUES FROM (0) TO (20)

-- pair: list-partition-and-default
create table public.regions (code text) partition by list (code);
create table public.regions_eu partition of public.regions for values in ('de', 'fr');
-- left
-- right
create table public.regions_other partition of public.regions default;
-- expect: table | public.regions_other | only here

-- pair: inheritance-added
create table public.base (id int);
-- left
create table public.child (id int, extra text);
-- right
create table public.child (extra text) inherits (public.base);
-- expect: table | public.child | parent `public.base` added

-- pair: row-level-security
create table public.t (id int primary key);
-- left
-- right
alter table public.t enable row level security;
-- expect: table | public.t | row level security disabled → enabled

-- pair: forced-row-level-security
create table public.t (id int primary key);
alter table public.t enable row level security;
-- left
-- right
alter table public.t force row level security;
-- expect: table | public.t | forced row level security no → yes

-- pair: storage-options
-- left
create table public.t (id int primary key);
-- right
create table public.t (id int primary key) with (fillfactor = 70);
-- expect: table | public.t | option `fillfactor=70` added

-- pair: table-privileges
create table public.t (id int primary key);
-- left
grant select on public.t to anon;
-- right
grant select, insert on public.t to anon;
-- expect: table | public.t | grant `anon:INSERT` added

-- pair: table-privileges-revoked-from-api-role
create table public.t (id int primary key);
grant all on public.t to authenticated;
-- left
-- right
revoke delete on public.t from authenticated;
-- expect: table | public.t | grant `authenticated:DELETE` removed

-- pair: table-owner
-- left
create table public.t (id int primary key);
alter table public.t owner to anon;
-- right
create table public.t (id int primary key);
alter table public.t owner to authenticated;
-- expect: table | public.t | owner anon → authenticated

-- pair: foreign-table
create extension postgres_fdw;
create server elsewhere foreign data wrapper postgres_fdw options (dbname 'nowhere');
-- left
-- right
create foreign table public.remote_notes (id int) server elsewhere;
-- expect: table | public.remote_notes | only here

-- pair: identical-tables-created-in-another-order
-- left
create table public.a (id int primary key);
create table public.b (id int primary key, a int references public.a (id));
create index b_a_idx on public.b (a);
-- right
create table public.a (id int primary key);
create table public.b (id int primary key, a int);
create index b_a_idx on public.b (a);
alter table public.b add foreign key (a) references public.a (id);

-- pair: identical-after-a-dropped-column
-- left
create table public.t (id int primary key, name text);
-- right
create table public.t (id int primary key, legacy text, name text);
alter table public.t drop column legacy;
