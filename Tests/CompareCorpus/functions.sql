-- pair: function-body
-- left
create function public.score(n int) returns int language sql immutable as $$ select n * 2 $$;
-- right
create function public.score(n int) returns int language sql immutable as $$ select n * 3 $$;
-- expect: function | public.score(n integer) | body differs

-- pair: function-volatility
-- left
create function public.now_utc() returns timestamp language sql volatile as $$ select now() at time zone 'utc' $$;
-- right
create function public.now_utc() returns timestamp language sql stable as $$ select now() at time zone 'utc' $$;
-- expect: function | public.now_utc() | volatility volatile → stable

-- pair: function-security-definer
-- left
create function public.who() returns text language sql as $$ select current_user::text $$;
-- right
create function public.who() returns text language sql security definer as $$ select current_user::text $$;
-- expect: function | public.who() | security invoker → definer

-- pair: function-search-path
-- left
create function public.who() returns text language sql as $$ select current_user::text $$;
-- right
create function public.who() returns text language sql set search_path = '' as $$ select current_user::text $$;
-- expect: function | public.who() | setting `search_path=""` added

-- pair: function-argument-name
-- left
create function public.lead_count(org uuid) returns bigint language sql as $$ select 1::bigint $$;
-- right
create function public.lead_count(org_id uuid) returns bigint language sql as $$ select 1::bigint $$;
-- expect: function | public.lead_count(org uuid) | missing
-- expect: function | public.lead_count(org_id uuid) | only here

-- pair: function-argument-default
-- left
create function public.page(size int) returns int language sql as $$ select size $$;
-- right
create function public.page(size int default 20) returns int language sql as $$ select size $$;
-- expect: function | public.page(size integer) | arguments size integer → size integer DEFAULT 20

-- pair: function-strict
-- left
create function public.twice(n int) returns int language sql as $$ select n * 2 $$;
-- right
create function public.twice(n int) returns int language sql strict as $$ select n * 2 $$;
-- expect: function | public.twice(n integer) | attribute `strict` added

-- pair: function-language
-- left
create function public.one() returns int language sql as $$ select 1 $$;
-- right
create function public.one() returns int language plpgsql as $$ begin return 1; end $$;
-- expect: function | public.one() | language sql → plpgsql

-- pair: function-result
-- left
create function public.total() returns int language sql as $$ select 1 $$;
-- right
create function public.total() returns bigint language sql as $$ select 1::bigint $$;
-- expect: function | public.total() | result integer → bigint

-- pair: function-overload-added
create function public.f(a int) returns int language sql as $$ select a $$;
-- left
-- right
create function public.f(a text) returns text language sql as $$ select a $$;
-- expect: function | public.f(a text) | only here

-- pair: function-execute-revoked
create function public.secret() returns int language sql as $$ select 42 $$;
-- left
-- right
revoke execute on function public.secret() from public;
-- expect: function | public.secret() | grant `public:EXECUTE` removed

-- pair: function-granted-to-api-role
create function public.secret() returns int language sql as $$ select 42 $$;
revoke execute on function public.secret() from public;
-- left
-- right
grant execute on function public.secret() to authenticated;
-- expect: function | public.secret() | grant `authenticated:EXECUTE` added

-- pair: sql-standard-body
-- left
create function public.add(a int, b int) returns int language sql begin atomic select a + b; end;
-- right
create function public.add(a int, b int) returns int language sql begin atomic select a - b; end;
-- expect: function | public.add(a integer, b integer) | body differs

-- pair: procedure-added
-- left
-- right
create procedure public.archive_old() language sql as $$ select 1 $$;
-- expect: function | public.archive_old() | only here

-- pair: procedure-body
-- left
create procedure public.archive_old() language sql as $$ select 1 $$;
-- right
create procedure public.archive_old() language sql as $$ select 2 $$;
-- expect: function | public.archive_old() | body differs

-- pair: aggregate-initial-value
-- left
create aggregate public.total_plus(int) (sfunc = int4pl, stype = int, initcond = '0');
-- right
create aggregate public.total_plus(int) (sfunc = int4pl, stype = int, initcond = '100');
-- expect: function | public.total_plus(integer) | aggregate sfunc int4pl, stype integer, initcond 0 → sfunc int4pl, stype integer, initcond 100

-- pair: function-owner
-- left
create function public.one() returns int language sql as $$ select 1 $$;
alter function public.one() owner to anon;
-- right
create function public.one() returns int language sql as $$ select 1 $$;
alter function public.one() owner to authenticated;
-- expect: function | public.one() | owner anon → authenticated

-- pair: function-parallel-and-leakproof
-- left
create function public.one() returns int language sql as $$ select 1 $$;
-- right
create function public.one() returns int language sql parallel safe as $$ select 1 $$;
-- expect: function | public.one() | attribute `parallel safe` added

-- pair: set-returning-function
-- left
create function public.ids() returns int language sql as $$ select 1 $$;
-- right
create function public.ids() returns setof int language sql as $$ select 1 $$;
-- expect: function | public.ids() | result integer → SETOF integer
