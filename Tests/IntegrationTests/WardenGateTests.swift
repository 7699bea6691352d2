import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The warden suite against sandbox-shaped databases on the test server.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct WardenGateTests {
    /// Days 1–3 done correctly by hand: organizations per clinic (email domain), org_id on
    /// every tenant table with validated foreign keys, NOT NULL and indexes, and each user's
    /// org_id in app_metadata.
    static let handMigration = """
        create table public.organizations (
          id uuid primary key default gen_random_uuid(),
          name text,
          status text default 'active' check (status in ('active', 'inactive', 'suspended')),
          created_at timestamptz default now(),
          updated_at timestamptz default now()
        );
        insert into public.organizations (id, name)
          values ('a0000000-0000-0000-0000-000000000001', 'Default Organization');
        insert into public.organizations (id, name)
          select md5(split_part(email, '@', 2))::uuid, split_part(email, '@', 2)
          from auth.users group by 1, 2;
        do $$
        declare t text;
        begin
          foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                                   'call_tracking', 'calls', 'agents', 'integrations'] loop
            execute format('alter table public.%I add column org_id uuid references public.organizations (id)', t);
            if t <> 'call_logs' then
              execute format('update public.%I x set org_id = md5(split_part(u.email, ''@'', 2))::uuid
                              from auth.users u where u.id = x.user_id', t);
            end if;
          end loop;
          update public.call_logs c set org_id = l.org_id from public.leads l where l.id = c.lead_id;
          foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                                   'call_tracking', 'calls', 'agents', 'integrations'] loop
            execute format('alter table public.%I alter column org_id set not null', t);
            execute format('create index %I on public.%I (org_id)', t || '_org_id_idx', t);
          end loop;
        end
        $$;
        update auth.users
          set raw_app_meta_data = raw_app_meta_data || jsonb_build_object('org_id', md5(split_part(email, '@', 2))::uuid);
        """

    /// A fresh sandbox-shaped database, seeded with the sandbox's own SQL, as superuser.
    func withSandboxDatabase<T>(
        migrated: Bool, _ body: (Connection, Environment, Project) throws -> T
    ) throws -> T {
        try withTestDatabase { db, name in
            try Sandbox.installRoles(
                on: PostgresTestServer.connect(), applicationPassword: "not-used-here")
            try Sandbox.seedDatabase(db, options: .init(rows: 100, seed: 7))
            if migrated { try asApplication(db, Self.handMigration) }
            // As the environments do: the hosted-like application role, not a superuser.
            try PostgresTestServer.connect().query(
                "grant create, connect, temporary on database \(identifier: name) to tollgate_app")
            var connection = try PostgresTestServer.connectionString().rawValue
            connection += " dbname=\(name) user=tollgate_app"
            let environment = Environment(
                name: "dev", order: 1, connection: ConnectionString(connection),
                location: .init(file: "test", line: 1, column: 1))
            let project = try Project.load(
                root: Repository.root,
                variables: VariableLookup(
                    environment: [:],
                    builtins: ["TOLLGATE_SANDBOX_DIR": "/x", "TOLLGATE_SANDBOX_PORT": "1"]))
            return try body(db, environment, project)
        }
    }

    /// Runs SQL as the application role, which owns `public`, as a real migration would.
    func asApplication(_ db: Connection, _ sql: String) throws {
        try db.execute(script: "set role tollgate_app;\n" + sql + "\n;reset role;")
    }

    func gate(_ project: Project, _ environment: Environment) throws -> SuiteRun {
        let report = CheckRunner(project: project).run(
            [try project.suite(named: "warden")], on: environment)
        #expect(report.error == nil, "\(report.error ?? "")")
        return try #require(report.suites.first)
    }

    @Test func theStartingStateIsBlockedByTheReportsBlockers() throws {
        try withSandboxDatabase(migrated: false) { _, environment, project in
            let run = try gate(project, environment)
            #expect(!run.passed)
            let failing = Set(run.failures.map(\.check))
            #expect(
                failing == [
                    "organizations-table", "org-id-column", "org-id-not-null", "org-id-foreign-key",
                    "org-id-index",
                    "no-null-org-id", "users-have-org-id", "users-org-matches-rows",
                    "backend-expectations",
                ])
            // The report's findings, read from the example backend's code: the lines that
            // query organizations, and user_id where the code filters by org_id.
            let code = run.results.filter { $0.check == "backend-expectations" }
            let table = try #require(code.first { $0.subject == "public.organizations" })
            #expect(table.found?.hasPrefix("no table public.organizations") == true)
            #expect(
                table.citedAt?.contains { $0.hasPrefix("Examples/backend/src/server.ts:") } == true)
            #expect(
                table.citedAt?.contains { $0.hasPrefix("Examples/backend/src/middleware/auth.ts:") }
                    == true)
            let column = try #require(code.first { $0.subject == "public.leads.org_id" })
            #expect(column.found == "no column org_id on public.leads (has user_id)")
            #expect(
                column.citedAt?.contains { $0.hasPrefix("Examples/backend/src/routes/leads.ts:") }
                    == true)
            let organizations = try #require(
                run.results.first { $0.check == "organizations-table" })
            #expect(organizations.found == "no table public.organizations")
            #expect(
                organizations.definedAt.hasPrefix("Playbooks/checks/warden.yml:")
                    || organizations.definedAt.contains("/Playbooks/checks/warden.yml:"))
            let leads = try #require(
                run.results.first { $0.check == "org-id-column" && $0.subject == "public.leads" })
            #expect(leads.found == "no column org_id (has user_id)")
            let callLogs = try #require(
                run.results.first {
                    $0.check == "org-id-column" && $0.subject == "public.call_logs"
                })
            #expect(callLogs.found == "no column org_id (has lead_id)")
            #expect(
                run.results.filter { $0.check == "no-null-org-id" }.allSatisfy {
                    $0.outcome == .skipped
                })
            #expect(run.results.first { $0.check == "no-function-in-auth" }?.passed == true)
        }
    }

    @Test func aCorrectHandMigrationPasses() throws {
        try withSandboxDatabase(migrated: true) { _, environment, project in
            let run = try gate(project, environment)
            #expect(run.passed, "\(run.failures)")
            #expect(run.results.count == (try project.expectedResults(of: "warden")))
            // And through the binary, as CI runs it.
            let result = try tollgate(
                ["gate", "warden", "--env", "dev"],
                environment: ["DEV_DATABASE_URL": environment.connection.rawValue])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.hasPrefix("warden on dev: passed"))
        }
    }

    /// One change that breaks exactly one requirement, and the check that must name it.
    struct Mutation: CustomTestStringConvertible, Sendable {
        let check: String
        let subject: String?
        let sql: String
        let found: String?
        /// Checks that cannot help failing with it (a NULL org_id needs NOT NULL dropped).
        var alsoFailing: [String] = []
        /// Only a superuser can make this change (a function in Supabase's auth schema).
        var superuser = false
        var testDescription: String { "\(check)\(subject.map { " on \($0)" } ?? "")" }
    }

    static let mutations: [Mutation] = [
        Mutation(
            check: "organizations-table", subject: nil,
            sql: "alter table public.organizations rename to orgs",
            found: "no table public.organizations"),
        Mutation(
            check: "org-id-column", subject: "public.calls",
            sql: "alter table public.calls drop column org_id",
            found: "no column org_id (has user_id, lead_id)",
            // The backend filters calls by org_id: the code check blocks too.
            alsoFailing: ["org-id-foreign-key", "org-id-index", "backend-expectations"]),
        Mutation(
            check: "org-id-not-null", subject: "public.agents",
            sql: "alter table public.agents alter column org_id drop not null",
            // The types file the backend compiled against says NOT NULL.
            found: "org_id uuid nullable", alsoFailing: ["backend-expectations"]),
        Mutation(
            check: "org-id-foreign-key", subject: "public.leads",
            sql: """
                alter table public.leads drop constraint leads_org_id_fkey;
                alter table public.leads add constraint leads_org_id_fkey foreign key (org_id) references public.organizations (id) not valid;
                """,
            found:
                "foreign key leads_org_id_fkey is NOT VALID (run ALTER TABLE public.leads VALIDATE CONSTRAINT leads_org_id_fkey)"
        ),
        Mutation(
            check: "org-id-index", subject: "public.integrations",
            sql: "drop index public.integrations_org_id_idx", found: "no index leading with org_id"),
        Mutation(
            check: "no-null-org-id", subject: "public.campaigns",
            sql: """
                alter table public.campaigns alter column org_id drop not null;
                update public.campaigns set org_id = null where id = (select id from public.campaigns order by id limit 1);
                """,
            found: "1 row",
            alsoFailing: ["org-id-not-null", "users-org-matches-rows", "backend-expectations"]),
        Mutation(
            check: "users-have-org-id", subject: nil,
            sql:
                "update auth.users set raw_app_meta_data = raw_app_meta_data - 'org_id' where id = (select id from auth.users order by id limit 1)",
            found: "1 row"),
        Mutation(
            check: "users-org-matches-rows", subject: nil,
            sql: """
                update public.leads set org_id = 'a0000000-0000-0000-0000-000000000001'
                where id = (select id from public.leads order by id limit 1)
                """,
            found: "1 row"),
        Mutation(
            check: "no-function-in-auth", subject: nil,
            sql:
                "create function auth.org_id() returns uuid language sql stable as $$ select null::uuid $$",
            found: nil,
            superuser: true),
    ]

    @Test(arguments: mutations)
    func everyRequirementBlocksWhenBroken(_ mutation: Mutation) throws {
        try withSandboxDatabase(migrated: true) { db, environment, project in
            if mutation.superuser {
                try db.execute(script: mutation.sql)
            } else {
                try asApplication(db, mutation.sql)
            }
            let run = try gate(project, environment)
            #expect(!run.passed)
            let failing = run.failures.filter { $0.outcome == .failed }
            // The broken requirement is named, and nothing that was not broken fails with it.
            #expect(
                failing.map(\.check).allSatisfy {
                    $0 == mutation.check || mutation.alsoFailing.contains($0)
                        || mutation.check == "organizations-table"
                }, "\(failing)")
            let named = try #require(
                failing.first { $0.check == mutation.check && $0.subject == mutation.subject },
                "\(run.failures)")
            if let found = mutation.found { #expect(named.found == found) }
        }
    }

    @Test func checksChangeNothing() throws {
        try withSandboxDatabase(migrated: true) { db, environment, project in
            try asApplication(
                db,
                "alter table public.campaigns alter column org_id drop not null; update public.campaigns set org_id = null"
            )
            let counts =
                "select (select count(*) from public.campaigns where org_id is null) as nulls, (select count(*) from public.leads) as leads, (select count(*) from auth.users) as users"
            let before = try db.query(Query(unsafeSQL: counts)).first!.values
            let fingerprint = try CatalogSnapshot.load(from: db).fingerprint
            _ = try gate(project, environment)
            #expect(try db.query(Query(unsafeSQL: counts)).first!.values == before)
            #expect(try CatalogSnapshot.load(from: db).fingerprint == fingerprint)
            let run = try gate(project, environment)
            let nulls = try #require(
                run.results.first {
                    $0.check == "no-null-org-id" && $0.subject == "public.campaigns"
                })
            #expect(nulls.rowCount == before[0].flatMap(Int.init))
            #expect(nulls.sample?.count == 5)
        }
    }
}
