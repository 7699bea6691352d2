-- pair: check-constraint
-- left
create table public.t (n int constraint n_positive check (n > 0));
-- right
create table public.t (n int constraint n_positive check (n >= 0));
-- expect: constraint | public.t.n_positive | definition CHECK ((n > 0)) → CHECK ((n >= 0))

-- pair: exclusion-constraint
create table public.bookings (room int, during tsrange);
-- left
-- right
create extension btree_gist;
alter table public.bookings add constraint no_overlap exclude using gist (room with =, during with &&);
-- expect: extension | btree_gist | only here
-- expect: constraint | public.bookings.no_overlap | only here
-- expect: index | public.bookings.no_overlap | only here

-- pair: deferrable-foreign-key
create table public.parent (id int primary key);
-- left
create table public.child (p int constraint child_p_fkey references public.parent (id));
-- right
create table public.child (p int constraint child_p_fkey references public.parent (id) deferrable initially deferred);
-- expect: constraint | public.child.child_p_fkey | definition differs

-- pair: not-valid-constraint
create table public.t (n int);
-- left
alter table public.t add constraint n_positive check (n > 0);
-- right
alter table public.t add constraint n_positive check (n > 0) not valid;
-- expect: constraint | public.t.n_positive | validated yes → no

-- pair: unique-constraint-added
create table public.t (a int);
-- left
-- right
alter table public.t add constraint t_a_key unique (a);
-- expect: constraint | public.t.t_a_key | only here
-- expect: index | public.t.t_a_key | only here

-- pair: foreign-key-on-delete
create table public.parent (id int primary key);
-- left
create table public.child (p int constraint child_p_fkey references public.parent (id) on delete cascade);
-- right
create table public.child (p int constraint child_p_fkey references public.parent (id));
-- expect: constraint | public.child.child_p_fkey | definition differs

-- pair: partial-index
create table public.t (a int, b text);
-- left
create index t_a_idx on public.t (a) where a > 0;
-- right
create index t_a_idx on public.t (a) where a > 1;
-- expect: index | public.t.t_a_idx | definition differs

-- pair: expression-index
create table public.t (a int, b text);
-- left
create index t_b_idx on public.t (lower(b));
-- right
create index t_b_idx on public.t (upper(b));
-- expect: index | public.t.t_b_idx | definition differs

-- pair: index-include
create table public.t (a int, b text);
-- left
create index t_a_idx on public.t (a);
-- right
create index t_a_idx on public.t (a) include (b);
-- expect: index | public.t.t_a_idx | definition differs

-- pair: index-method
create table public.t (a int, b text);
-- left
create index t_a_idx on public.t using btree (a);
-- right
create index t_a_idx on public.t using hash (a);
-- expect: index | public.t.t_a_idx | method btree → hash

-- pair: invalid-index
create table public.t (a int, b text);
create index t_a_idx on public.t (a);
-- left
-- right
update pg_index set indisvalid = false where indexrelid = 'public.t_a_idx'::regclass;
-- expect: index | public.t.t_a_idx | valid yes → no
-- round trip: pg_dump leaves out invalid indexes, so the copy lacks it

-- pair: unique-index
create table public.t (a int, b text);
-- left
create index t_a_idx on public.t (a);
-- right
create unique index t_a_idx on public.t (a);
-- expect: index | public.t.t_a_idx | definition differs

-- pair: index-removed
create table public.t (a int, b text);
-- left
create index t_b_idx on public.t (b);
-- right
-- expect: index | public.t.t_b_idx | missing
