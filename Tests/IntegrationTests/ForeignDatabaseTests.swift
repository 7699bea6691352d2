import Foundation
import PostgresClient
import Testing
import TollgateKit

/// Gates on databases Tollgate did not create: other key names, composite keys, generated
/// columns, other owners of Supabase's functions, a URL that points at the wrong database.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct ForeignDatabaseTests {
    /// The Warden fixes on a schema shaped by someone else: `integrations` keyed by an
    /// identity `integration_id`, `campaigns` by a uuid `campaign_id`, `agents` by
    /// `(org_id, agent_key)`, `call_tracking` by `(user_id, id)`, a stored generated column on
    /// `cold_call_logs`, and policies named `<table>_tenant`.
    static let foreignShape = """
        alter table public.campaigns rename column id to campaign_id;
        alter table public.call_tracking drop constraint call_tracking_pkey;
        alter table public.call_tracking add primary key (user_id, id);
        alter table public.integrations drop column id;
        alter table public.integrations add column integration_id bigint generated always as identity primary key;
        alter table public.agents drop constraint agents_pkey;
        alter table public.agents rename column id to agent_key;
        alter table public.agents alter column agent_key type text;
        alter table public.agents add primary key (org_id, agent_key);
        alter table public.cold_call_logs add column user_key text generated always as ('u-' || user_id::text) stored;
        """

    func withForeignDatabase<T>(_ body: (Connection, Environment, Project) throws -> T) throws -> T
    {
        try WardenGateTests().withSandboxDatabase(migrated: true) { db, environment, project in
            try WardenGateTests().asApplication(db, Self.foreignShape + VerifyGateTests.wardenFixes)
            return try body(db, environment, project)
        }
    }

    func verify(_ project: Project, _ environment: Environment) throws -> SuiteRun {
        let report = CheckRunner(project: project).run(
            [try project.suite(named: "verify")], on: environment)
        #expect(report.error == nil, "\(report.error ?? "")")
        return try #require(report.suites.first)
    }

    /// `tollgate status --env production --format json` on `url`, with the round trips traced:
    /// the command's result and its one environment as JSON.
    func productionStatus(_ url: String) throws -> (CommandResult, [String: Any]) {
        let result = try tollgate(
            ["status", "--env", "production", "--format", "json"],
            environment: ["PRODUCTION_DATABASE_URL": url, "TOLLGATE_TRACE_ROUND_TRIPS": "1"])
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let environments = (report as? [String: Any])?["environments"] as? [[String: Any]]
        return (result, try #require(environments?.first, "\(result.stdout)\(result.stderr)"))
    }

    /// A test database with the Supabase CLI's history (one migration) and Tollgate's ledger
    /// bound to production, with the URL that reaches it.
    func withHistoryAndLedger(_ body: (Connection, String) throws -> Void) throws {
        try withTestDatabase { db, name in
            try db.execute(
                script: """
                    create schema supabase_migrations;
                    create table supabase_migrations.schema_migrations (version text primary key, name text, statements text[]);
                    insert into supabase_migrations.schema_migrations values ('20250101000000', 'init', '{select 1}');
                    """)
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            let project = try Project.load(
                root: Repository.root,
                variables: VariableLookup(environment: ["PRODUCTION_DATABASE_URL": url]))
            let production = try #require(try project.environments(named: ["production"]).first)
            try Ledger(db).open(for: production, actor: "test")
            try body(db, url)
        }
    }

    /// A login role of a fresh name starting with `prefix`, after `granted` (with `ROLE` for
    /// its name) has run; drop it, and what it owns, when done.
    func makeRole(_ prefix: String, on db: Connection, granted: String) throws -> String {
        let role = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        try db.query("create role \(identifier: role) login")
        do {
            try db.execute(script: granted.replacingOccurrences(of: "ROLE", with: role))
        } catch {
            _ = try? db.execute(script: "drop owned by \(role); drop role \(role)")
            throw error
        }
        return role
    }

    func results(_ run: SuiteRun, _ check: String, on table: String) -> CheckResult? {
        run.results.first { $0.check == check && $0.subject == "public.\(table)" }
    }

    @Test func probesUseTheTablesRealPrimaryKey() throws {
        try withForeignDatabase { db, environment, project in
            let sequence =
                "select last_value from pg_sequences where schemaname = 'public' and sequencename = 'integrations_integration_id_seq'"
            let before: Int? = try db.query(Query(unsafeSQL: sequence)).first!.decodeIfPresent(
                "last_value")
            let run = try verify(project, environment)
            #expect(run.passed, "\(run.failures)")
            for table in ["integrations", "campaigns", "agents", "call_tracking", "cold_call_logs"]
            {
                for check in ["tenant-isolation", "org-id-immutable", "no-claim-spoofing"] {
                    #expect(
                        results(run, check, on: table)?.outcome == .passed, "\(check) on \(table)")
                }
            }
            // The identity sequence is overridden, never advanced (nextval survives a rollback).
            let after: Int? = try db.query(Query(unsafeSQL: sequence)).first!.decodeIfPresent(
                "last_value")
            #expect(before == after)
        }
    }

    /// A trigger that exists but does nothing: the probe itself must fail, whatever the key
    /// is called (it used to pass, because its 42703 counted as a refusal).
    @Test func aTriggerThatDoesNothingFailsTheImmutabilityProbe() throws {
        try withForeignDatabase { db, environment, project in
            try WardenGateTests().asApplication(
                db,
                """
                create function public.lets_everything_through() returns trigger language plpgsql as $$ begin return new; end $$;
                drop trigger integrations_org_id_immutable on public.integrations;
                create trigger integrations_org_id_immutable before update of org_id on public.integrations
                  for each row execute function public.lets_everything_through();
                """)
            let run = try verify(project, environment)
            let immutable = try #require(results(run, "org-id-immutable", on: "integrations"))
            #expect(immutable.outcome == .failed)
            #expect(
                immutable.found == "a row's org_id was changed from one organisation to another")
            // The structural check cannot see it: the trigger is there.
            #expect(results(run, "immutability-trigger", on: "integrations")?.passed == true)

            let cli = try tollgate(
                ["gate", "verify", "--env", "dev"],
                environment: ["DEV_DATABASE_URL": environment.connection.rawValue])
            #expect(cli.status == 1, "\(cli.stdout)\(cli.stderr)")
            #expect(cli.stdout.contains("✗ org-id-immutable (1 of 9 tables)"))
            #expect(
                cli.stdout.contains(
                    "integrations: a row's org_id was changed from one organisation to another"))
        }
    }

    /// An error that is not a refusal is a third outcome, with its SQLSTATE, and blocks.
    @Test func anErrorThatIsNotARefusalIsAnErrorNotAPass() throws {
        try withForeignDatabase { db, environment, project in
            try WardenGateTests().asApplication(
                db,
                """
                create function public.broken_guard() returns trigger language plpgsql as $$ begin perform 1 / 0; return new; end $$;
                drop trigger calls_org_id_immutable on public.calls;
                create trigger calls_org_id_immutable before update of org_id on public.calls
                  for each row execute function public.broken_guard();
                alter table public.knowledge_base drop constraint knowledge_base_pkey;
                """)
            let run = try verify(project, environment)
            #expect(!run.passed)
            let calls = try #require(results(run, "org-id-immutable", on: "calls"))
            #expect(calls.outcome == .error)
            #expect(calls.found?.contains("22012 division by zero") == true, "\(calls.found ?? "")")
            let keyless = try #require(results(run, "tenant-isolation", on: "knowledge_base"))
            #expect(keyless.outcome == .error)
            #expect(
                keyless.found?.contains("public.knowledge_base has no primary key") == true,
                "\(keyless.found ?? "")")

            let cli = try tollgate(
                ["gate", "verify", "--env", "dev"],
                environment: ["DEV_DATABASE_URL": environment.connection.rawValue])
            #expect(cli.status == 1)
            #expect(
                cli.stdout.contains(
                    "calls: error: cannot run: changing org_id ended in an error that is not a trigger's refusal: 22012 division by zero"
                ))
            let junit = try tollgate(
                ["gate", "verify", "--env", "dev", "--format", "junit"],
                environment: ["DEV_DATABASE_URL": environment.connection.rawValue])
            #expect(
                junit.stdout.contains(
                    "<error message=\"cannot run: changing org_id ended in an error that is not a trigger&apos;s refusal: 22012"
                )
                    || junit.stdout.contains(
                        "<error message=\"cannot run: changing org_id ended in an error that is not a trigger's refusal: 22012"
                    ))
        }
    }

    /// Supabase's own auth functions are the platform's whoever owns them; an application's
    /// function in auth is flagged whoever owns it, and the advice never drops a platform one.
    @Test func supabasesAuthFunctionsAreThePlatformsWhoeverOwnsThem() throws {
        try WardenGateTests().withSandboxDatabase(migrated: true) { db, environment, project in
            try db.execute(
                script: """
                    create function auth.email() returns text language sql stable as $$ select auth.jwt() ->> 'email' $$;
                    alter function auth.uid() owner to postgres;
                    alter function auth.role() owner to postgres;
                    alter function auth.jwt() owner to postgres;
                    alter function auth.email() owner to postgres;
                    """)
            var run = try WardenGateTests().gate(project, environment)
            #expect(run.results.first { $0.check == "no-function-in-auth" }?.passed == true)

            try db.execute(
                script: """
                    create function auth.org_id() returns uuid language sql stable as $$ select null::uuid $$;
                    alter function auth.org_id() owner to supabase_auth_admin;
                    """)
            run = try WardenGateTests().gate(project, environment)
            let inAuth = try #require(run.results.first { $0.check == "no-function-in-auth" })
            #expect(!inAuth.passed)
            #expect(inAuth.found == "function auth.org_id() (owner supabase_auth_admin)")
            #expect(inAuth.fix?.contains("never drop Supabase's own auth.uid()") == true)
        }
    }

    /// The owner's change refused for a privilege it lacks is no proof of a trigger: without
    /// an immutability trigger, a revoked UPDATE must not make the probe pass.
    @Test func aPrivilegeTheOwnerLacksIsNoImmutability() throws {
        try withForeignDatabase { db, environment, project in
            try WardenGateTests().asApplication(
                db,
                """
                drop trigger leads_org_id_immutable on public.leads;
                revoke update on public.leads from tollgate_app, authenticated, anon, service_role, public;
                """)
            let run = try verify(project, environment)
            let leads = try #require(results(run, "org-id-immutable", on: "leads"))
            #expect(leads.outcome == .error)
            #expect(
                leads.found?.contains("42501 permission denied for table leads") == true,
                "\(leads.found ?? "")")
        }
    }

    /// Compare, status and gate give byte-identical output for unchanged databases.
    @Test func reportsAreByteIdenticalFromRunToRun() throws {
        try withForeignDatabase { _, fixed, _ in
            try WardenGateTests().withSandboxDatabase(migrated: false) { _, starting, _ in
                let variables = [
                    "DEV_DATABASE_URL": fixed.connection.rawValue,
                    "STAGING_DATABASE_URL": starting.connection.rawValue,
                    "PRODUCTION_DATABASE_URL": starting.connection.rawValue,
                ]
                for arguments in [
                    ["compare", "--format", "html"], ["compare", "--format", "json"], ["compare"],
                    ["status", "--format", "json"],
                ] {
                    let first = try tollgate(arguments, environment: variables)
                    let second = try tollgate(arguments, environment: variables)
                    #expect(first.stdout == second.stdout, "\(arguments)")
                    #expect(!first.stdout.isEmpty)
                }
            }
        }
    }

    /// A URL that points at a database without any of the application's tables: not "run
    /// Day 1", but "this is not the application's database", with the variable to fix.
    @Test func aDatabaseWithoutTheApplicationsTablesIsNamedAsSuch() throws {
        try withTestDatabase { _, name in
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            let result = try tollgate(
                ["gate", "warden", "--env", "production"],
                environment: ["PRODUCTION_DATABASE_URL": url])
            #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("does not look like this application's database"))
            #expect(result.stdout.contains("/\(name)"))
            #expect(result.stdout.contains("check PRODUCTION_DATABASE_URL"))
            #expect(!result.stdout.contains("run Day 1"))
            let json = try tollgate(
                ["gate", "warden", "--env", "production", "--format", "json"],
                environment: ["PRODUCTION_DATABASE_URL": url])
            #expect(json.stdout.contains("\"problem\" : \"not_this_application\""))
            // plan says so too, before any suite's advice.
            let plan = try tollgate(
                ["plan", "day-1-organizations", "--env", "production"],
                environment: ["PRODUCTION_DATABASE_URL": url])
            #expect(plan.status == 1)
            #expect(
                plan.stdout.contains(
                    "✗ this application's database: environment 'production' does not look like this application's database"
                ))
        }
    }

    /// A ledger in a schema the role may not use is the ledger's problem: status reads the
    /// rest of the environment and shows its rollout as unknown (exit 3), in the round trips
    /// status always takes.
    @Test func aLedgerTheRoleCannotReadLeavesTheRestOfStatus() throws {
        try withTestDatabase { db, name in
            let role = "tollgate_noledger_\(UUID().uuidString.prefix(8).lowercased())"
            try db.query("create role \(identifier: role) login")
            defer { _ = try? db.query("drop role \(identifier: role)") }
            try db.execute(
                script: """
                    create schema tollgate;
                    create table tollgate.releases (version int);
                    revoke all on schema tollgate from public;
                    """)
            let url =
                try PostgresTestServer.connectionString().rawValue + " dbname=\(name) user=\(role)"
            let (result, production) = try productionStatus(url)
            #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
            #expect(production["reachable"] as? Bool == true)
            #expect(production["error"] == nil, "\(production)")
            #expect(production["serverVersion"] as? String != nil)
            #expect(production["ledgerPresent"] as? Bool == true)
            #expect(
                (production["rolloutError"] as? String)?.contains(
                    "permission denied for schema tollgate") == true, "\(production)")
            #expect(production["fingerprint"] as? String != nil)
            // The facts, whether the ledger exists and the snapshot in one; the ledger's refusal
            // in a second.
            #expect(result.stderr.contains("round trips: 2 "), "\(result.stderr)")
        }
    }

    /// Status reads a database with the Supabase CLI's history and a bound ledger in two round
    /// trips after connecting: the facts with the catalog snapshot, then the history with the
    /// ledger's rollout and binding.
    @Test func statusReadsHistoryAndLedgerInTwoRoundTrips() throws {
        try withHistoryAndLedger { db, url in
            let (result, environment) = try productionStatus(url)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(environment["ledgerPresent"] as? Bool == true)
            #expect(environment["ledgerBoundTo"] == nil, "\(environment)")
            #expect(environment["rollout"] as? [String] == [])
            let history = environment["supabaseMigrations"] as? [String: Any]
            #expect(history?["count"] as? Int == 1)
            #expect(history?["latest"] as? String == "20250101000000")
            #expect(result.stderr.contains("round trips: 2 "), "\(result.stderr)")
            // Bound to another environment, the ledger says so in the same round trips.
            try db.query("update tollgate.binding set environment = 'staging'")
            let (elsewhere, bound) = try productionStatus(url)
            #expect(bound["ledgerBoundTo"] as? String == "staging", "\(bound)")
            #expect(elsewhere.stderr.contains("round trips: 2 "), "\(elsewhere.stderr)")
            // A ledger the role may not read, sent with the history, does not take the history
            // with it: the rollout is unknown, the history shown.
            let role = try makeRole(
                "tollgate_history", on: db,
                granted: """
                    grant usage on schema supabase_migrations, tollgate to ROLE;
                    grant select on all tables in schema supabase_migrations to ROLE;
                    """)
            defer { try? db.execute(script: "drop owned by \(role); drop role \(role)") }
            let (refused, partly) = try productionStatus(url + " user=\(role)")
            #expect(refused.status == 3, "\(refused.stdout)\(refused.stderr)")
            #expect(partly["error"] == nil, "\(partly)")
            #expect(
                (partly["rolloutError"] as? String)?.contains("permission denied for table")
                    == true,
                "\(partly)")
            let shown = partly["supabaseMigrations"] as? [String: Any]
            #expect(shown?["count"] as? Int == 1, "\(partly)")
            #expect(refused.stderr.contains("round trips: 2 "), "\(refused.stderr)")
        }
    }

    /// A catalog the role may not read fails the snapshot, not what was read beside it: status
    /// still shows the server's version, the CLI's history and the rollout, with the refusal.
    @Test func aRefusedSnapshotKeepsTheFactsAndTheRollout() throws {
        try withHistoryAndLedger { db, url in
            let role = try makeRole(
                "tollgate_nocatalog", on: db,
                granted: """
                    grant usage on schema supabase_migrations, tollgate to ROLE;
                    grant select on all tables in schema supabase_migrations, tollgate to ROLE;
                    revoke select on pg_catalog.pg_proc from public;
                    """)
            defer { try? db.execute(script: "drop owned by \(role); drop role \(role)") }
            let (result, environment) = try productionStatus(url + " user=\(role)")
            #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
            #expect(
                (environment["error"] as? String)?.contains("permission denied for table pg_proc")
                    == true, "\(environment)")
            #expect(environment["serverVersion"] as? String != nil, "\(environment)")
            let history = environment["supabaseMigrations"] as? [String: Any]
            #expect(history?["count"] as? Int == 1, "\(environment)")
            #expect(environment["ledgerPresent"] as? Bool == true)
            #expect(environment["rolloutError"] == nil, "\(environment)")
            #expect(environment["fingerprint"] == nil)
        }
    }
}
