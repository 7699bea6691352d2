-- pair: enum-value-added
create type public.status as enum ('new', 'done');
-- left
-- right
alter type public.status add value 'archived';
-- expect: type | public.status | value `archived` added

-- pair: enum-value-removed
-- left
create type public.status as enum ('new', 'done', 'lost');
-- right
create type public.status as enum ('new', 'done');
-- expect: type | public.status | value `lost` removed

-- pair: enum-values-reordered
-- left
create type public.status as enum ('new', 'done');
-- right
create type public.status as enum ('done', 'new');
-- expect: type | public.status | values in another order

-- pair: enum-value-inserted-before
create type public.status as enum ('new', 'done');
-- left
-- right
alter type public.status add value 'started' before 'done';
-- expect: type | public.status | value `started` added

-- pair: domain-base-type
-- left
create domain public.amount as integer;
-- right
create domain public.amount as bigint;
-- expect: type | public.amount | base type integer → bigint

-- pair: domain-constraint
-- left
create domain public.amount as integer constraint positive check (value > 0);
-- right
create domain public.amount as integer constraint positive check (value >= 0);
-- expect: type | public.amount | constraint `positive: CHECK ((VALUE >= 0))` added

-- pair: domain-not-null-and-default
-- left
create domain public.code as text;
-- right
create domain public.code as text not null default 'x';
-- expect: type | public.code | NOT NULL no → yes

-- pair: composite-attribute-added
-- left
create type public.address as (street text, city text);
-- right
create type public.address as (street text, city text, zip text);
-- expect: type | public.address | attribute `zip text` added

-- pair: composite-attribute-type
-- left
create type public.point3 as (x integer, y integer);
-- right
create type public.point3 as (x integer, y bigint);
-- expect: type | public.point3 | attribute `y bigint` added

-- pair: range-subtype
-- left
create type public.span as range (subtype = integer);
-- right
create type public.span as range (subtype = numeric);
-- expect: type | public.span | subtype integer → numeric

-- pair: type-added
-- left
-- right
create type public.mood as enum ('ok');
-- expect: type | public.mood | only here

-- pair: table-row-types-are-not-types
-- left
create table public.a (id int);
-- right
create table public.a (id int);
