import Foundation
import PostgresClient
import Testing
import TollgateKit

/// A Supabase project of someone else's making (`supabase/config.toml`, `.env` files, a
/// migrations folder whose first file is a `supabase db dump`), some of whose migrations the
/// Supabase CLI has already applied.
enum SupabaseProjectFixture {
    /// The migrations, in order: (file, SQL, the statements `supabase db push` records for it).
    static let migrations: [(file: String, sql: String, statements: [String])] = [
        (
            "20240301101500_remote_schema.sql",
            """
            SET statement_timeout = 0;
            SET client_min_messages = warning;
            SELECT pg_catalog.set_config('search_path', '', false);

            CREATE TABLE IF NOT EXISTS "public"."projects" (
                "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                "name" "text" NOT NULL,
                "created_at" timestamp with time zone DEFAULT "now"() NOT NULL
            );

            ALTER TABLE "public"."projects" ENABLE ROW LEVEL SECURITY;

            """,
            [
                "SET statement_timeout = 0", "SET client_min_messages = warning",
                "SELECT pg_catalog.set_config('search_path', '', false)",
                "CREATE TABLE IF NOT EXISTS \"public\".\"projects\" (\n    \"id\" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \"name\" \"text\" NOT NULL,\n    \"created_at\" timestamp with time zone DEFAULT \"now\"() NOT NULL\n)",
                "ALTER TABLE \"public\".\"projects\" ENABLE ROW LEVEL SECURITY",
            ]
        ),
        (
            "20240315090000_tasks.sql",
            """
            -- Tasks belong to a project; 'done' is set by the app.
            create table tasks (
              id bigint generated always as identity primary key,
              project_id bigint not null references projects (id) on delete cascade,
              title text not null,
              done boolean not null default false
            );
            create index tasks_project_id_idx on tasks (project_id);
            """,
            [
                "-- Tasks belong to a project; 'done' is set by the app.\ncreate table tasks (\n  id bigint generated always as identity primary key,\n  project_id bigint not null references projects (id) on delete cascade,\n  title text not null,\n  done boolean not null default false\n)",
                "create index tasks_project_id_idx on tasks (project_id)",
            ]
        ),
        (
            "20240402120000_task_counts.sql",
            """
            create function public.open_tasks(p bigint) returns bigint
            language sql stable set search_path = '' as $$
              select count(*) from public.tasks where project_id = p and not done;
            $$;
            alter table tasks add column updated_at timestamptz;
            """,
            [
                "create function public.open_tasks(p bigint) returns bigint\nlanguage sql stable set search_path = '' as $$\n  select count(*) from public.tasks where project_id = p and not done;\n$$",
                "alter table tasks add column updated_at timestamptz",
            ]
        ),
        (
            "20240410083000_task_policies.sql",
            """
            alter table tasks enable row level security;
            create policy "read tasks; of any project" on tasks for select using (true);
            -- done
            """,
            [
                "alter table tasks enable row level security",
                "create policy \"read tasks; of any project\" on tasks for select using (true)",
                "-- done",
            ]
        ),
    ]

    /// Writes the project (without Tollgate's files) into a new folder.
    static func write() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-supabase-\(UUID().uuidString)")
        let migrationsFolder = root.appendingPathComponent("supabase/migrations")
        try FileManager.default.createDirectory(
            at: migrationsFolder, withIntermediateDirectories: true)
        for migration in migrations {
            try migration.sql.write(
                to: migrationsFolder.appendingPathComponent(migration.file), atomically: true,
                encoding: .utf8)
        }
        // Not a migration: the CLI skips it, and so does Tollgate.
        try "select 1;".write(
            to: migrationsFolder.appendingPathComponent("scratch.sql"), atomically: true,
            encoding: .utf8)
        try """
        # A string for the Supabase CLI.
        project_id = "acme-crm"

        [api]
        port = 54321

        [db]
        port = 54322
        major_version = 15

        [auth]
        site_url = "http://127.0.0.1:3000"
        jwt_expiry = 7200
        """.write(
            to: root.appendingPathComponent("supabase/config.toml"), atomically: true,
            encoding: .utf8)
        try """
        NEXT_PUBLIC_SUPABASE_URL=https://abcdefghijklmnop.supabase.co
        SUPABASE_SERVICE_ROLE_KEY=service-role-secret-value
        STAGING_DB_URL=postgresql://postgres.abcdefghijklmnop:staging-secret@aws-0-eu-west-1.pooler.supabase.com:5432/postgres
        export PROD_DATABASE_URL="postgresql://postgres:production-secret@db.qrstuvwxyzabcdef.supabase.co:5432/postgres"
        """.write(to: root.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        return root
    }

    /// What `supabase db push` does for the first `count` migrations: the history table (with
    /// its `SET lock_timeout`), then each file's statements and its row, in one transaction.
    static func pushWithTheCLI(_ count: Int, to db: Connection) throws {
        try db.execute(
            script: """
                set lock_timeout = '4s';
                create schema if not exists supabase_migrations;
                create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
                alter table supabase_migrations.schema_migrations add column if not exists statements text[];
                alter table supabase_migrations.schema_migrations add column if not exists name text;
                """)
        for migration in migrations.prefix(count) {
            let version = String(migration.file.prefix { $0 != "_" })
            let name = String(migration.file.dropFirst(version.count + 1).dropLast(4))
            try db.execute(script: "reset all")
            try db.withTransaction { db in
                for statement in migration.statements {
                    try db.execute(script: statement)
                }
                try db.query(
                    "insert into supabase_migrations.schema_migrations (version, name, statements) values (\(version), \(name), \(migration.statements))"
                )
            }
        }
    }
}

/// `tollgate plan --format json`.
struct PlanOutput: Decodable {
    let plan: TollgateKit.Plan
}

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct SupabaseProjectTests {
    static let playbook = """
        version: 1
        playbook: supabase-migrations
        steps:
          - id: migrations
            supabase_migrations: supabase/migrations
        """

    @Test func aMigrationsFolderAppliesWhatTheCLIHasNot() throws {
        try withTestDatabase { db, name in
            let root = try project(["dev": 1])
            defer { try? FileManager.default.removeItem(at: root) }
            try SupabaseProjectFixture.pushWithTheCLI(2, to: db)
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            let env = ["DEV_DATABASE_URL": url]

            let plan = try tollgate(
                ["plan", "supabase-migrations", "--env", "dev", "--format", "json"],
                environment: env, in: root)
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stderr.contains("skipping 'supabase/migrations/scratch.sql'"))
            let planned = try JSONDecoder().decode(PlanOutput.self, from: Data(plan.stdout.utf8))
                .plan
            #expect(
                planned.steps.map(\.id) == [
                    "migrations/20240301101500_remote_schema", "migrations/20240315090000_tasks",
                    "migrations/20240402120000_task_counts",
                    "migrations/20240410083000_task_policies",
                ])
            #expect(
                planned.steps.map(\.disposition) == [
                    .alreadyApplied, .alreadyApplied, .willRun, .willRun,
                ])

            let run = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            // Recorded as the CLI records: one row per file, its statements as the CLI cuts them.
            let history = try db.query(
                "select version, name, statements from supabase_migrations.schema_migrations order by version"
            ).rows.map {
                (
                    try $0.decode("version", as: String.self),
                    try $0.decode("name", as: String.self),
                    try $0.decode("statements", as: [String].self)
                )
            }
            #expect(
                history.map(\.0) == [
                    "20240301101500", "20240315090000", "20240402120000", "20240410083000",
                ])
            #expect(history.map(\.1) == ["remote_schema", "tasks", "task_counts", "task_policies"])
            #expect(history.map(\.2) == SupabaseProjectFixture.migrations.map(\.statements))
            // The ledger has the two files Tollgate applied.
            #expect(
                try db.query("select count(*)::int as n from public.tasks").first!.decode(
                    "n", as: Int.self) == 0)
            #expect(
                try db.query(
                    "select count(*)::int as n from tollgate.step_runs where status = 'succeeded'"
                ).first!.decode("n", as: Int.self) == 2)

            // Run again: nothing to do.
            let again = try tollgate(
                ["plan", "supabase-migrations", "--env", "dev", "--format", "json"],
                environment: env, in: root)
            let replanned = try JSONDecoder().decode(PlanOutput.self, from: Data(again.stdout.utf8))
                .plan
            #expect(replanned.steps.allSatisfy { $0.disposition == .alreadyApplied })

            // A file the CLI applied, then edited: blocks, as any edited step does.
            let edited = root.appendingPathComponent(
                "supabase/migrations/20240315090000_tasks.sql")
            try
                (SupabaseProjectFixture.migrations[1].sql
                + "\ncreate index tasks_done_idx on tasks (done);\n")
                .write(to: edited, atomically: true, encoding: .utf8)
            let blocked = try tollgate(
                ["plan", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(blocked.status == 1, "\(blocked.stdout)\(blocked.stderr)")
            #expect(blocked.stdout.contains("20240315090000_tasks"))
            #expect(blocked.stdout.contains("changed since it ran"))
            try SupabaseProjectFixture.migrations[1].sql.write(
                to: edited, atomically: true, encoding: .utf8)

            // A new file older than the last applied one: refused as `supabase db push` refuses it.
            try "create table late (id int);".write(
                to: root.appendingPathComponent("supabase/migrations/20240320000000_late.sql"),
                atomically: true, encoding: .utf8)
            let late = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(late.status == 1, "\(late.stdout)\(late.stderr)")
            #expect(
                (late.stdout + late.stderr).contains(
                    "20240320000000_late.sql is older than 20240410083000_task_policies.sql"))
            #expect(
                try db.query("select to_regclass('public.late') is null as absent").first!.decode(
                    "absent", as: Bool.self))
        }
    }

    @Test func aFailingMigrationLeavesNoTrace() throws {
        try withTestDatabase { db, name in
            let root = try project(["dev": 1])
            defer { try? FileManager.default.removeItem(at: root) }
            try "create table broken (id int);\nselect x from nope;\n".write(
                to: root.appendingPathComponent("supabase/migrations/20240501000000_broken.sql"),
                atomically: true, encoding: .utf8)
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            // No history at all: Tollgate creates it, as the CLI does. The first file's
            // `set_config('search_path', '', false)` does not leak into the next one's unqualified
            // `create table tasks` (the CLI resets the session before each file, and so does
            // Tollgate). The broken file fails alone: the four before it stay applied.
            let run = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"],
                environment: ["DEV_DATABASE_URL": url],
                in: root)
            #expect(run.status == 4, "\(run.stdout)\(run.stderr)")
            #expect(run.stderr.contains("migrations/20240501000000_broken"))
            #expect(run.stderr.contains("42P01"))
            // At the file's line and column, as the server's position gives it.
            #expect(
                run.stderr.contains("at: supabase/migrations/20240501000000_broken.sql:2:15"),
                "\(run.stderr)")
            let versions = try db.query(
                "select version from supabase_migrations.schema_migrations order by version"
            ).rows.map { try $0.decode("version", as: String.self) }
            #expect(
                versions == SupabaseProjectFixture.migrations.map { String($0.file.prefix(14)) })
            #expect(
                try db.query("select to_regclass('public.broken') is null as absent").first!.decode(
                    "absent", as: Bool.self))
        }
    }

    /// The file's history row goes with its COMMIT: when that row fails there (its version
    /// pushed by someone else meanwhile, simulated by a file that records its own version),
    /// the file's changes roll back with it and the step fails naming the history.
    @Test func aHistoryRowThatFailsAtCommitTakesTheFileWithIt() throws {
        try withTestDatabase { db, name in
            let root = try project(["dev": 1])
            defer { try? FileManager.default.removeItem(at: root) }
            try """
            create table raced (id int);
            insert into supabase_migrations.schema_migrations (version) values ('20240501000000');
            """.write(
                to: root.appendingPathComponent("supabase/migrations/20240501000000_raced.sql"),
                atomically: true, encoding: .utf8)
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            let run = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"],
                environment: ["DEV_DATABASE_URL": url], in: root)
            #expect(run.status == 4, "\(run.stdout)\(run.stderr)")
            #expect(run.stderr.contains("migrations/20240501000000_raced"), "\(run.stderr)")
            #expect(run.stderr.contains("23505"), "\(run.stderr)")
            #expect(
                try db.query("select to_regclass('public.raced') is null as absent").first!.decode(
                    "absent", as: Bool.self))
            #expect(
                try db.query(
                    "select count(*) as n from supabase_migrations.schema_migrations where version = '20240501000000'"
                ).first!.values == ["0"])
            let status = try db.query(
                "select status from tollgate.step_runs where step = 'migrations/20240501000000_raced'"
            ).first?.decode("status", as: String.self)
            #expect(status == "failed")
        }
    }

    /// A file that makes the CLI's history table itself (a baseline taken with `pg_dump`) runs
    /// where there is none: Tollgate makes a missing table after the file's SQL, not before.
    @Test func aBaselineThatMakesTheHistoryTableItselfRuns() throws {
        try withTestDatabase { db, name in
            let root = try project(["dev": 1])
            defer { try? FileManager.default.removeItem(at: root) }
            let folder = root.appendingPathComponent("supabase/migrations")
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                try FileManager.default.removeItem(at: folder.appendingPathComponent(file))
            }
            try """
            create schema supabase_migrations;
            create table supabase_migrations.schema_migrations (version text not null primary key, statements text[], name text);
            create table baseline (id int);
            """.write(
                to: folder.appendingPathComponent("20240101000000_baseline.sql"), atomically: true,
                encoding: .utf8)
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            let run = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"],
                environment: ["DEV_DATABASE_URL": url], in: root)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(
                try db.query("select version from supabase_migrations.schema_migrations").rows.map {
                    try $0.decode("version", as: String.self)
                } == ["20240101000000"])
        }
    }

    /// `tollgate init` in the project, then its first playbook on a database where the CLI
    /// applied half the migrations, as a newcomer would.
    @Test func initMakesASupabaseProjectATollgateProject() throws {
        try withTestDatabase { db, name in
            let root = try SupabaseProjectFixture.write()
            defer { try? FileManager.default.removeItem(at: root) }
            let initialized = try tollgate(["init"], in: root)
            #expect(initialized.status == 0, "\(initialized.stderr)")
            #expect(
                initialized.stdout.contains(
                    "staging: connection from STAGING_DB_URL (named in .env; export it: Tollgate does not read .env)"
                ))
            #expect(
                initialized.stdout.contains(
                    "production: connection from PROD_DATABASE_URL (named in .env; export it: Tollgate does not read .env)"
                ))
            #expect(
                initialized.stdout.contains(
                    "dev: connection from DEV_DATABASE_URL; unset, the local stack at 127.0.0.1:54322"
                ))
            #expect(initialized.stdout.contains("4 migrations in supabase/migrations"))
            // Names, never values: no secret of the .env file is written or printed.
            var written = initialized.stdout + initialized.stderr
            for file in [
                "Environments/dev.yml", "Environments/staging.yml", "Environments/production.yml",
                "Playbooks/supabase-migrations.yml",
            ] {
                written += try String(
                    contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            }
            for secret in ["secret", "abcdefghijklmnop", "qrstuvwxyzabcdef", "pooler.supabase.com"]
            {
                #expect(!written.contains(secret), "\(secret) leaked")
            }
            let staging = try String(
                contentsOf: root.appendingPathComponent("Environments/staging.yml"), encoding: .utf8
            )
            #expect(staging.contains("connection: ${STAGING_DB_URL}"))
            // Editors validate what init wrote with the schemas it wrote beside.
            #expect(staging.hasPrefix(JSONSchemas.File.environment.header + "\n"))
            for schema in JSONSchemas.File.allCases {
                #expect(
                    try String(
                        contentsOf: root.appendingPathComponent(JSONSchemas.folder)
                            .appendingPathComponent(schema.fileName), encoding: .utf8)
                        == schema.text)
            }
            let dev = try String(
                contentsOf: root.appendingPathComponent("Environments/dev.yml"), encoding: .utf8)
            #expect(dev.contains("port=54322"))
            #expect(dev.contains("jwt_expiry: ${DEV_JWT_EXPIRY:-7200}"))

            // Again: nothing is overwritten.
            let again = try tollgate(["init"], in: root)
            #expect(again.status == 2)
            #expect(again.stderr.contains("'Environments' exists already"))

            // The first playbook, with only dev's variable set (staging's and production's
            // are not: they are needed only where they are used).
            try SupabaseProjectFixture.pushWithTheCLI(2, to: db)
            let env = [
                "DEV_DATABASE_URL": try PostgresTestServer.connectionString().rawValue
                    + " dbname=\(name)"
            ]
            let run = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(
                try db.query("select count(*)::int as n from supabase_migrations.schema_migrations")
                    .first!.decode("n", as: Int.self) == 4)
            let staged = try tollgate(
                ["plan", "supabase-migrations", "--env", "staging"], environment: env, in: root)
            #expect(staged.status == 2, "\(staged.stdout)\(staged.stderr)")
            #expect(staged.stderr.contains("STAGING_DB_URL is not set"))
        }
    }

    @Test func initOutsideASupabaseProjectWritesNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-not-supabase-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try tollgate(["init"], in: root)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no supabase/ folder"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    /// A project of the fixture with `environments` (name → order) and the playbook.
    func project(
        _ environments: [String: Int], playbook: String = Self.playbook
    ) throws -> URL {
        let root = try SupabaseProjectFixture.write()
        let fileManager = FileManager.default
        try fileManager.createDirectory(
            at: root.appendingPathComponent("Environments"), withIntermediateDirectories: true)
        try fileManager.createDirectory(
            at: root.appendingPathComponent("Playbooks"), withIntermediateDirectories: true)
        for (name, order) in environments {
            try
                "version: 1\nname: \(name)\norder: \(order)\nconnection: ${\(name.uppercased())_DATABASE_URL}\n"
                .write(
                    to: root.appendingPathComponent("Environments/\(name).yml"), atomically: true,
                    encoding: .utf8)
        }
        try playbook.write(
            to: root.appendingPathComponent("Playbooks/supabase-migrations.yml"), atomically: true,
            encoding: .utf8)
        return root
    }

    func write(_ sql: String, _ file: String, in root: URL) throws {
        try sql.write(
            to: root.appendingPathComponent("supabase/migrations/\(file)"), atomically: true,
            encoding: .utf8)
    }

    /// A file added after the playbook succeeded on dev does not reach staging before it has
    /// run on dev; a file renamed after it was applied blocks instead of running again.
    @Test func newFilesArePromotedAndRenamedOnesRefused() throws {
        try withTestDatabase { dev, devName in
            try withTestDatabase { staging, stagingName in
                let root = try project(["dev": 1, "staging": 2])
                defer { try? FileManager.default.removeItem(at: root) }
                let base = try PostgresTestServer.connectionString().rawValue
                let env = [
                    "DEV_DATABASE_URL": base + " dbname=\(devName)",
                    "STAGING_DATABASE_URL": base + " dbname=\(stagingName)",
                ]
                for name in ["dev", "staging"] {
                    let run = try tollgate(
                        ["run", "supabase-migrations", "--env", name], environment: env, in: root)
                    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                }
                try write("create table notes (id int);", "20240501000000_notes.sql", in: root)
                let early = try tollgate(
                    ["plan", "supabase-migrations", "--env", "staging"], environment: env, in: root)
                #expect(early.status == 1, "\(early.stdout)\(early.stderr)")
                #expect(
                    early.stdout.contains(
                        "promotion of each step from dev: migrations/20240501000000_notes has not run on dev as it is now"
                    ), "\(early.stdout)")
                let onDev = try tollgate(
                    ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
                #expect(onDev.status == 0, "\(onDev.stdout)\(onDev.stderr)")
                let promoted = try tollgate(
                    ["run", "supabase-migrations", "--env", "staging"], environment: env, in: root)
                #expect(promoted.status == 0, "\(promoted.stdout)\(promoted.stderr)")
                #expect(
                    try staging.query("select to_regclass('public.notes') is not null as there")
                        .first!.decode("there", as: Bool.self))

                // Renamed after it was applied: it would run again under its new version.
                try FileManager.default.moveItem(
                    at: root.appendingPathComponent("supabase/migrations/20240501000000_notes.sql"),
                    to: root.appendingPathComponent("supabase/migrations/20240601000000_notes.sql"))
                let renamed = try tollgate(
                    ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
                #expect(renamed.status == 1, "\(renamed.stdout)\(renamed.stderr)")
                #expect(
                    (renamed.stdout + renamed.stderr).contains(
                        "supabase_migrations.schema_migrations holds 20240501000000 notes, which no migration file has"
                    ))
                // Renamed: both versions must be recorded, or the file runs again.
                #expect(
                    (renamed.stdout + renamed.stderr).contains(
                        "supabase migration repair --status reverted 20240501000000 && supabase migration repair --status applied 20240601000000"
                    ), "\(renamed.stdout)")
                #expect(
                    try dev.query(
                        "select count(*)::int as n from supabase_migrations.schema_migrations where version = '20240601000000'"
                    ).first!.decode("n", as: Int.self) == 0)
            }
        }
    }

    /// What a file sets for its session stays in it; an older CLI's history (no statements,
    /// no name) is completed; a file the CLI pushed after Tollgate's attempt failed counts as
    /// applied; accepting an edit of a CLI-applied file is remembered.
    @Test func sessionsHistoriesAndRetriesAsTheCLILeavesThem() throws {
        try withTestDatabase { db, name in
            let playbook =
                Self.playbook + """

                      - id: after
                        sql: create table after_the_folder (id int)
                    """
            let root = try project(["dev": 1], playbook: playbook)
            defer { try? FileManager.default.removeItem(at: root) }
            let env = [
                "DEV_DATABASE_URL": try PostgresTestServer.connectionString().rawValue
                    + " dbname=\(name)"
            ]
            // An old CLI's table: versions only. The first file was applied by it.
            try db.execute(
                script: """
                    create schema supabase_migrations;
                    create table supabase_migrations.schema_migrations (version text not null primary key);
                    insert into supabase_migrations.schema_migrations values ('20240301101500');
                    """)
            for statement in SupabaseProjectFixture.migrations[0].statements {
                try db.execute(script: statement)
            }
            try db.execute(script: "reset all")
            try write(
                "select set_config('search_path', '', false);\nset row_security = off;",
                "20240420000000_dump_header.sql", in: root)
            try write(
                "create table broken (id int);\nalter table nope add column x int;",
                "20240501000000_fix.sql", in: root)
            let failed = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(failed.status == 4, "\(failed.stdout)\(failed.stderr)")
            #expect(failed.stderr.contains("migrations/20240501000000_fix"))
            // The history was completed as the CLI completes it, and holds files 2 to 5.
            #expect(
                try db.query(
                    "select count(*)::int as n from supabase_migrations.schema_migrations where name is not null"
                ).first!.decode("n", as: Int.self) == 4)

            // Someone fixes the file and pushes it with the CLI.
            try write("create table fixed (id int);", "20240501000000_fix.sql", in: root)
            try db.execute(script: "create table fixed (id int)")
            try db.query(
                "insert into supabase_migrations.schema_migrations (version, name, statements) values ('20240501000000', 'fix', \(["create table fixed (id int)"]))"
            )
            let resumed = try tollgate(
                ["run", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            #expect(resumed.stdout.contains("migrations/20240501000000_fix .. already applied"))
            // The step after the folder ran with the session as it was: an unqualified table
            // lands in public, in spite of the dump header's empty search_path.
            #expect(
                try db.query("select to_regclass('public.after_the_folder') is not null as there")
                    .first!.decode("there", as: Bool.self))

            // An edit of a file the CLI applied blocks; accepting it is remembered.
            try write("create table fixed (id int, note text);", "20240501000000_fix.sql", in: root)
            let blocked = try tollgate(
                ["plan", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(blocked.status == 1, "\(blocked.stdout)")
            let accepted = try tollgate(
                ["run", "supabase-migrations", "--env", "dev", "--accept-changed"],
                environment: env, in: root)
            #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
            let after = try tollgate(
                ["plan", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(after.status == 0, "\(accepted.stdout)\n---\n\(after.stdout)\(after.stderr)")
        }
    }

    /// What a migrations folder cannot be, refused when the playbook loads.
    @Test func aFolderThatCannotRunIsRefusedAtLoad() throws {
        let root = try project(["dev": 1])
        defer { try? FileManager.default.removeItem(at: root) }
        let env = ["DEV_DATABASE_URL": "dbname=nowhere"]
        // A materialized view refreshed CONCURRENTLY runs in a transaction; a commented
        // CONCURRENTLY is no statement: neither is refused.
        try write(
            "refresh materialized view concurrently mv;\n/* create index concurrently x */ select 1;",
            "20240501000000_refresh.sql", in: root)
        let fine = try tollgate(
            ["plan", "supabase-migrations", "--env", "dev"], environment: env, in: root)
        #expect(fine.status == 2 || fine.status == 3, "\(fine.stderr)")
        #expect(!fine.stderr.contains("CONCURRENTLY"), "\(fine.stderr)")

        try write(
            "select 1;\ncreate index concurrently tasks_title_idx on tasks (title);\ncommit;",
            "20240502000000_index.sql", in: root)
        let refused = try tollgate(
            ["plan", "supabase-migrations", "--env", "dev"], environment: env, in: root)
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "supabase/migrations/20240502000000_index.sql:2:1: error: supabase/migrations/20240502000000_index.sql builds or drops an index CONCURRENTLY"
            ), "\(refused.stderr)")
        #expect(
            refused.stderr.contains(
                "supabase/migrations/20240502000000_index.sql:3:1: warning: supabase/migrations/20240502000000_index.sql controls its own transaction ('COMMIT')"
            ), "\(refused.stderr)")
        try FileManager.default.removeItem(
            at: root.appendingPathComponent("supabase/migrations/20240502000000_index.sql"))

        for (playbook, message) in [
            (
                Self.playbook
                    + "\n  - id: again\n    supabase_migrations: ./supabase/migrations/\n",
                "steps 'migrations' and 'again' both apply the folder 'supabase/migrations' ('./supabase/migrations/'): apply it in one step"
            ),
            (
                "version: 1\nplaybook: supabase-migrations\nsteps:\n  - id: m\n    supabase_migrations: ''\n",
                "'supabase_migrations' needs the folder's path"
            ),
            (
                Self.playbook + "\n    rerun_until_done: true\n",
                "'rerun_until_done' is for a watch, not for migrations"
            ),
        ] {
            try playbook.write(
                to: root.appendingPathComponent("Playbooks/supabase-migrations.yml"),
                atomically: true, encoding: .utf8)
            let result = try tollgate(
                ["plan", "supabase-migrations", "--env", "dev"], environment: env, in: root)
            #expect(result.status == 2)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test func initMakesTheMigrationsFolderAndWritesAllOrNothing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        // What `supabase init` leaves: no migrations folder yet.
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("supabase"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("Playbooks/schemas"), withIntermediateDirectories: true)
        try "{}".write(
            to: root.appendingPathComponent("Playbooks/schemas/suite.schema.json"),
            atomically: true, encoding: .utf8)
        let refused = try tollgate(["init"], in: root)
        #expect(refused.status == 2)
        #expect(
            refused.stderr.contains(
                "'Playbooks/schemas/suite.schema.json' exists already; nothing was written"))
        #expect(
            !FileManager.default.fileExists(
                atPath: root.appendingPathComponent("Environments").path))
        try FileManager.default.removeItem(at: root.appendingPathComponent("Playbooks"))
        let made = try tollgate(["init"], in: root)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("made supabase/migrations, empty"))
        let plan = try tollgate(
            ["plan", "supabase-migrations", "--env", "dev"],
            environment: ["DEV_DATABASE_URL": "host=/nonexistent dbname=x"], in: root)
        #expect(plan.status == 3, "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stderr.contains("no migrations in 'supabase/migrations' yet"))
    }
}
