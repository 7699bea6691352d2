-- The taskboard application's own schema: the database its code was written for. The code
-- check passes on it and blocks on each single mutation of it (CodeCheckTests).
create table public.profiles (
  id uuid primary key,
  username text not null unique,
  full_name text,
  avatar_url text,
  created_at timestamptz not null default now()
);
create table public.teams (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null unique
);
create table public.team_members (
  team_id uuid references public.teams (id) on delete cascade,
  profile_id uuid references public.profiles (id) on delete cascade,
  role text not null default 'member',
  primary key (team_id, profile_id)
);
create table public.projects (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams (id),
  name text not null,
  status text not null default 'active',
  archived boolean not null default false,
  settings jsonb not null default '{}',
  created_by uuid references public.profiles (id),
  created_at timestamptz not null default now()
);
create table public.tasks (
  id bigint generated always as identity primary key,
  project_id uuid not null references public.projects (id) on delete cascade,
  title text not null,
  status text not null default 'todo',
  priority integer not null default 0,
  due_on date,
  tags text[] not null default '{}',
  author_id uuid not null references public.profiles (id),
  reviewer_id uuid references public.profiles (id),
  created_at timestamptz not null default now()
);
create table public.task_assignees (
  task_id bigint references public.tasks (id) on delete cascade,
  profile_id uuid references public.profiles (id) on delete cascade,
  primary key (task_id, profile_id)
);
create table public.comments (
  id bigint generated always as identity primary key,
  task_id bigint not null references public.tasks (id) on delete cascade,
  author_id uuid not null references public.profiles (id),
  body text not null,
  created_at timestamptz not null default now()
);
create table public.notifications (
  id bigint generated always as identity primary key,
  profile_id uuid not null references public.profiles (id),
  kind text not null,
  payload jsonb not null,
  read_at timestamptz,
  unique (profile_id, kind)
);
create schema billing;
create table billing.invoices (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null,
  amount_cents integer not null,
  status text not null,
  issued_on date not null
);
create function public.search_tasks(p_query text, p_limit integer default 20)
returns setof public.tasks language sql stable
as $$ select * from public.tasks where title ilike '%' || p_query || '%' limit p_limit $$;
create function public.archive_project(project_id uuid) returns void language sql
as $$ update public.projects set archived = true where id = project_id $$;
create function billing.team_balance(p_team uuid) returns bigint language sql stable
as $$ select coalesce(sum(amount_cents), 0) from billing.invoices where team_id = p_team $$;
