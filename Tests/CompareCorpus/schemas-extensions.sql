-- pair: schema-added
-- left
-- right
create schema app;
-- expect: schema | app | only here

-- pair: schema-removed
create table public.t (id int primary key);
-- left
create schema reporting;
-- right
-- expect: schema | reporting | missing

-- pair: schema-owner
-- left
create schema app authorization anon;
-- right
create schema app authorization authenticated;
-- expect: schema | app | owner anon → authenticated

-- pair: schema-privileges
create schema app;
-- left
-- right
grant usage on schema app to authenticated;
-- expect: schema | app | grant `authenticated:USAGE` added

-- pair: extension-added-without-its-objects
-- left
-- right
create extension pg_trgm;
-- expect: extension | pg_trgm | only here

-- pair: extension-version
-- left
create extension hstore version '1.7';
-- right
create extension hstore version '1.8';
-- expect: extension | hstore | version 1.7 → 1.8

-- pair: extension-schema
create schema extensions;
-- left
create extension citext schema public;
-- right
create extension citext schema extensions;
-- expect: extension | citext | schema public → extensions

-- pair: extension-types-and-operators-are-the-extensions
-- left
create extension citext;
create table public.emails (address public.citext primary key);
-- right
create extension citext;
create table public.emails (address public.citext primary key);

-- pair: identical-empty
-- left
-- right
