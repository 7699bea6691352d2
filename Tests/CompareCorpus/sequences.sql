-- pair: sequence-increment
-- left
create sequence public.ticket_seq;
-- right
create sequence public.ticket_seq increment by 2;
-- expect: sequence | public.ticket_seq | increment 1 → 2

-- pair: sequence-bounds-and-cycle
-- left
create sequence public.ticket_seq;
-- right
create sequence public.ticket_seq maxvalue 1000 cycle;
-- expect: sequence | public.ticket_seq | maximum 9223372036854775807 → 1000

-- pair: sequence-type
-- left
create sequence public.ticket_seq as bigint;
-- right
create sequence public.ticket_seq as integer;
-- expect: sequence | public.ticket_seq | type bigint → integer

-- pair: sequence-owned-by
create table public.t (id int primary key, n int);
-- left
create sequence public.n_seq;
-- right
create sequence public.n_seq owned by public.t.n;
-- expect: sequence | public.n_seq | owned by none → public.t.n

-- pair: sequence-privileges
create sequence public.ticket_seq;
-- left
-- right
grant usage on sequence public.ticket_seq to authenticated;
-- expect: sequence | public.ticket_seq | grant `authenticated:USAGE` added

-- pair: serial-column-is-the-same-after-values-were-drawn
-- left
create table public.t (id serial primary key);
-- right
create table public.t (id serial primary key);
select nextval('public.t_id_seq');

-- pair: sequence-start
-- left
create sequence public.ticket_seq start 1;
-- right
create sequence public.ticket_seq start 100;
-- expect: sequence | public.ticket_seq | start 1 → 100
