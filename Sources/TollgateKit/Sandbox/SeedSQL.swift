/// The SQL that builds the sandbox: a Supabase-like database in the report's starting state.
///
/// Kept in Swift (not as bundle resources) so the `tollgate` binary works wherever it is
/// copied. Values never enter this text: the generator reads its seed and size from the
/// session settings `tollgate.seed` and `tollgate.rows`, set with parameters beforehand.
enum SeedSQL {
    /// Cluster-wide roles, as hosted Supabase has them.
    ///
    /// `tollgate_app` plays the part of Supabase's `postgres` role: it owns `public`, may act as
    /// `anon`/`authenticated`, and is neither superuser nor allowed to create objects in `auth`.
    static let roles = """
        do $$
        begin
          if not exists (select from pg_roles where rolname = 'anon') then
            create role anon nologin noinherit;
          end if;
          if not exists (select from pg_roles where rolname = 'authenticated') then
            create role authenticated nologin noinherit;
          end if;
          if not exists (select from pg_roles where rolname = 'service_role') then
            create role service_role nologin noinherit bypassrls;
          end if;
          if not exists (select from pg_roles where rolname = 'supabase_auth_admin') then
            create role supabase_auth_admin nologin noinherit;
          end if;
          if not exists (select from pg_roles where rolname = 'tollgate_app') then
            create role tollgate_app login nosuperuser nocreatedb nocreaterole;
          end if;
          execute format('alter role tollgate_app password %L', current_setting('tollgate.app_password'));
        end
        $$;
        grant anon, authenticated, service_role to tollgate_app;
        """

    /// Supabase's `auth` schema as far as applications see it, with `auth.uid()`,
    /// `auth.role()` and `auth.jwt()` defined exactly as hosted Supabase defines them.
    static let supabase = """
        create schema auth authorization supabase_auth_admin;
        grant usage on schema auth to anon, authenticated, service_role, tollgate_app;

        create table auth.users (
          instance_id uuid,
          id uuid primary key,
          aud varchar(255),
          role varchar(255),
          email varchar(255) unique,
          encrypted_password varchar(255),
          email_confirmed_at timestamptz,
          last_sign_in_at timestamptz,
          raw_app_meta_data jsonb,
          raw_user_meta_data jsonb,
          is_super_admin boolean,
          phone text unique default null,
          is_anonymous boolean not null default false,
          created_at timestamptz,
          updated_at timestamptz
        );
        alter table auth.users owner to supabase_auth_admin;
        comment on table auth.users is 'Auth: Stores user login data within a secure schema.';
        -- As hosted Supabase's postgres role: it may read and write users (seed scripts and
        -- Tollgate's probes insert them) but not create anything in the schema.
        grant select, insert, update, delete, references on auth.users to tollgate_app;
        -- Hosted Supabase lets the postgres role add a trigger to auth.users (the documented
        -- way to act on sign-ups), never create objects in auth itself.
        grant trigger on auth.users to tollgate_app;
        grant select on auth.users to service_role;

        create function auth.uid() returns uuid language sql stable as $$
          select coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
          )::uuid
        $$;
        create function auth.role() returns text language sql stable as $$
          select coalesce(
            nullif(current_setting('request.jwt.claim.role', true), ''),
            (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
          )::text
        $$;
        create function auth.jwt() returns jsonb language sql stable as $$
          select coalesce(
            nullif(current_setting('request.jwt.claim', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')
          )::jsonb
        $$;
        alter function auth.uid() owner to supabase_auth_admin;
        alter function auth.role() owner to supabase_auth_admin;
        alter function auth.jwt() owner to supabase_auth_admin;

        create schema supabase_migrations authorization tollgate_app;
        create table supabase_migrations.schema_migrations (
          version text primary key,
          statements text[],
          name text
        );
        alter table supabase_migrations.schema_migrations owner to tollgate_app;

        alter schema public owner to tollgate_app;
        grant usage on schema public to anon, authenticated, service_role;
        """

    /// Grants added to the Supabase emulation after sandboxes were first seeded, applied again
    /// (idempotently) by `sandbox up` to a sandbox an older Tollgate seeded.
    static let laterGrants = """
        grant trigger on auth.users to tollgate_app;
        """

    /// The app's first Supabase migration: the report's single-tenant schema.
    ///
    /// The sandbox runs it as `tollgate_app`, so that role owns it, and records its text in the
    /// Supabase CLI's history as `supabase db push` would.
    static let initialSchema = """
        create table public.leads (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          name text not null,
          email text,
          phone text,
          status text not null default 'new'
            check (status in ('new', 'contacted', 'qualified', 'booked', 'lost')),
          source text,
          notes text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );
        create index leads_user_id_idx on public.leads (user_id);
        create index leads_status_idx on public.leads (user_id, status);

        create table public.campaigns (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          name text not null,
          channel text not null default 'phone',
          status text not null default 'draft' check (status in ('draft', 'active', 'paused', 'done')),
          starts_on date,
          created_at timestamptz not null default now()
        );
        create index campaigns_user_id_idx on public.campaigns (user_id);

        create table public.knowledge_base (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          title text not null,
          content text not null,
          created_at timestamptz not null default now()
        );
        create index knowledge_base_user_id_idx on public.knowledge_base (user_id);

        create table public.call_logs (
          id uuid primary key default gen_random_uuid(),
          lead_id uuid not null references public.leads (id) on delete cascade,
          direction text not null check (direction in ('inbound', 'outbound')),
          duration_seconds integer not null default 0,
          outcome text,
          recording_url text,
          created_at timestamptz not null default now()
        );
        create index call_logs_lead_id_idx on public.call_logs (lead_id);

        create table public.cold_call_logs (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          phone text not null,
          outcome text,
          duration_seconds integer not null default 0,
          created_at timestamptz not null default now()
        );
        create index cold_call_logs_user_id_idx on public.cold_call_logs (user_id);

        create table public.call_tracking (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          tracking_number text not null unique,
          forward_to text not null,
          label text,
          created_at timestamptz not null default now()
        );
        create index call_tracking_user_id_idx on public.call_tracking (user_id);

        create table public.calls (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          lead_id uuid references public.leads (id) on delete set null,
          status text not null default 'completed',
          started_at timestamptz not null,
          ended_at timestamptz
        );
        create index calls_user_id_idx on public.calls (user_id);

        create table public.agents (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          name text not null,
          voice text not null default 'alloy',
          system_prompt text,
          created_at timestamptz not null default now()
        );
        create index agents_user_id_idx on public.agents (user_id);

        create table public.integrations (
          id uuid primary key default gen_random_uuid(),
          user_id uuid not null references auth.users (id) on delete cascade,
          provider text not null,
          config jsonb not null default '{}',
          enabled boolean not null default true,
          created_at timestamptz not null default now()
        );
        create index integrations_user_id_idx on public.integrations (user_id);
        grant select, insert, update, delete on all tables in schema public
          to anon, authenticated, service_role;
        """

    /// The app's second migration: per-user row level security, the single-tenant model the Warden
    /// fixes replace.
    ///
    /// Written out table by table, as the app's migration files were.
    static let userPolicies: String = {
        let owned = [
            "leads", "campaigns", "knowledge_base", "cold_call_logs", "call_tracking", "calls",
            "agents", "integrations",
        ]
        var sql = owned.map { table in
            """
            alter table public.\(table) enable row level security;
            create policy \(table)_owner on public.\(table) for all to authenticated
              using (user_id = auth.uid()) with check (user_id = auth.uid());

            """
        }.joined()
        sql += """
            alter table public.call_logs enable row level security;
            create policy call_logs_owner on public.call_logs for all to authenticated
              using (exists (select 1 from public.leads l where l.id = lead_id and l.user_id = auth.uid()))
              with check (exists (select 1 from public.leads l where l.id = lead_id and l.user_id = auth.uid()));

            """
        return sql
    }()

    /// The Supabase CLI's history of the two migrations above.
    static let history: [(version: String, name: String, sql: String)] = [
        ("20241201090000", "initial_schema", initialSchema),
        ("20241215120000", "user_rls_policies", userPolicies),
    ]

    /// Deterministic data: every value derives from md5 of (seed, stream, index), so the same seed
    /// and size give the same rows on every machine.
    ///
    /// Users come in clinics of three sharing an email domain: the teams an organisation will
    /// group.
    static let data = """
        create function pg_temp.rnd(stream text, i bigint) returns double precision
        language sql stable as $$
          select ('x' || substr(md5(current_setting('tollgate.seed') || ':' || stream || ':' || i), 1, 8))::bit(32)::bigint
                 / 4294967296.0
        $$;
        create function pg_temp.pick(options text[], stream text, i bigint) returns text
        language sql stable as $$
          select options[1 + floor(pg_temp.rnd(stream, i) * array_length(options, 1))::int]
        $$;
        create function pg_temp.uid(kind text, i bigint) returns uuid
        language sql stable as $$
          select md5(kind || ':' || current_setting('tollgate.seed') || ':' || i)::uuid
        $$;
        create function pg_temp.users() returns int language sql stable as $$
          select greatest(6, current_setting('tollgate.rows')::int / 20)
        $$;
        create function pg_temp.user_of(stream text, i bigint) returns uuid language sql stable as $$
          select pg_temp.uid('user', floor(pg_temp.rnd(stream, i) * pg_temp.users())::bigint)
        $$;
        create function pg_temp.moment(stream text, i bigint) returns timestamptz language sql stable as $$
          select timestamptz '2024-03-01 08:00:00+00' + pg_temp.rnd(stream, i) * interval '300 days'
        $$;

        insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                                email_confirmed_at, last_sign_in_at, raw_app_meta_data,
                                raw_user_meta_data, is_super_admin, created_at, updated_at)
        select '00000000-0000-0000-0000-000000000000', pg_temp.uid('user', i),
               'authenticated', 'authenticated',
               lower(first) || '.' || lower(last) || i || '@' || clinic || '.example',
               '$2a$10$' || substr(md5('pw' || i), 1, 22),
               pg_temp.moment('signup', i), pg_temp.moment('signin', i),
               jsonb_build_object('provider', 'email', 'providers', jsonb_build_array('email')),
               jsonb_build_object('full_name', first || ' ' || last, 'clinic', initcap(replace(clinic, '-', ' '))),
               false, pg_temp.moment('signup', i), pg_temp.moment('signup', i)
        from (
          select i,
                 pg_temp.pick(array['Ava','Ben','Chloe','Daniel','Elena','Farid','Grace','Hiro','Isla','Jonas',
                                    'Kemi','Liam','Maya','Noah','Olga','Priya','Quinn','Rosa','Sam','Tariq'], 'first', i) as first,
                 pg_temp.pick(array['Adams','Baker','Chen','Diaz','Evans','Fischer','Garcia','Hughes','Ito','Jensen',
                                    'Khan','Lopez','Moreau','Novak','Okafor','Patel','Rossi','Silva','Tanaka','Weber'], 'last', i) as last,
                 (array['bright','cedar','harbor','lakeside','maple','northside','oak','pine','river','summit','sunset','valley'])
                   [1 + (i / 3) % 12]
                 || '-' ||
                 (array['dental','vet','physio','dermatology','family','ortho','eyecare','pediatrics'])
                   [1 + ((i / 3) / 12) % 8]
                 || case when (i / 3) >= 96 then ((i / 3) / 96)::text else '' end as clinic
          from generate_series(0, pg_temp.users() - 1) as i
        ) u;

        insert into public.leads (id, user_id, name, email, phone, status, source, notes, created_at, updated_at)
        select pg_temp.uid('lead', i), pg_temp.user_of('lead-user', i),
               pg_temp.pick(array['Alex','Blair','Casey','Drew','Emery','Frankie','Harper','Jordan','Kai','Morgan'], 'lead-first', i)
                 || ' ' || pg_temp.pick(array['Walker','Young','King','Wright','Scott','Green','Hall','Allen','Hill','Lee'], 'lead-last', i),
               'lead' || i || '@mail.example',
               '+1-555-' || lpad((floor(pg_temp.rnd('lead-phone', i) * 10000))::int::text, 4, '0'),
               pg_temp.pick(array['new','contacted','qualified','booked','lost'], 'lead-status', i),
               pg_temp.pick(array['website','referral','google-ads','facebook','walk-in'], 'lead-source', i),
               case when pg_temp.rnd('lead-notes', i) < 0.3 then 'Prefers a morning callback.' end,
               pg_temp.moment('lead-created', i), pg_temp.moment('lead-created', i)
        from generate_series(0, current_setting('tollgate.rows')::int - 1) as i;

        insert into public.campaigns (id, user_id, name, channel, status, starts_on, created_at)
        select pg_temp.uid('campaign', i), pg_temp.user_of('campaign-user', i),
               pg_temp.pick(array['Spring check-ups','Recall','New patients','Reactivation','Reviews'], 'campaign-name', i) || ' ' || i,
               pg_temp.pick(array['phone','sms','email'], 'campaign-channel', i),
               pg_temp.pick(array['draft','active','paused','done'], 'campaign-status', i),
               (pg_temp.moment('campaign-start', i))::date, pg_temp.moment('campaign-created', i)
        from generate_series(0, greatest(pg_temp.users(), current_setting('tollgate.rows')::int / 10) - 1) as i;

        insert into public.knowledge_base (id, user_id, title, content, created_at)
        select pg_temp.uid('kb', i), pg_temp.user_of('kb-user', i),
               pg_temp.pick(array['Opening hours','Pricing','Insurance','Parking','Cancellation policy'], 'kb-title', i),
               'Answer ' || i || ' for the receptionist agent.', pg_temp.moment('kb-created', i)
        from generate_series(0, greatest(pg_temp.users(), current_setting('tollgate.rows')::int / 5) - 1) as i;

        insert into public.call_logs (id, lead_id, direction, duration_seconds, outcome, recording_url, created_at)
        select pg_temp.uid('call-log', i),
               pg_temp.uid('lead', floor(pg_temp.rnd('call-log-lead', i) * current_setting('tollgate.rows')::int)::bigint),
               pg_temp.pick(array['inbound','outbound'], 'call-log-direction', i),
               floor(pg_temp.rnd('call-log-duration', i) * 900)::int,
               pg_temp.pick(array['booked','voicemail','no-answer','callback','not-interested'], 'call-log-outcome', i),
               'recordings/' || pg_temp.uid('call-log', i) || '.mp3', pg_temp.moment('call-log-created', i)
        from generate_series(0, current_setting('tollgate.rows')::int * 2 - 1) as i;

        insert into public.cold_call_logs (id, user_id, phone, outcome, duration_seconds, created_at)
        select pg_temp.uid('cold-call', i), pg_temp.user_of('cold-call-user', i),
               '+1-555-' || lpad((floor(pg_temp.rnd('cold-call-phone', i) * 10000))::int::text, 4, '0'),
               pg_temp.pick(array['interested','voicemail','no-answer','do-not-call'], 'cold-call-outcome', i),
               floor(pg_temp.rnd('cold-call-duration', i) * 300)::int, pg_temp.moment('cold-call-created', i)
        from generate_series(0, current_setting('tollgate.rows')::int - 1) as i;

        insert into public.call_tracking (id, user_id, tracking_number, forward_to, label, created_at)
        select pg_temp.uid('tracking', i), pg_temp.uid('user', i),
               '+1-800-555-' || lpad(i::text, 4, '0'), '+1-555-' || lpad((i * 7 % 10000)::text, 4, '0'),
               'Front desk', pg_temp.moment('tracking-created', i)
        from generate_series(0, pg_temp.users() - 1) as i;

        insert into public.calls (id, user_id, lead_id, status, started_at, ended_at)
        select pg_temp.uid('call', i), pg_temp.user_of('call-user', i),
               case when pg_temp.rnd('call-has-lead', i) < 0.8
                    then pg_temp.uid('lead', floor(pg_temp.rnd('call-lead', i) * current_setting('tollgate.rows')::int)::bigint) end,
               pg_temp.pick(array['completed','missed','failed'], 'call-status', i),
               pg_temp.moment('call-start', i),
               pg_temp.moment('call-start', i) + floor(pg_temp.rnd('call-length', i) * 600) * interval '1 second'
        from generate_series(0, current_setting('tollgate.rows')::int - 1) as i;

        insert into public.agents (id, user_id, name, voice, system_prompt, created_at)
        select pg_temp.uid('agent', i), pg_temp.uid('user', i),
               pg_temp.pick(array['Reception','After hours','Recall'], 'agent-name', i) || ' agent',
               pg_temp.pick(array['alloy','verse','sage'], 'agent-voice', i),
               'You answer the phone for the clinic.', pg_temp.moment('agent-created', i)
        from generate_series(0, pg_temp.users() - 1) as i;

        insert into public.integrations (id, user_id, provider, config, enabled, created_at)
        select pg_temp.uid('integration', i), pg_temp.uid('user', i / 2),
               (array['twilio','google-calendar'])[1 + i % 2],
               jsonb_build_object('account', 'acct-' || (i / 2)), pg_temp.rnd('integration-on', i) < 0.9,
               pg_temp.moment('integration-created', i)
        from generate_series(0, pg_temp.users() * 2 - 1) as i;

        analyze;
        """

    /// `--scenario drifted`, dev: part of Day 1 applied by hand (no migration recorded, no
    /// foreign keys, a different `organizations` shape) and one stray backup table.
    static let driftedDev = """
        set role tollgate_app;
        create table public.organizations (
          id uuid primary key default gen_random_uuid(),
          name text not null,
          created_at timestamptz not null default now()
        );
        alter table public.leads add column org_id uuid;
        alter table public.campaigns add column org_id uuid;
        create table public.leads_backup_20250110 as select * from public.leads;
        reset role;
        """

    /// `--scenario drifted`, staging: the report's organizations migration applied with the
    /// Supabase CLI (so it is recorded, with its text), and nothing after it.
    static let driftedStagingMigration = (
        version: "20250110090000", name: "create_organizations_table",
        sql: """
        create table if not exists public.organizations (
          id uuid primary key default gen_random_uuid(),
          name text,
          status text default 'active' check (status in ('active', 'inactive', 'suspended')),
          created_at timestamptz default now(),
          updated_at timestamptz default now()
        );
        insert into public.organizations (id, name, status)
        values ('a0000000-0000-0000-0000-000000000001', 'Default Organization', 'active')
        on conflict (id) do nothing;
        """
    )
}
