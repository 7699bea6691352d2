import Foundation
import PostgresClient
import Testing
import TollgateKit

/// Gates that cannot be fooled: reruns, approvals, `--env all`, long waits, and exit codes
/// that follow the README.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct GateHonestyTests {
    let engine = PlaybookEngineTests()

    /// A rerun that applied nothing does not restart the soak: staging's wait runs from the
    /// run that applied dev's steps.
    @Test func aNoOpRerunDoesNotRestartTheSoak() throws {
        try engine.withProject(stagingProtection: "protection:\n  soak_after_previous: 1h\n") {
            project, dev, staging, devDB, _ in
            let playbook = try project.playbook(named: "day-1-demo")
            try engine.runner(project).run(playbook, on: dev)
            let applied = try #require(try Ledger(devDB).state().lastSuccess["day-1-demo"])
            Thread.sleep(forTimeInterval: 1.1)
            try engine.runner(project).run(playbook, on: dev)
            #expect(try Ledger(devDB).state().lastSuccess["day-1-demo"] == applied)
            let plan = try engine.runner(project, now: { applied.addingTimeInterval(3601) }).plan(
                playbook, on: staging)
            #expect(plan.gates.first { $0.name == "promotion from dev" }?.passed == true)
        }
    }

    /// Checks only read: a check whose SQL would delete rows, write a table or take a
    /// sequence's next value (each through a function, as a no_rows check is wrapped in a
    /// query of Tollgate's) fails with the read-only transaction's SQLSTATE (25006), sent
    /// together with a check that only reads and passes; the database is as it was.
    @Test func checksCannotWrite() throws {
        try withTestDatabase { db, name in
            try db.query("create table public.leads (id serial primary key, note text)")
            try db.query(
                "insert into public.leads (note) select 'row ' || g from generate_series(1, 5) g")
            // Writes a check could hide in a function it calls.
            try db.query(
                "create function public.purge() returns setof int language sql as 'delete from public.leads returning id'"
            )
            try db.query(
                "create function public.stamp() returns setof int language sql as $$insert into public.leads (note) values ('x') returning id$$"
            )
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tollgate-read-only-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("Playbooks/checks"),
                withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent("Environments"),
                to: root.appendingPathComponent("Environments"))
            try """
            version: 1
            suite: writer
            checks:
              - id: reads
                no_rows: select id from public.leads where id < 0
              - id: deletes
                no_rows: select id from public.purge() as id
              - id: inserts
                no_rows: select id from public.stamp() as id where id < 0
              - id: takes-a-sequence-value
                no_rows: select id from public.leads where nextval('public.leads_id_seq') < 0
            """.write(
                to: root.appendingPathComponent("Playbooks/checks/writer.yml"), atomically: true,
                encoding: .utf8)
            let variables = [
                "DEV_DATABASE_URL": try PostgresTestServer.connectionString().rawValue
                    + " dbname=\(name)"
            ]
            let result = try tollgate(
                ["check", "--env", "dev", "--suite", "writer", "--format", "json"],
                environment: variables, in: root)
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            let results =
                try #require(
                    ((object as? [String: Any])?["environments"] as? [[String: Any]])?.first?[
                        "suites"]
                        as? [[String: Any]])?.first?["results"] as? [[String: Any]]
            var outcomes: [String: String] = [:]
            for check in results ?? [] {
                outcomes[check["check"] as? String ?? "?"] =
                    "\(check["outcome"] ?? "?") \(check["found"] ?? "") \(check["detail"] ?? "")"
            }
            #expect(outcomes["reads"]?.hasPrefix("passed") == true, "\(outcomes)")
            for writer in ["deletes", "inserts", "takes-a-sequence-value"] {
                #expect(outcomes[writer]?.contains("25006") == true, "\(writer): \(outcomes)")
            }
            let rows: Int = try db.query("select count(*)::int as n from public.leads").first!
                .decode("n")
            #expect(rows == 5)
            let next: Int = try db.query("select nextval('public.leads_id_seq')::int as n").first!
                .decode("n")
            #expect(next == 6)
        }
    }

    /// Blank names are refused, `bob` and ` BOB ` are one person, and an approval given
    /// before a step was edited does not count for the edited playbook.
    @Test func approvalsCountPeopleOnceAndOnlyForWhatTheyApproved() throws {
        try withTestDatabase { db, name in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tollgate-approvals-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: root) }
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("Playbooks"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent("Environments"),
                to: root.appendingPathComponent("Environments"))
            let playbook = root.appendingPathComponent("Playbooks/ship.yml")
            try
                "version: 1\nplaybook: ship\ngates:\n  promotion: false\n  approvals: 2\nsteps:\n  - id: a\n    sql: select 1\n"
                .write(to: playbook, atomically: true, encoding: .utf8)
            let variables = [
                "DEV_DATABASE_URL": try PostgresTestServer.connectionString().rawValue
                    + " dbname=\(name)"
            ]

            for blank in ["", "   "] {
                let result = try tollgate(
                    ["approve", "ship", "--env", "dev", "--as", blank], environment: variables,
                    in: root)
                #expect(result.status == 2)
                #expect(result.stderr.contains("--as needs the approver's name"))
            }
            #expect(try Ledger(db).exists() == false)  // bad input changed nothing

            #expect(
                try tollgate(
                    ["approve", "ship", "--env", "dev", "--as", "bob"], environment: variables,
                    in: root
                ).status == 0)
            let again = try tollgate(
                ["approve", "ship", "--env", "dev", "--as", " BOB "], environment: variables,
                in: root)
            #expect(
                again.stdout.contains(
                    "already approved (renewed) ship on dev as bob: 1 of 2 approvals (bob)")
            )
            #expect(
                try tollgate(
                    ["approve", "ship", "--env", "dev", "--as", "Alice"], environment: variables,
                    in: root
                ).status == 0)
            var plan = try tollgate(
                ["plan", "ship", "--env", "dev"], environment: variables, in: root)
            #expect(plan.status == 0, "\(plan.stdout)")
            #expect(plan.stdout.contains("✓ approvals: 2 of 2 approvals (alice, bob)"))

            // Edit the step: both approvals were for other SQL.
            try
                "version: 1\nplaybook: ship\ngates:\n  promotion: false\n  approvals: 2\nsteps:\n  - id: a\n    sql: drop table public.leads\n"
                .write(to: playbook, atomically: true, encoding: .utf8)
            plan = try tollgate(["plan", "ship", "--env", "dev"], environment: variables, in: root)
            #expect(plan.status == 1)
            #expect(
                plan.stdout.contains(
                    "0 of 2 approvals; approved before the playbook's steps changed, so not counted: alice, bob"
                ))
            // Approving again renews the approval for the new content.
            let renewed = try tollgate(
                ["approve", "ship", "--env", "dev", "--as", "bob"], environment: variables, in: root
            )
            #expect(renewed.stdout.contains("approved ship on dev as bob: 1 of 2 approvals (bob)"))
        }
    }

    /// `--env all` (or a list) on a command that acts on one environment is refused, and
    /// nothing is written anywhere.
    @Test func singleEnvironmentCommandsRefuseAllAndLists() throws {
        try withTestDatabase { db, name in
            let variables = [
                "DEV_DATABASE_URL": try PostgresTestServer.connectionString().rawValue
                    + " dbname=\(name)"
            ]
            for arguments in [
                ["approve", "day-1-organizations", "--as", "bob"],
                ["run", "day-1-organizations", "--yes"],
                ["plan", "day-1-organizations"], ["history"], ["rehearse", "day-1-organizations"],
                ["snapshot"],
            ] {
                for value in ["all", "dev,staging"] {
                    let result = try tollgate(arguments + ["--env", value], environment: variables)
                    #expect(result.status == 2, "\(arguments) --env \(value): \(result.stderr)")
                    #expect(
                        result.stderr.contains(
                            "this command acts on exactly one environment (one of: dev, staging, production)"
                        ))
                }
            }
            #expect(try Ledger(db).exists() == false)
        }
    }

    /// A wait of hours waits hours (usleep's 32 bits cut it to 71.6 minutes), and an
    /// interrupted wait resumes from when it started.
    @Test func longWaitsWaitTheirWholeLengthAndResume() throws {
        let waits = """
            version: 1
            playbook: soak-demo
            gates:
              promotion: false
            steps:
              - id: soak
                wait: 2h
            """
        try engine.withProject(playbooks: ["soak-demo.yml": waits]) { project, dev, _, db, _ in
            let slept = LockedDurations()
            let runner = PlaybookRunner(
                project: project,
                options: .init(actor: "tester", host: "ci", sleep: { slept.append($0) })
            ) { _ in }
            try runner.run(try project.playbook(named: "soak-demo"), on: dev)
            #expect(slept.values == [.seconds(7200)])

            // As if the process had been killed 30 minutes into the wait.
            try db.execute(
                script: """
                    update tollgate.step_runs set status = 'started', finished_at = null, started_at = clock_timestamp() - interval '30 minutes'
                    where step = 'soak';
                    """)
            try runner.run(try project.playbook(named: "soak-demo"), on: dev)
            let resumed = try #require(slept.values.last)
            #expect(resumed <= .seconds(5400) && resumed > .seconds(5390), "\(resumed)")
        }
    }

    /// The server measures a transactional step's hold as its ledger rows arrive with the
    /// COMMIT: no round trip of the client's comes between the step's SQL and the COMMIT that
    /// releases its locks, and the event tells the hold in ``LockHold``'s own words.
    @Test func theHoldIsMeasuredInTheRoundTripOfTheCommit() throws {
        try withTestDatabase { db, _ in
            try db.execute(
                script: "create table public.leads (id int); create table public.notes (id int)")
            let ledger = Ledger(db)
            try ledger.install()
            let run = try ledger.startRun(playbook: "p", environment: "dev", actor: "t", host: "h")
            func step(_ id: String, locking sql: String, budget: Int64?) throws -> (LockHold?, Int)
            {
                nonisolated(unsafe) var measured: LockHold? = nil
                var trips = 0
                try db.withTransaction { db in
                    try db.execute(script: sql)
                    trips = db.roundTripCount
                    try Ledger(db).recordStep(
                        run: run, playbook: "p",
                        step: StepIdentity(id: id, kind: "sql", checksum: nil, transactional: true),
                        status: .succeeded,
                        measuring: LockMeasurement(
                            tables: ["public.leads"], budgetMilliseconds: budget),
                        measured: { measured = $0 }, actor: "t", host: "h", withNextStatement: true)
                }
                return (measured, db.roundTripCount - trips)
            }
            // Only tenant tables count; the strongest mode wins.
            let (strong, trips) = try step(
                "strong",
                locking:
                    "lock table public.notes in access exclusive mode; lock table public.leads in share mode; lock table public.leads in access exclusive mode",
                budget: nil)
            #expect(trips == 1, "the rows, the measurement and the COMMIT in one round trip")
            let hold = try #require(strong)
            #expect(hold.mode == "AccessExclusiveLock" && hold.relations == ["public.leads"])
            #expect(hold.budgetMilliseconds == 200 && hold.heldMilliseconds >= 0)
            let (weak, _) = try step(
                "weak", locking: "lock table public.leads in share mode", budget: 5000)
            #expect(weak?.mode == "ShareLock" && weak?.budgetMilliseconds == 5000)
            let (none, _) = try step(
                "none", locking: "lock table public.notes in access exclusive mode", budget: 5000)
            #expect(none == nil)
            // What the ledger keeps is what was measured, told in the same words.
            for (id, measured) in [("strong", strong), ("weak", weak), ("none", none)] {
                let row = try #require(
                    try db.query(
                        """
                        select s.lock_mode, s.lock_held_ms, s.lock_budget_ms, e.detail
                        from tollgate.step_runs s join tollgate.events e on e.step = s.step and e.event = 'succeeded'
                        where s.step = \(id)
                        """
                    ).first)
                #expect(try row.decodeIfPresent("lock_mode") == measured?.mode, "\(id)")
                #expect(try row.decodeIfPresent("lock_held_ms") == measured?.heldMilliseconds)
                #expect(try row.decodeIfPresent("lock_budget_ms") == measured?.budgetMilliseconds)
                #expect(try row.decodeIfPresent("detail") == measured?.description, "\(id)")
            }
        }
    }

    /// Each DDL step's strong lock on a tenant table is measured and recorded; one held longer
    /// than its budget blocks promotion until someone accepts it on the next environment.
    @Test func aLockHeldOverItsBudgetBlocksPromotionUntilApproved() throws {
        let locks = """
            version: 1
            playbook: lock-demo
            steps:
              - id: long-lock
                sql: |
                  lock table public.leads in access exclusive mode;
                  select pg_sleep(0.4);
              - id: budgeted-lock
                sql: |
                  lock table public.campaigns in access exclusive mode;
                  select pg_sleep(0.3);
                lock_budget: 2s
            """
        try engine.withProject(playbooks: ["lock-demo.yml": locks]) {
            project, dev, staging, devDB, _ in
            let playbook = try project.playbook(named: "lock-demo")
            nonisolated(unsafe) var events: [RunEvent] = []
            try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) {
                events.append($0)
            }.run(playbook, on: dev)
            let held: Int = try devDB.query(
                "select lock_held_ms from tollgate.step_runs where step = 'long-lock' and lock_mode = 'AccessExclusiveLock'"
            ).first!.decode("lock_held_ms")
            #expect(held >= 400)
            let over = try Ledger(devDB).locksOverBudget(of: "lock-demo")
            #expect(over.map(\.step) == ["long-lock"])
            #expect(over.first?.hold.relations == ["public.leads"])
            #expect(
                events.contains {
                    if case .overLockBudget("long-lock", _) = $0 { true } else { false }
                })

            var plan = try engine.runner(project).plan(playbook, on: staging)
            let gate = try #require(plan.gates.first { $0.name == "lock budget on dev" })
            #expect(!gate.passed)
            #expect(
                gate.detail.hasPrefix("long-lock held AccessExclusiveLock on public.leads for "))
            #expect(
                gate.unblock
                    == "review the lock, then: tollgate approve lock-demo --env staging --as NAME")
            let stagingLedger = Ledger(try staging.connect())
            try stagingLedger.install()
            try stagingLedger.approve(
                playbook: playbook, approver: "alice", note: "a busy hour is fine")
            plan = try engine.runner(project).plan(playbook, on: staging)
            #expect(plan.gates.first { $0.name == "lock budget on dev" }?.passed == true)
            // An approval given before the hold (for the playbook's other gates) does not
            // accept it; approving again renews it.
            try staging.connect().query(
                "update tollgate.approvals set approved_at = now() - interval '1 hour'")
            plan = try engine.runner(project).plan(playbook, on: staging)
            #expect(plan.gates.first { $0.name == "lock budget on dev" }?.passed == false)
            #expect(
                try stagingLedger.approve(playbook: playbook, approver: "alice", note: nil)
                    == false)
            plan = try engine.runner(project).plan(playbook, on: staging)
            #expect(plan.gates.first { $0.name == "lock budget on dev" }?.passed == true)
            // A later run of the step that holds no strong lock replaces the record.
            let devLedger = Ledger(devDB)
            try devLedger.recordStep(
                run: try devDB.query("select max(id) as id from tollgate.runs").first!.decode("id"),
                playbook: "lock-demo",
                step: StepIdentity(
                    id: "long-lock", kind: "sql", checksum: nil, transactional: true),
                status: .succeeded,
                actor: "t", host: "h")
            #expect(try devLedger.locksOverBudget(of: "lock-demo").isEmpty)
            try devDB.query(
                "update tollgate.step_runs set lock_held_ms = 999, lock_budget_ms = 200, lock_mode = 'AccessExclusiveLock', lock_relations = '{public.leads}' where step = 'long-lock'"
            )
            // compare shows it too.
            let report = Comparison.compare(
                [EnvironmentReader(project: project).read(dev, .comparison)], project: project)
            #expect(report.environments[0].locksOverBudget?.count == 1)
            #expect(
                report.environments[0].longestLock?.hasPrefix(
                    "lock-demo/long-lock held AccessExclusiveLock on public.leads") == true)
            #expect(
                try report.render(.text, options: RenderOptions()).contains(
                    "over budget: lock-demo/long-lock held AccessExclusiveLock"))
        }
    }

    /// A playbook whose one step backfills `notes` on `public.leads`, with `options` (flat
    /// `key: value` lines) added to the step's `backfill`.
    static func fillNotes(_ name: String, _ options: String) -> String {
        """
        version: 1
        playbook: \(name)
        gates:
          promotion: false
        steps:
          - id: fill-notes
            backfill:
              table: public.leads
              set: notes = 'filled'
              where: t.notes is distinct from 'filled'
        \(options.split(separator: "\n").map { "      " + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))
        """
    }

    /// A backfill governed by the writers: when its batches make other sessions wait for their
    /// locks longer than the step's writer_latency, it pauses (within the step's max_pause) and
    /// says so in its progress line.
    ///
    /// It runs as the application's role, which may not see other roles' statements: the writer is
    /// another role, so waiters are counted all the same, and the line says what it cannot see.
    @Test func aBackfillYieldsWhenWritersWaitForIt() throws {
        let governed = Self.fillNotes(
            "governed",
            """
                batch_pages: 1
                target: 100ms
                max_pause: 400ms
                writer_latency: 20ms
            """)
        try engine.withProject(
            playbooks: ["governed.yml": governed], rows: 400, devUser: "tollgate_app"
        ) {
            project, dev, _, db, _ in
            // Slow row updates keep each batch's row locks for a while: writers will meet them.
            try db.execute(
                script: """
                    create function public.slow_update() returns trigger language plpgsql as $$
                    begin perform pg_sleep(0.003); return new; end $$;
                    create trigger leads_slow before update on public.leads for each row execute function public.slow_update();
                    """)
            let ids: [UUID] = try db.query("select id from public.leads").rows.map {
                try $0.decode("id")
            }
            let done = UncheckedBox(LockedFlag())
            let writerConnection = UncheckedBox(
                try Connection(
                    ConnectionString(
                        try PostgresTestServer.connectionString().rawValue
                            + " dbname=\(db.endpoint.database!)")))
            let writer = Thread {
                while !done.value.isSet {
                    _ = try? writerConnection.value.query(
                        "update public.leads set phone = 'w' where id = \(ids.randomElement()!)")
                }
            }
            writer.start()
            nonisolated(unsafe) var progress: [BackfillProgress] = []
            try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) { event in
                if case .backfill(let line) = event { progress.append(line) }
            }.run(try project.playbook(named: "governed"), on: dev)
            done.value.set()
            while !writer.isFinished { usleep(1000) }
            let yielded = progress.compactMap(\.yielding)
            #expect(!yielded.isEmpty, "no batch made a writer wait (\(progress.count) batches)")
            #expect(yielded.allSatisfy { $0 <= .milliseconds(400) })
            #expect(
                progress.contains {
                    $0.unseen > 0
                        && $0.line().contains("of other roles unseen: grant pg_read_all_stats")
                })
            #expect(
                progress.contains {
                    $0.line().contains("waited, slowest statement")
                        && $0.line().contains(": pausing ")
                })
            let left: Int = try db.query(
                "select count(*) as n from public.leads where notes is distinct from 'filled'"
            ).first!.decode("n")
            #expect(left == 0)
        }
    }

    /// A backfill that cannot open all the connections it asks for (a role's connection limit,
    /// a small pool) walks on those it has and says so, instead of failing.
    @Test func aBackfillWalksOnTheConnectionsItCanOpen() throws {
        let role = "tollgate_narrow_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresTestServer.connect()
        try Sandbox.installRoles(on: admin, applicationPassword: "unused")
        try admin.query(
            "create role \(identifier: role) login in role tollgate_app connection limit 2")
        defer { _ = try? admin.query("drop role \(identifier: role)") }
        let playbook = Self.fillNotes("narrow", "connections: 4")
        try engine.withProject(playbooks: ["narrow.yml": playbook], rows: 300, devUser: role) {
            project, dev, _, db, _ in
            nonisolated(unsafe) var events: [RunEvent] = []
            try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) { event in
                events.append(event)
            }.run(try project.playbook(named: "narrow"), on: dev)
            let narrowed = events.compactMap { event -> Int? in
                if case .backfillNarrowed(_, let connections, let reason) = event,
                    reason.contains("too many connections")
                {
                    return connections
                }
                return nil
            }
            #expect(narrowed.count == 1 && narrowed[0] >= 1 && narrowed[0] < 4, "\(events)")
            let left: Int = try db.query(
                "select count(*) as n from public.leads where notes is distinct from 'filled'"
            ).first!.decode("n")
            #expect(left == 0)
        }
    }

    /// The backfill also watches the application's latency: while another session's statements
    /// in the database run longer than the step's writer_latency, it yields, and says why.
    @Test func aBackfillYieldsWhenTheApplicationIsSlow() throws {
        let governed = Self.fillNotes(
            "governed",
            """
                batch_pages: 1
                target: 20ms
                max_pause: 200ms
                writer_latency: 50ms
            """)
        try engine.withProject(playbooks: ["governed.yml": governed], rows: 300) {
            project, dev, _, db, _ in
            // An application statement that runs long, on no table the backfill touches: nobody
            // waits for the batches' locks, but the application is slow.
            let slowConnection = UncheckedBox(try dev.connect())
            let pid: Int32 = try slowConnection.value.query("select pg_backend_pid() as pid")
                .first!.decode("pid")
            let slow = Thread { _ = try? slowConnection.value.query("select pg_sleep(60)") }
            slow.start()
            while try !db.query(
                "select exists (select from pg_stat_activity where pid = \(pid) and state = 'active') as x"
            ).first!.decode("x", as: Bool.self) {
                usleep(1000)
            }
            usleep(60_000)
            nonisolated(unsafe) var progress: [BackfillProgress] = []
            try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) { event in
                if case .backfill(let line) = event { progress.append(line) }
            }.run(try project.playbook(named: "governed"), on: dev)
            _ = try PostgresTestServer.connect().query("select pg_cancel_backend(\(pid))")
            while !slow.isFinished { usleep(1000) }
            let governed = progress.filter { $0.yielding != nil }
            #expect(!governed.isEmpty, "the backfill never yielded (\(progress.map { $0.line() }))")
            #expect(governed.allSatisfy { $0.yielding! <= .milliseconds(200) })
            #expect(governed.allSatisfy { $0.cost?.waiting == 0 })
            #expect(
                governed.contains { $0.line().contains("(slowest statement ") },
                "\(governed.first.map { $0.line() } ?? "")")
        }
    }

}

/// Durations a fake sleep was asked for.
final class LockedDurations: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Duration] = []
    var values: [Duration] { lock.withLock { stored } }
    func append(_ value: Duration) { lock.withLock { stored.append(value) } }
}

/// A flag set from one thread and read from another.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
