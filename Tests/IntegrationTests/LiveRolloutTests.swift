import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The five days on a database that is live: the old backend, the new one from Day 4 and
/// sign-ups act on it throughout, and none of their operations may fail.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct LiveRolloutTests {
    static let days = [
        "day-1-organizations", "day-2-backfill", "day-3-jwt-app-metadata", "day-4-warden",
        "day-5-verify",
    ]

    /// The repository's own playbooks and suites.
    static func project() throws -> Project {
        try Project.load(
            root: Repository.root,
            variables: VariableLookup(
                environment: [:],
                builtins: ["TOLLGATE_SANDBOX_DIR": "/x", "TOLLGATE_SANDBOX_PORT": "1"]))
    }

    /// A sandbox-shaped database of `rows` leads, reached as the hosted-like application role,
    /// as environment `dev` (tokens live 0 s, so Day 4 need not wait).
    static func live(
        _ db: Connection, _ name: String, rows: Int, seed: Int, tenantModel: String
    ) throws -> (Environment, String) {
        try Sandbox.installRoles(
            on: PostgresTestServer.connect(), applicationPassword: "not-used-here")
        try Sandbox.seedDatabase(db, options: .init(rows: rows, seed: seed))
        try PostgresTestServer.connect().query(
            "grant create, connect, temporary on database \(identifier: name) to tollgate_app")
        let connection =
            try PostgresTestServer.connectionString().rawValue + " dbname=\(name) user=tollgate_app"
        let environment = Environment(
            name: "dev", order: 1, connection: ConnectionString(connection),
            variables: ["tenant_model": tenantModel, "jwt_expiry": "0"],
            location: .init(file: "test", line: 1, column: 1))
        return (environment, connection)
    }

    /// GoTrue's connection to test database `name`: the server's superuser, which sets role
    /// `supabase_auth_admin` for each sign-up as GoTrue's own login would be.
    static func gotrue(_ name: String) throws -> ConnectionString {
        ConnectionString(try PostgresTestServer.connectionString().rawValue + " dbname=\(name)")
    }

    /// The longest any operation of the application may wait for a lock: one that waits
    /// longer fails, and the test with it.
    ///
    /// A request queued behind a step waits as long as the step waits for its own lock, so the
    /// bound is the rollout's longest `lock_timeout` (Day 1's 2 s) and a second more. Not a
    /// bound on latency, which counts every cause: on a busy 2-core CI runner, with the whole
    /// suite in parallel, one operation in 113,390 took 1.4 s (``worstLatency`` is the loose
    /// backstop for slowness that involves no lock).
    static func lockWait() throws -> Duration {
        try project().playbooks.flatMap(\.steps).map(\.lockTimeout).max()! + .seconds(1)
    }

    /// No operation may take this long (milliseconds), whatever slowed it.
    static let worstLatency = 10_000.0

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    @Test(arguments: ["org-per-email-domain", "default-org", "org-per-user"])
    func theApplicationKeepsWorkingOnEveryDay(tenantModel: String) async throws {
        try await withTestDatabaseAsync { db, name in
            let (environment, _) = try Self.live(
                db, name, rows: 200, seed: 11, tenantModel: tenantModel)
            let project = try Self.project()

            let stop = Flag()
            let traffic = TrafficGenerator(
                environment: environment,
                options: .init(
                    clients: 2, pause: .milliseconds(2), gotrue: try Self.gotrue(name),
                    lockWait: try Self.lockWait())
            ).start(until: { stop.isSet })
            // Let the application run on the single-tenant schema first.
            usleep(300_000)  // blocking: a Task.sleep can starve on a busy pool
            for day in Self.days {
                try await runBlocking {
                    try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")).run(
                        try project.playbook(named: day), on: environment)
                }
                usleep(300_000)  // blocking: a Task.sleep can starve on a busy pool
            }
            stop.set()
            let report = traffic.wait()
            #expect(report.refusals == 0, "\(report.summary)")
            #expect(report.count > 20, "\(report.summary)")
            #expect(report.failures.isEmpty, "\(report.failures.prefix(5))")
            #expect(report.worst < Self.worstLatency, "\(report.summary)")
            #expect(report.count > 50, "\(report.summary)")
            #expect(!report.signedUp.isEmpty)
            #expect(
                report.operations["new app: write and read", default: 0] > 0, "\(report.operations)"
            )

            // Every row and every user, those who signed up mid-rollout too, has its organization.
            let missing: Int = try db.query(
                """
                select (select count(*) from public.leads where org_id is null)
                     + (select count(*) from public.call_logs where org_id is null)
                     + (select count(*) from auth.users where coalesce(raw_app_meta_data ->> 'org_id', '') = '') as n
                """
            ).first!.decode("n")
            #expect(missing == 0)
            let wrong: Int = try db.query(
                """
                select count(*) as n from public.leads l join auth.users u on u.id = l.user_id
                where l.org_id::text is distinct from u.raw_app_meta_data ->> 'org_id'
                """
            ).first!.decode("n")
            #expect(wrong == 0)
            let verify = CheckRunner(project: project).run(
                [try project.suite(named: "verify")], on: environment)
            #expect(verify.passed, "\(verify.suites.first?.failures.prefix(3) ?? [])")
        }
    }
}

extension LiveRolloutTests {
    /// The runner killed in the middle of Day 2 while the application writes: the rerun
    /// finishes, and the application never noticed.
    @Test func aRunnerKilledDuringTheBackfillUnderTrafficConverges() async throws {
        try await withTestDatabaseAsync { db, name in
            let (environment, connection) = try Self.live(
                db, name, rows: 3000, seed: 5, tenantModel: "org-per-email-domain")
            let stop = Flag()
            let traffic = TrafficGenerator(
                environment: environment,
                options: .init(
                    clients: 2, pause: .milliseconds(2), gotrue: try Self.gotrue(name),
                    lockWait: try Self.lockWait())
            ).start(until: { stop.isSet })
            let variables = ["DEV_DATABASE_URL": connection, "DEV_JWT_EXPIRY": "0"]
            #expect(
                try tollgate(
                    ["run", "day-1-organizations", "--env", "dev"], environment: variables
                ).status == 0)
            var process = ProcessInfo.processInfo.environment.filter {
                !$0.key.hasPrefix("PG") && !$0.key.hasSuffix("_DATABASE_URL")
            }
            process.merge(variables) { $1 }
            process["NO_COLOR"] = "1"
            let run = try ProcessRunner().start(
                Repository.binary.path, ["run", "day-2-backfill", "--env", "dev"],
                environment: process, directory: Repository.root.path)
            // Kill once a batch of the backfill has committed.
            try CrashResumeTests().waitUntil("the backfill has committed a batch") {
                let next = try? db.query(
                    "select coalesce(max(next_page), 0) as n from tollgate.backfill_cursors"
                ).first?.decode("n", as: Int.self)
                return (next ?? 0) > 0
            }
            run.kill()
            #expect(
                try run.wait().status == 128 + SIGKILL,
                "the run had finished before it could be killed")
            let rerun = try tollgate(
                ["run", "--through", "day-5-verify", "--env", "dev"], environment: variables)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            usleep(300_000)  // blocking: a Task.sleep can starve on a busy pool
            stop.set()
            let report = traffic.wait()
            #expect(report.refusals == 0, "\(report.summary)")
            #expect(report.count > 20, "\(report.summary)")
            #expect(report.failures.isEmpty, "\(report.failures.prefix(5))")
            #expect(report.worst < Self.worstLatency, "\(report.summary)")
            let missing: Int = try db.query(
                """
                select (select count(*) from public.leads where org_id is null)
                     + (select count(*) from auth.users where coalesce(raw_app_meta_data ->> 'org_id', '') = '') as n
                """
            ).first!.decode("n")
            #expect(missing == 0)
        }
    }
}

extension LiveRolloutTests {
    /// Day 6 removes the filling only once nothing has needed it for the quiet period: with the
    /// old backend still writing it refuses and leaves everything in place; with the new one
    /// everywhere it contracts, and the application keeps working.
    @Test(arguments: [true, false])
    func theContractWaitsForTheOldBackendToBeGone(newBackend: Bool) async throws {
        try await withTestDatabaseAsync { db, name in
            let (environment, _) = try Self.live(
                db, name, rows: 200, seed: 13, tenantModel: "org-per-email-domain")
            let project = try Self.project()
            let stop = Flag()
            let traffic = TrafficGenerator(
                environment: environment,
                options: .init(
                    clients: 2, pause: .milliseconds(2), newBackendAfterDay4: newBackend,
                    gotrue: try Self.gotrue(name), lockWait: try Self.lockWait())
            ).start(until: { stop.isSet })
            for day in Self.days {
                try await runBlocking {
                    try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")).run(
                        try project.playbook(named: day), on: environment)
                }
            }
            // The quiet period passes while the application writes on (half a second of it).
            let contract = try await runBlocking { () -> String? in
                let options = PlaybookRunner.Options(
                    actor: "t", host: "h", sleep: { _ in usleep(500_000) })
                do {
                    try PlaybookRunner(project: project, options: options).run(
                        try project.playbook(named: "day-6-contract"), on: environment)
                    return nil
                } catch let error as RunError {
                    return error.description
                }
            }
            usleep(300_000)  // blocking: a Task.sleep can starve on a busy pool
            stop.set()
            let report = traffic.wait()
            let fillTriggers: Int = try db.query(
                "select count(*) as n from pg_trigger where tgname like '%_fill_org_id'"
            ).first!.decode("n")
            #expect(report.refusals == 0, "\(report.summary)")
            #expect(report.count > 20, "\(report.summary)")
            #expect(report.failures.isEmpty, "\(report.failures.prefix(5))")
            #expect(report.worst < Self.worstLatency, "\(report.summary)")
            if newBackend {
                #expect(contract == nil, "\(contract ?? "")")
                #expect(fillTriggers == 0)
            } else {
                #expect(
                    contract?.contains("no-rows-filled-since-the-watch") == true,
                    "\(contract ?? "ran")")
                #expect(fillTriggers == 9)
            }
        }
    }
}

/// ``withTestDatabase`` for async bodies.
func withTestDatabaseAsync(_ body: (Connection, String) async throws -> Void) async throws {
    let admin = try PostgresTestServer.connect()
    let name = "tollgate_test_\(UInt32.random(in: 0...UInt32.max))"
    try admin.query("create database \(identifier: name)")
    do {
        try await body(try PostgresTestServer.connect(database: name), name)
    } catch {
        _ = try? admin.query("drop database if exists \(identifier: name) with (force)")
        throw error
    }
    _ = try? admin.query("drop database if exists \(identifier: name) with (force)")
}

extension LiveRolloutTests {
    /// Sign-ups run as GoTrue's role with GoTrue's search_path: a sign-up trigger that works
    /// when the application's own role inserts a user, but names a table without its schema,
    /// fails as it would on hosted Supabase.
    @Test func signUpsRunAsGoTrue() async throws {
        try await withTestDatabaseAsync { db, name in
            let (environment, _) = try Self.live(
                db, name, rows: 20, seed: 3, tenantModel: "org-per-user")
            try environment.connect().execute(
                script: """
                    create table public.profiles (id uuid primary key);
                    create function public.naive_new_user() returns trigger language plpgsql
                      security definer as $$
                    begin insert into profiles (id) values (new.id); return new; end $$;
                    create trigger naive_new_user after insert on auth.users
                      for each row execute function public.naive_new_user();
                    """)
            func signUps(gotrue: ConnectionString?) async throws -> TrafficGenerator.Report {
                try await TrafficGenerator(
                    environment: environment,
                    options: .init(
                        clients: 1, signUpEvery: 1, pause: .zero, gotrue: gotrue,
                        requestsPerClient: 5)
                ).run(until: { false })
            }
            let asTheApplication = try await signUps(gotrue: nil)
            #expect(asTheApplication.failures.isEmpty, "\(asTheApplication.failures.prefix(2))")
            #expect(!asTheApplication.signedUp.isEmpty)
            let asGoTrue = try await signUps(gotrue: try Self.gotrue(name))
            #expect(asTheApplication.signedUp.count == 5)
            #expect(asGoTrue.signedUp.isEmpty)
            #expect(asGoTrue.failures.count == 5)
            #expect(
                asGoTrue.failures.allSatisfy { $0.sqlState == "42P01" },
                "\(asGoTrue.failures.prefix(2))")
        }
    }
}

extension LiveRolloutTests {
    /// A lock held longer than the application's `lockWait` fails its operations with 55P03,
    /// named as such; once it is released they succeed again.
    @Test func aLockHeldTooLongFailsTheApplicationsOperations() async throws {
        try await withTestDatabaseAsync { db, name in
            let (environment, _) = try Self.live(
                db, name, rows: 20, seed: 3, tenantModel: "org-per-user")
            // Leads the application writes are named 'traffic'; none can be written (nor
            // counted) while the lock is held.
            let written: Int = try db.query(
                "select count(*) as n from public.leads where name = 'traffic'"
            ).first!.decode("n")
            let holder = try PostgresTestServer.connect(database: name)
            try holder.query("begin")
            try holder.query("lock table public.leads in access exclusive mode")
            let stop = Flag()
            let traffic = TrafficGenerator(
                environment: environment,
                options: .init(
                    clients: 1, signUpEvery: 1000, pause: .milliseconds(5),
                    lockWait: .milliseconds(100))
            ).start(until: { stop.isSet })
            // Held until the application is seen waiting for it, and a few of its 100 ms waits
            // more; then released until one of its requests has written a lead.
            try CrashResumeTests().waitUntil("the application waits for the lock") {
                let waiting: Int = try db.query(
                    "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"
                ).first!.decode("n")
                return waiting > 0
            }
            usleep(300_000)  // blocking: a Task.sleep can starve on a busy pool
            try holder.query("rollback")
            try CrashResumeTests().waitUntil("a request succeeds once the lock is gone") {
                let now: Int = try db.query(
                    "select count(*) as n from public.leads where name = 'traffic'"
                ).first!.decode("n")
                return now > written
            }
            stop.set()
            let report = traffic.wait()
            #expect(!report.failures.isEmpty, "\(report.summary)")
            #expect(
                report.failures.allSatisfy {
                    $0.sqlState == "55P03"
                        && $0.message.hasPrefix("waited longer than 100ms for a lock")
                }, "\(report.failures.prefix(2))")
            #expect(report.count > 0, "no operation succeeded once the lock was gone")
        }
    }
}
