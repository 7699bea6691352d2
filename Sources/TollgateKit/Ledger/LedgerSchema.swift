/// The ledger's schema in each target database, after Sqitch's registry: what ran, with
/// which checksum, who approved it, and an append-only log of events.
enum LedgerSchema {
    /// The newest version; each version has an idempotent script that upgrades from the one
    /// before (`releases` records which were installed).
    static let version = 7

    /// The scripts in order, index 0 for version 1.
    static let scripts = [v1, v2, v3, v4, v5, v6, v7]

    /// Version 7: the measured hold's comment, now that the server measures it as the step's
    /// ledger rows arrive with its `COMMIT` (no round trip of the client's in between).
    static let v7 = """
        do $$
        begin
          comment on column tollgate.step_runs.lock_held_ms is 'How long a step held its strongest lock on a tenant table: its transaction''s time when its ledger rows arrive, right after its SQL, with the COMMIT that ends it in the same round trip (an upper bound of what the SQL held).';
        exception when insufficient_privilege then null;
        end
        $$;
        insert into tollgate.releases (version) values (7) on conflict do nothing;
        """

    /// Version 6: the tables' comments on a transactional step's effects and measured hold.
    ///
    /// Effects are read and written after the step's commit; the hold was then measured a
    /// round trip before its ledger rows and COMMIT (see version 7). Comments need the tables' owner: a runner
    /// that is not (the ledger made by another role) keeps the old comments rather than
    /// failing every run.
    static let v6 = """
        do $$
        begin
          comment on table tollgate.schema_effects is 'Objects a step created, changed, dropped or names in its SQL, as it left them; read from the catalog and written once the step has committed (never under its locks), so a run killed in that moment leaves a succeeded step without them.';
          comment on column tollgate.step_runs.lock_held_ms is 'How long a step held its strongest lock on a tenant table, measured right after its SQL (its transaction''s time so far, an upper bound of what the SQL held); its ledger rows and COMMIT follow in one round trip.';
        exception when insufficient_privilege then null;
        end
        $$;
        insert into tollgate.releases (version) values (6) on conflict do nothing;
        """

    /// Version 5: how long each step held a strong lock on a tenant table, and its budget.
    static let v5 = """
        alter table tollgate.step_runs add column if not exists lock_mode text;
        alter table tollgate.step_runs add column if not exists lock_relations text[];
        alter table tollgate.step_runs add column if not exists lock_held_ms bigint;
        alter table tollgate.step_runs add column if not exists lock_budget_ms bigint;
        comment on column tollgate.step_runs.lock_held_ms is 'The longest a step held its strongest lock on a tenant table (its transaction''s time from start to commit, an upper bound).';
        comment on column tollgate.step_runs.lock_budget_ms is 'The step''s lock budget; a hold over it blocks promotion of the playbook until someone approves it on the next environment.';
        insert into tollgate.releases (version) values (5) on conflict do nothing;
        """

    /// Version 4: the ledger is bound to its environment, and approvals to the playbook's
    /// content.
    static let v4 = """
        create table if not exists tollgate.binding (
          singleton boolean primary key default true check (singleton),
          environment text not null,
          system_identifier text,
          database text not null,
          bound_at timestamptz not null default clock_timestamp(),
          bound_by text not null
        );
        comment on table tollgate.binding is 'The environment this ledger belongs to and the database it was bound in; Tollgate refuses to write when they disagree (tollgate rebind changes it, on the record).';
        comment on column tollgate.binding.system_identifier is 'pg_control_system().system_identifier of the cluster, where the role may read it: a restored copy has another.';
        alter table tollgate.approvals add column if not exists playbook_checksum text;
        comment on column tollgate.approvals.playbook_checksum is 'The playbook''s content (its steps) when it was approved: an approval counts only for that content.';
        alter table tollgate.events drop constraint if exists events_event_check;
        alter table tollgate.events add constraint events_event_check check (event in ('started', 'succeeded', 'failed', 'skipped', 'approved', 'gate_passed', 'gate_failed', 'repaired', 'bound', 'rebound'));
        insert into tollgate.releases (version) values (4) on conflict do nothing;
        """

    /// Version 3: what each schema-changing step left behind, so that `compare` can tell the
    /// objects a step accounts for from changes made outside Tollgate.
    static let v3 = """
        create table if not exists tollgate.schema_effects (
          id bigserial primary key,
          run_id bigint not null references tollgate.runs (id),
          playbook text not null,
          step text not null,
          migration text,
          kind text not null,
          object text not null,
          description text,
          recorded_at timestamptz not null default clock_timestamp()
        );
        create index if not exists schema_effects_object_idx on tollgate.schema_effects (kind, object, id);
        comment on table tollgate.schema_effects is 'Objects a step created, changed, dropped or names in its SQL, as it left them; a transactional step''s rows commit with it.';
        comment on column tollgate.schema_effects.description is 'The object as compare describes it after the step; null when the step removed it.';
        comment on column tollgate.schema_effects.migration is 'The Supabase migration version the step recorded, if any.';
        insert into tollgate.releases (version) values (3) on conflict do nothing;
        """

    /// Version 2: backfill cursors, so a batched backfill resumes at its last committed batch.
    static let v2 = """
        create table if not exists tollgate.backfill_cursors (
          playbook text not null,
          step text not null,
          relation text not null,
          next_page bigint not null,
          last_page bigint not null,
          rows_done bigint not null default 0,
          updated_at timestamptz not null default clock_timestamp(),
          primary key (playbook, step)
        );
        comment on table tollgate.backfill_cursors is 'Where each batched backfill stands: it commits with every batch, so a run resumes after the last committed batch.';
        comment on column tollgate.backfill_cursors.last_page is 'The table''s size in pages when the backfill started: the walk ends there, whatever is inserted meanwhile.';
        insert into tollgate.releases (version) values (2) on conflict do nothing;
        """

    static let v1 = """
        create schema if not exists tollgate;
        comment on schema tollgate is 'Tollgate''s ledger: the rollout''s runs, steps, approvals and events in this database.';

        create table if not exists tollgate.releases (
          version integer primary key,
          installed_at timestamptz not null default clock_timestamp(),
          installed_by text not null default current_user
        );
        comment on table tollgate.releases is 'Versions of the ledger schema installed here, for upgrades.';

        create table if not exists tollgate.runs (
          id bigserial primary key,
          playbook text not null,
          environment text not null,
          actor text not null,
          host text not null,
          started_at timestamptz not null default clock_timestamp(),
          finished_at timestamptz,
          outcome text not null default 'running' check (outcome in ('running', 'succeeded', 'failed', 'blocked'))
        );
        comment on table tollgate.runs is 'One row per tollgate run of a playbook on this environment.';
        comment on column tollgate.runs.outcome is 'running until it ends; a run left running was interrupted.';

        create table if not exists tollgate.step_runs (
          playbook text not null,
          step text not null,
          run_id bigint not null references tollgate.runs (id),
          kind text not null,
          checksum text,
          checksum_algorithm text not null default 'sha256',
          transactional boolean not null,
          status text not null check (status in ('started', 'succeeded', 'failed')),
          started_at timestamptz not null default clock_timestamp(),
          finished_at timestamptz,
          error text,
          output text,
          actor text not null,
          host text not null,
          primary key (playbook, step)
        );
        comment on table tollgate.step_runs is 'The current state of each step: a transactional step''s row commits with the step itself.';
        comment on column tollgate.step_runs.checksum is 'SHA-256 of the step''s SQL with line endings normalised; a change means the file was edited after it ran.';
        comment on column tollgate.step_runs.status is 'started stays only for an interrupted non-transactional step (in doubt: it is run again).';

        create table if not exists tollgate.approvals (
          id bigserial primary key,
          playbook text not null,
          approver text not null,
          note text,
          approved_at timestamptz not null default clock_timestamp(),
          unique (playbook, approver)
        );
        comment on table tollgate.approvals is 'Approvals recorded with tollgate approve; one per approver and playbook.';

        create table if not exists tollgate.events (
          id bigserial primary key,
          at timestamptz not null default clock_timestamp(),
          run_id bigint references tollgate.runs (id),
          playbook text not null,
          step text,
          event text not null check (event in ('started', 'succeeded', 'failed', 'skipped', 'approved', 'gate_passed', 'gate_failed', 'repaired')),
          actor text not null,
          detail text
        );
        comment on table tollgate.events is 'Append-only: who did what, when.';

        insert into tollgate.releases (version) values (1) on conflict do nothing;
        """
}
