import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The resume promise, tested on the real binary: kill it at several points, terminate its
/// connection, run two at once; then `run` again finishes the job with no step twice.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CrashResumeTests {
    /// Advisory lock keys the test holds to stop the runner inside a step.
    static let transactionalGate: Int64 = 4_242_001
    static let rerunnableGate: Int64 = 4_242_002

    /// Steps of each kind that wait on a lock the test may hold, so that the test knows where
    /// the runner is when it kills it, instead of guessing with a sleep.
    static let playbook = """
        version: 1
        playbook: day-1-demo
        steps:
          - id: organizations
            migration: 20250110090000_create_organizations.sql
          - id: slow-transactional
            sql: |
              alter table public.leads add column if not exists org_id uuid;
              select pg_advisory_xact_lock(\(transactionalGate));
            lock_timeout: 60s
          - id: slow-rerunnable
            sql: select pg_advisory_lock(\(rerunnableGate)), pg_advisory_unlock(\(rerunnableGate))
            transaction: false
            rerunnable: true
            lock_timeout: 60s
          - id: index
            sql: create index concurrently if not exists leads_org_id_idx on public.leads (org_id)
            transaction: false
            rerunnable: true
          - id: pause
            wait: 2s
          - id: last
            sql: create table public.done (n int)
        """

    func start(_ project: Project, _ arguments: [String]) throws -> ProcessRunner.Running {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["DEV_URL"] = project.environments[0].connection.rawValue
        environment["STAGING_URL"] = project.environments[1].connection.rawValue
        environment["NO_COLOR"] = "1"
        return try ProcessRunner().start(
            Repository.binary.path, arguments, environment: environment,
            directory: project.root.path)
    }

    func run(
        _ project: Project, _ arguments: [String] = ["run", "day-1-demo", "--env", "dev"]
    ) throws -> ProcessRunner.Output {
        try start(project, arguments).wait()
    }

    /// Each step succeeded once; transactional steps were never recorded as started.
    func expectFinished(
        _ db: Connection, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let steps = try db.query("select step, status from tollgate.step_runs order by step").rows
            .map {
                "\(try $0.decode("step", as: String.self)):\(try $0.decode("status", as: String.self))"
            }
        #expect(
            steps == [
                "index:succeeded", "last:succeeded", "organizations:succeeded", "pause:succeeded",
                "slow-rerunnable:succeeded",
                "slow-transactional:succeeded",
            ], sourceLocation: sourceLocation)
        let twice: [String] = try db.query(
            """
            select step from tollgate.events where event = 'succeeded' and step is not null
            group by step having count(*) > 1
            """
        ).rows.map { try $0.decode("step") }
        #expect(twice.isEmpty, "applied twice: \(twice)", sourceLocation: sourceLocation)
        let supabase: Int = try db.query(
            "select count(*) as n from supabase_migrations.schema_migrations where version = '20250110090000'"
        ).first!.decode("n")
        #expect(supabase == 1, sourceLocation: sourceLocation)
    }

    /// Where a run is killed: inside a transactional step, inside a non-transactional one,
    /// or during a wait.
    enum KillPoint: String, CaseIterable, Sendable {
        case transactionalStep, nonTransactionalStep, wait
    }

    /// Waits (bounded) until `condition` holds, polling the database, not the clock.
    func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        for _ in 0..<2000 {
            if try condition() { return }
            usleep(10_000)
        }
        Issue.record("timed out waiting until \(what)")
    }

    /// Waits until a session of `database` waits on the advisory lock `key`: the runner has reached
    /// the step that takes it.
    ///
    /// Other tests use the same keys in their own databases.
    func waitUntilSomeoneWaits(on key: Int64, in database: String, _ what: String) throws {
        let admin = try PostgresTestServer.connect()
        try waitUntil(what) {
            try admin.query(
                """
                select exists (select from pg_locks where locktype = 'advisory' and not granted
                  and objid = \(key % (1 << 32)) and objsubid = 1
                  and database = (select oid from pg_database where datname = \(database))) as waiting
                """
            ).first!.decode("waiting")
        }
    }

    @Test(arguments: KillPoint.allCases)
    func killedAtAnyPointRunAgainFinishesTheJob(at point: KillPoint) throws {
        try PlaybookEngineTests().withProject(playbooks: ["day-1-demo.yml": Self.playbook]) {
            project, dev, _, db, _ in
            // The gate connection holds the lock where the runner must stop. Other tests use
            // the same keys in their own databases: every look at pg_locks names this one.
            let database: String = try db.query("select current_database() as d").first!.decode("d")
            let gate = try dev.connect()
            switch point {
            case .transactionalStep:
                try gate.query("select pg_advisory_lock(\(Self.transactionalGate))")
            case .nonTransactionalStep:
                try gate.query("select pg_advisory_lock(\(Self.rerunnableGate))")
            case .wait: break
            }
            let process = try start(project, ["run", "day-1-demo", "--env", "dev"])
            let admin = try dev.connect()
            switch point {
            case .transactionalStep, .nonTransactionalStep:
                let key = point == .transactionalStep ? Self.transactionalGate : Self.rerunnableGate
                try waitUntilSomeoneWaits(on: key, in: database, "the runner waits on lock \(key)")
            case .wait:
                try waitUntil("the wait step has started") {
                    // The ledger does not exist until the run creates it.
                    let started = try? admin.query(
                        "select exists (select from tollgate.step_runs where step = 'pause' and status = 'started') as started"
                    ).first?.decode("started", as: Bool.self)
                    return started == true
                }
            }
            process.kill()
            let killed = try process.wait()
            #expect(killed.status == 128 + SIGKILL, "\(killed.stdout)\(killed.stderr)")
            try gate.query("select pg_advisory_unlock_all()")
            let resumed = try run(project)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            try expectFinished(db)
            // The same schema as a run that was never interrupted.
            try PlaybookEngineTests().withProject(playbooks: ["day-1-demo.yml": Self.playbook]) {
                clean, _, _, cleanDB, _ in
                let uninterrupted = try run(clean)
                #expect(uninterrupted.status == 0, "\(uninterrupted.stdout)\(uninterrupted.stderr)")
                let expected = try CatalogSnapshot.load(from: cleanDB).fingerprint
                let found = try CatalogSnapshot.load(from: db).fingerprint
                #expect(found == expected)
            }
        }
    }

    /// A backfill walking on one connection or several, killed while one connection's batch
    /// waits in the middle of the table and the others have walked past it, finishes on the next
    /// run with every row updated exactly once, and its cursor never passed the waiting batch.
    @Test(arguments: [1, 3])
    func aKilledBackfillResumesWithEveryRowUpdatedOnce(connections: Int) throws {
        let gate: Int64 = 4_242_003
        let playbook = """
            version: 1
            playbook: day-2-demo
            steps:
              - id: fill
                backfill:
                  table: public.visits
                  set: org_id = '00000000-0000-0000-0000-00000000000a', visits = t.visits + 1
                  where: t.org_id is null
                  batch_pages: 2
                  target: 5ms
                  connections: \(connections)
                lock_timeout: 60s
            """
        try PlaybookEngineTests().withProject(playbooks: ["day-2-demo.yml": playbook]) {
            project, dev, _, db, _ in
            let database: String = try db.query("select current_database() as d").first!.decode("d")
            // A row in the middle waits on the gate while the test holds it: the batch that
            // holds it waits, and the other connections walk on past it to the end.
            try db.execute(
                script: """
                    create table public.visits (id int primary key, org_id uuid, visits int not null default 0,
                                                pad text not null) with (fillfactor = 50);
                    insert into public.visits select i, null, 0, repeat('x', 200) from generate_series(1, 20000) i;
                    create function public.visits_gate() returns trigger language plpgsql as $$
                    begin
                      if new.id = 6000 then perform pg_advisory_xact_lock_shared(\(gate)); end if;
                      return new;
                    end $$;
                    create trigger visits_gate before update on public.visits
                      for each row execute function public.visits_gate();
                    """)
            let holder = try dev.connect()
            try holder.query("select pg_advisory_lock(\(gate))")
            let admin = try PostgresTestServer.connect()
            let process = try start(project, ["run", "day-2-demo", "--env", "dev"])
            try waitUntil("a batch waits at the gate and the others walked past it") {
                let row = try admin.query(
                    """
                    select (select count(*) from pg_locks where locktype = 'advisory' and not granted
                              and objid = \(gate % (1 << 32)) and objsubid = 1
                              and database = (select oid from pg_database where datname = \(database))) as waiting
                    """
                ).first!
                let waiting: Int = try row.decode("waiting")
                guard waiting >= 1 else { return false }
                if connections == 1 { return true }
                let past: Int = try db.query(
                    "select count(*) as n from public.visits where id > 12000 and visits = 0"
                ).first!.decode("n")
                return past == 0
            }
            process.kill()
            let killed = try process.wait()
            #expect(killed.status == 128 + SIGKILL, "\(killed.stdout)\(killed.stderr)")
            try holder.query("select pg_advisory_unlock_all()")
            // The killed run's sessions finish their statements, find no client and roll back.
            let ours = [holder.backendPID, db.backendPID]
            try waitUntil("the killed run's sessions are gone") {
                try admin.query(
                    """
                    select count(*) as n from pg_stat_activity
                    where datname = \(database) and backend_type = 'client backend' and pid <> all(\(ours.map { String($0) })::int[])
                    """
                ).first!.decode("n", as: Int.self) == 0
            }
            let before: Int = try db.query(
                "select count(*) as n from public.visits where visits = 1"
            ).first!.decode("n")
            #expect(before > 0 && before < 20000, "the walk was killed after \(before) rows")
            // The cursor never passes a page a connection had not committed: every row before
            // it is done (the sweep would hide a cursor that ran ahead).
            let behind: Int = try db.query(
                """
                select count(*) as n from public.visits v, tollgate.backfill_cursors c
                where c.step = 'fill' and v.org_id is null and (v.ctid::text::point)[0] < c.next_page
                """
            ).first!.decode("n")
            #expect(behind == 0, "\(behind) rows before the cursor were not updated")
            let resumed = try run(project, ["run", "day-2-demo", "--env", "dev"])
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            let row = try db.query(
                """
                select count(*) filter (where visits <> 1 or org_id is null) as wrong,
                       (select rows_done from tollgate.backfill_cursors where step = 'fill') as recorded
                from public.visits
                """
            ).first!
            #expect(try row.decode("wrong", as: Int.self) == 0)
            #expect(try row.decode("recorded", as: Int.self) == 20000)
        }
    }

    @Test func aTerminatedConnectionExitsFourAndResumes() throws {
        try PlaybookEngineTests().withProject(playbooks: ["day-1-demo.yml": Self.playbook]) {
            project, _, _, db, _ in
            let database: String = try db.query("select current_database() as d").first!.decode("d")
            let gate = try PostgresTestServer.connect(database: database)
            try gate.query("select pg_advisory_lock(\(Self.transactionalGate))")
            let process = try start(project, ["run", "day-1-demo", "--env", "dev"])
            let admin = try PostgresTestServer.connect()
            var terminated = false
            try waitUntil("the runner's step is terminated") {
                // The backend waiting on the test's lock is the runner's, inside its step.
                terminated = try admin.query(
                    """
                    select coalesce(bool_or(pg_terminate_backend(pid)), false) as done from pg_locks
                    where locktype = 'advisory' and not granted and objid = \(Self.transactionalGate % (1 << 32)) and objsubid = 1
                    and database = (select oid from pg_database where datname = \(database))
                    """
                ).first!.decode("done")
                return terminated
            }
            try gate.query("select pg_advisory_unlock_all()")
            #expect(terminated)
            let result = try process.wait()
            #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
            #expect(result.stderr.contains("failed on dev"))
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(try run(project).status == 0)
            try expectFinished(db)
        }
    }

    @Test func twoRunnersAtOnceExactlyOneProceedsAndAWaiterDoesNotDeadlockAnIndexBuild() throws {
        try PlaybookEngineTests().withProject(playbooks: ["day-1-demo.yml": Self.playbook]) {
            project, _, _, db, _ in
            // The first runner stops inside its transactional step, holding the runner lock.
            let database: String = try db.query("select current_database() as d").first!.decode("d")
            let gate = try PostgresTestServer.connect(database: database)
            try gate.query("select pg_advisory_lock(\(Self.transactionalGate))")
            let first = try start(project, ["run", "day-1-demo", "--env", "dev"])
            try waitUntilSomeoneWaits(
                on: Self.transactionalGate, in: database, "the first runner is inside its step")
            let refused = try run(project)
            #expect(refused.status == 1)
            #expect(refused.stderr.hasPrefix("error: blocked by another tollgate run on dev (pid "))
            // A second runner that waits: the first builds its index concurrently meanwhile.
            let waiter = try start(project, ["run", "day-1-demo", "--env", "dev", "--wait", "60s"])
            try gate.query("select pg_advisory_unlock_all()")
            let firstResult = try first.wait()
            #expect(firstResult.status == 0, "\(firstResult.stdout)\(firstResult.stderr)")
            let waited = try waiter.wait()
            #expect(waited.status == 0, "\(waited.stdout)\(waited.stderr)")
            #expect(waited.stdout.contains("waiting up to 1m"))
            #expect(waited.stdout.contains("= day-1-demo/last .. already applied"))
            try expectFinished(db)
        }
    }
}

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct PlaybookCommandTests {
    @Test func planApproveHistoryThroughTheBinary() throws {
        let playbooks = ["day-1-demo.yml": PlaybookEngineTests.day1]
        try PlaybookEngineTests().withProject(
            playbooks: playbooks, stagingProtection: "protection:\n  approvals_required: 1\n"
        ) { project, _, _, _, _ in
            let tests = CrashResumeTests()
            let blocked = try tests.run(project, ["plan", "day-1-demo", "--env", "staging"])
            #expect(blocked.status == 1)
            #expect(
                blocked.stdout.contains("✗ promotion from dev: day-1-demo has not succeeded on dev")
            )
            #expect(blocked.stdout.contains("to unblock: tollgate run day-1-demo --env dev"))
            #expect(blocked.stdout.contains("✗ approvals: 0 of 1 approvals"))

            #expect(try tests.run(project).status == 0)
            let approved = try tests.run(
                project,
                [
                    "approve", "day-1-demo", "--env", "staging", "--as", "alice", "--note",
                    "reviewed",
                ])
            #expect(approved.status == 0)
            #expect(
                approved.stdout
                    == "approved day-1-demo on staging as alice: 1 of 1 approvals (alice)\n")
            let protected = try tests.run(project, ["run", "day-1-demo", "--env", "staging"])
            #expect(protected.status == 2)
            #expect(
                protected.stderr
                    == "error: staging is protected: pass --yes to run without a terminal\n")
            let ready = try tests.run(
                project, ["plan", "day-1-demo", "--env", "staging", "--format", "json"])
            #expect(ready.status == 0)
            #expect(ready.stdout.contains("\"blocked\" : false"))
            let ran = try tests.run(
                project, ["run", "day-1-demo", "--env", "staging", "--yes", "--actor", "ci-bot"])
            #expect(ran.status == 0, "\(ran.stderr)")

            let history = try tests.run(
                project, ["history", "--env", "staging", "--format", "json"])
            #expect(history.status == 0)
            let document =
                try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as! [String: Any]
            #expect(document["version"] as? Int == 1)
            let events = (document["events"] as! [[String: Any]]).map {
                "\($0["event"]!):\($0["actor"]!)"
            }
            #expect(events.contains("approved:alice"))
            #expect(events.last == "succeeded:ci-bot")
            let unknown = try tests.run(project, ["plan", "day-1", "--env", "dev"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr.hasPrefix("error: unknown playbook 'day-1' (known: day-1-demo)"))
        }
    }
}

extension PlaybookCommandTests {
    @Test func shellStepsAndRunThrough() throws {
        let second = """
            version: 1
            playbook: day-2-demo
            gates:
              requires: [day-1-demo]
            steps:
              - id: deploy
                shell: echo "deploying $TOLLGATE_PLAYBOOK/$TOLLGATE_STEP to $TOLLGATE_ENVIRONMENT"
            """
        let failing = """
            version: 1
            playbook: day-3-demo
            gates:
              requires: [day-2-demo]
            steps:
              - id: hook
                shell: echo "about to fail" && exit 7
            """
        try PlaybookEngineTests().withProject(
            playbooks: [
                "day-1-demo.yml": PlaybookEngineTests.day1, "day-2-demo.yml": second,
                "day-3-demo.yml": failing,
            ]
        ) { project, _, _, db, _ in
            let tests = CrashResumeTests()
            let through = try tests.run(
                project, ["run", "--through", "day-2-demo", "--env", "dev"])
            #expect(through.status == 0, "\(through.stderr)")
            #expect(through.stdout.contains("day-1-demo on dev: succeeded"))
            #expect(through.stdout.contains("day-2-demo on dev: succeeded"))
            #expect(!through.stdout.contains("day-3-demo"))
            let output: String = try db.query(
                "select output from tollgate.step_runs where step = 'deploy'"
            ).first!.decode("output")
            #expect(output == "deploying day-2-demo/deploy to dev")

            let failed = try tests.run(project, ["run", "day-3-demo", "--env", "dev"])
            #expect(failed.status == 4)
            #expect(
                failed.stderr
                    == "error: step 'hook' of day-3-demo failed on dev: the command exited 7: about to fail\n"
            )
            let status: String = try db.query(
                "select status || ':' || coalesce(error, '') as s from tollgate.step_runs where step = 'hook'"
            ).first!.decode("s")
            #expect(status == "failed:exit 7")
        }
    }
}

/// A server-side interruption of `CREATE INDEX CONCURRENTLY` leaves an INVALID index that
/// `IF NOT EXISTS` would skip for ever: the rerun repairs it, and only what it left itself.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct InterruptedIndexTests {
    @Test func aRerunRebuildsTheIndexAnInterruptedBuildLeftInvalid() throws {
        try PlaybookEngineTests().withProject { project, _, _, db, _ in
            let tests = CrashResumeTests()
            let database: String = try db.query("select current_database() as d").first!.decode("d")
            // An open snapshot in the same database makes the build wait before it marks the
            // index valid ("waiting for old snapshots"): there the server ends it, as a crash
            // or a failover would, and the index is left INVALID.
            let reader = try PostgresTestServer.connect(database: database)
            try reader.query("begin isolation level repeatable read")
            try reader.query("select 1")
            let process = try tests.start(project, ["run", "day-1-demo", "--env", "dev"])
            let admin = try PostgresTestServer.connect()
            var terminated = false
            try tests.waitUntil("the index build waits for old snapshots") {
                terminated = try admin.query(
                    """
                    select coalesce(bool_or(pg_terminate_backend(p.pid)), false) as done
                    from pg_stat_progress_create_index p join pg_database d on d.oid = p.datid
                    where d.datname = \(database) and p.phase = 'waiting for old snapshots'
                    """
                ).first!.decode("done")
                return terminated
            }
            try reader.query("rollback")
            let interrupted = try process.wait()
            #expect(interrupted.status == 4, "\(interrupted.stdout)\(interrupted.stderr)")
            let valid: Bool = try db.query(
                "select indisvalid as v from pg_index where indexrelid = 'public.leads_org_id_idx'::regclass"
            ).first!.decode("v")
            #expect(!valid)

            let rerun = try tests.run(project)
            #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
            #expect(
                rerun.stdout.contains(
                    "index public.leads_org_id_idx was left INVALID by an interrupted build; dropped, building it again"
                ))
            let repaired: Bool = try db.query(
                "select indisvalid as v from pg_index where indexrelid = 'public.leads_org_id_idx'::regclass"
            ).first!.decode("v")
            #expect(repaired)
            let recorded: String = try db.query(
                "select detail from tollgate.events where event = 'repaired' and step = 'index-leads'"
            ).first!.decode("detail")
            #expect(recorded.contains("dropped invalid index public.leads_org_id_idx"))
        }
    }

    /// An invalid index the step did not leave (a unique build that found duplicates) is
    /// not dropped: the step fails and says why.
    @Test func anInvalidIndexTheStepDidNotLeaveIsNotDropped() throws {
        try PlaybookEngineTests().withProject { project, _, _, db, _ in
            #expect(throws: PostgresError.self) {
                try db.execute(
                    script:
                        "create unique index concurrently leads_org_id_idx on public.leads (user_id)"
                )
            }
            let result = try CrashResumeTests().run(project)
            #expect(result.status == 4)
            #expect(
                result.stderr.contains(
                    "index public.leads_org_id_idx exists but is INVALID, and this step did not leave it half built (a unique index whose build found duplicate values?)"
                ))
            let stillThere: Int = try db.query(
                "select count(*) as n from pg_class where relname = 'leads_org_id_idx'"
            ).first!.decode("n")
            #expect(stillThere == 1)
        }
    }
}
