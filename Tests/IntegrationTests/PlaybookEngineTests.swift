import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The playbook engine on sandbox-shaped databases: runs, resumes, gates, locks, checksums.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct PlaybookEngineTests {
    static let day1 = """
        version: 1
        playbook: day-1-demo
        steps:
          - id: organizations
            migration: 20250110090000_create_organizations.sql
          - id: org-id-leads
            sql: |
              alter table public.leads add column if not exists org_id uuid;
              alter table public.leads add constraint leads_org_id_fkey
                foreign key (org_id) references public.organizations (id) not valid;
          - id: index-leads
            sql: create index concurrently if not exists leads_org_id_idx on public.leads (org_id)
            transaction: false
            rerunnable: true
        """
    static let migration = """
        create table if not exists public.organizations (id uuid primary key default gen_random_uuid(), name text);
        insert into public.organizations (id, name) values ('a0000000-0000-0000-0000-000000000001', 'Default Organization')
        on conflict (id) do nothing;
        """

    /// A project with dev and staging on two fresh sandbox-shaped databases.
    ///
    /// - Parameter devUser: the role dev connects as (the server's superuser unless set), such
    ///   as `tollgate_app`, which owns the application's tables and has no `pg_read_all_stats`.
    func withProject<T>(
        playbooks: [String: String] = ["day-1-demo.yml": day1], stagingProtection: String = "",
        rows: Int = 50, devUser: String? = nil,
        _ body: (Project, Environment, Environment, Connection, Connection) throws -> T
    ) throws -> T {
        try withTestDatabase { dev, devName in
            try withTestDatabase { staging, stagingName in
                try Sandbox.installRoles(
                    on: PostgresTestServer.connect(), applicationPassword: "unused")
                for db in [dev, staging] {
                    try Sandbox.seedDatabase(db, options: .init(rows: rows, seed: 3))
                }
                let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "tollgate-engine-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: root) }
                let fm = FileManager.default
                try fm.createDirectory(
                    at: root.appendingPathComponent("Environments"),
                    withIntermediateDirectories: true)
                try fm.createDirectory(
                    at: root.appendingPathComponent("Playbooks/migrations"),
                    withIntermediateDirectories: true)
                try fm.copyItem(
                    at: Repository.root.appendingPathComponent("Playbooks/checks"),
                    to: root.appendingPathComponent("Playbooks/checks"))
                try copyExamples(to: root)
                try "version: 1\nname: dev\norder: 1\nconnection: ${DEV_URL}\n"
                    .write(
                        to: root.appendingPathComponent("Environments/dev.yml"), atomically: true,
                        encoding: .utf8)
                try
                    "version: 1\nname: staging\norder: 2\nconnection: ${STAGING_URL}\n\(stagingProtection)"
                    .write(
                        to: root.appendingPathComponent("Environments/staging.yml"),
                        atomically: true, encoding: .utf8)
                try Self.migration.write(
                    to: root.appendingPathComponent(
                        "Playbooks/migrations/20250110090000_create_organizations.sql"),
                    atomically: true, encoding: .utf8)
                for (name, text) in playbooks {
                    try text.write(
                        to: root.appendingPathComponent("Playbooks/\(name)"), atomically: true,
                        encoding: .utf8)
                }
                let base = try PostgresTestServer.connectionString().rawValue
                if let devUser {
                    try dev.query(
                        "grant create, connect, temporary on database \(identifier: devName) to \(identifier: devUser)"
                    )
                }
                let project = try Project.load(
                    root: root,
                    variables: VariableLookup(environment: [
                        "DEV_URL": base + " dbname=\(devName)"
                            + (devUser.map { " user=\($0)" } ?? ""),
                        "STAGING_URL": base + " dbname=\(stagingName)",
                    ]))
                return try body(
                    project, project.environments[0], project.environments[1], dev, staging)
            }
        }
    }

    func runner(
        _ project: Project, now: @escaping @Sendable () -> Date = Date.init,
        acceptChanged: Bool = false
    ) -> PlaybookRunner {
        PlaybookRunner(
            project: project,
            options: .init(actor: "tester", host: "ci", acceptChanged: acceptChanged, now: now)
        ) { _ in }
    }

    func stepRows(_ db: Connection) throws -> [String] {
        try db.query("select step || ':' || status as s from tollgate.step_runs order by step").rows
            .map { try $0.decode("s") }
    }

    @Test func runsEveryStepOnceAndResumesWithoutRepeating() throws {
        try withProject { project, dev, _, db, _ in
            let playbook = try project.playbook(named: "day-1-demo")
            let plan = try runner(project).run(playbook, on: dev)
            #expect(plan.steps.map(\.disposition) == [.willRun, .willRun, .willRun])
            #expect(
                try stepRows(db) == [
                    "index-leads:succeeded", "org-id-leads:succeeded", "organizations:succeeded",
                ])
            let recorded: String = try db.query(
                "select name from supabase_migrations.schema_migrations where version = '20250110090000'"
            ).first!.decode("name")
            #expect(recorded == "create_organizations")
            let fingerprint = try CatalogSnapshot.load(from: db).fingerprint

            let again = try runner(project).run(playbook, on: dev)
            #expect(
                again.steps.map(\.disposition) == [
                    .alreadyApplied, .alreadyApplied, .alreadyApplied,
                ])
            #expect(try CatalogSnapshot.load(from: db).fingerprint == fingerprint)
            let started: Int = try db.query(
                "select count(*) as n from tollgate.events where event = 'started' and step = 'organizations'"
            ).first!.decode("n")
            #expect(started == 0)  // transactional steps write one row, never 'started'
            #expect(try Ledger(db).completedPlaybooks() == ["day-1-demo"])
        }
    }

    /// Each schema step records what it left: transactional and not, whatever SQL it ran; a
    /// step that failed records nothing, since its rows roll back with it.
    @Test func stepsRecordTheObjectsTheyLeave() throws {
        try withProject { project, dev, _, db, _ in
            try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
            let effects = try Ledger(db).schemaEffects().map {
                "\($0.step) \($0.kind) \($0.object) \($0.description ?? "removed")"
            }
            #expect(
                effects.contains {
                    $0.hasPrefix("organizations table public.organizations table, owner ")
                })
            #expect(effects.contains("organizations column public.organizations.name text"))
            #expect(
                effects.contains(
                    "organizations constraint public.organizations.organizations_pkey PRIMARY KEY (id)"
                ))
            #expect(effects.contains("org-id-leads column public.leads.org_id uuid"))
            #expect(
                effects.contains(
                    "org-id-leads constraint public.leads.leads_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations(id) (NOT VALID)"
                ))
            #expect(
                effects.contains(
                    "index-leads index public.leads.leads_org_id_idx CREATE INDEX leads_org_id_idx ON public.leads USING btree (org_id)"
                ))
            // Nothing else changed, so nothing else is recorded.
            #expect(effects.allSatisfy { $0.contains("organizations") || $0.contains("org_id") })
            let migrations = try db.query(
                "select distinct migration from tollgate.schema_effects where migration is not null"
            ).rows
            #expect(
                try migrations.map { try $0.decode("migration", as: String.self) } == [
                    "20250110090000"
                ])
            // A transactional step's change and its ledger row commit in one transaction; what
            // it changed is read and written in another, after it: the whole catalog's reading
            // must not run under the step's locks.
            let transactions = try db.query(
                """
                select (select xmin::text from pg_attribute
                        where attrelid = 'public.leads'::regclass and attname = 'org_id') as change,
                       (select xmin::text from tollgate.step_runs where step = 'org-id-leads') as ledger,
                       (select min(xmin::text) from tollgate.schema_effects where step = 'org-id-leads') as effects
                """
            ).rows[0]
            let change: String = try transactions.decode("change")
            #expect(try transactions.decode("ledger", as: String.self) == change)
            #expect(try transactions.decode("effects", as: String.self) != change)
        }
    }

    /// When what a transactional step changed cannot be written after its commit, the step
    /// stays succeeded (its change is committed) and the run says so; it is not a failure.
    @Test func effectsThatCannotBeWrittenLeaveTheStepSucceeded() throws {
        let playbook = """
            version: 1
            playbook: day-1-demo
            steps:
              - id: org-id-leads
                sql: alter table public.leads add column if not exists org_id uuid
            """
        try withProject(playbooks: ["day-1-demo.yml": playbook]) { project, dev, _, db, _ in
            try Ledger(db).install()
            try db.execute(
                script: """
                    create function public.refuse_effects() returns trigger language plpgsql
                      as $$ begin raise exception 'no effects today'; end $$;
                    create trigger refuse before insert on tollgate.schema_effects
                      for each row execute function public.refuse_effects();
                    """)
            nonisolated(unsafe) var lines: [String] = []
            try PlaybookRunner(project: project, options: .init(actor: "tester", host: "ci")) {
                event in
                if case .effectsNotRecorded(let step, let reason) = event {
                    lines.append("\(step): \(reason)")
                }
            }.run(try project.playbook(named: "day-1-demo"), on: dev)
            #expect(try stepRows(db) == ["org-id-leads:succeeded"])
            #expect(
                try db.query(
                    "select count(*) as n from pg_attribute where attrelid = 'public.leads'::regclass and attname = 'org_id'"
                ).first!.values == ["1"])
            #expect(lines.count == 1)
            #expect(lines.first?.contains("org-id-leads: ") == true)
            #expect(lines.first?.contains("P0001") == true, "\(lines)")
            #expect(lines.first?.contains("no effects today") == true)
        }
    }

    /// A ledger made by an older tollgate (version 1) is upgraded in place by the next run,
    /// keeping its history.
    @Test func anOlderLedgerIsUpgradedInPlace() throws {
        try withProject { project, dev, _, db, _ in
            try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
            try db.execute(
                script: """
                    drop table tollgate.schema_effects;
                    drop table tollgate.backfill_cursors;
                    drop table tollgate.binding;
                    alter table tollgate.approvals drop column playbook_checksum;
                    delete from tollgate.releases where version > 1;
                    """)
            #expect(try Ledger(db).version() == 1)
            #expect(try Ledger(db).schemaEffects().isEmpty)
            let again = try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
            #expect(again.steps.allSatisfy { $0.disposition == .alreadyApplied })
            #expect(try Ledger(db).version() == 7)
            let comment: String? = try db.query(
                "select col_description('tollgate.step_runs'::regclass, (select attnum from pg_attribute where attrelid = 'tollgate.step_runs'::regclass and attname = 'lock_held_ms')) as c"
            ).first!.decodeIfPresent("c")
            #expect(comment?.contains("when its ledger rows arrive") == true, "\(comment ?? "")")
            #expect(try Ledger(db).binding()?.environment == "dev")  // bound on its first use since
            let tables: Int = try db.query(
                "select count(*) as n from pg_tables where schemaname = 'tollgate' and tablename in ('schema_effects', 'backfill_cursors')"
            ).first!.decode("n")
            #expect(tables == 2)
            let runs: Int = try db.query(
                "select count(*) as n from tollgate.runs where outcome = 'succeeded'"
            ).first!.decode("n")
            #expect(runs == 2)
        }
    }

    @Test func aFailingStepRollsBackWithItsLedgerRowAndTheRunResumes() throws {
        let broken = Self.day1.replacingOccurrences(
            of: "references public.organizations (id) not valid",
            with: "references public.organisations (id) not valid")
        try withProject(playbooks: ["day-1-demo.yml": broken]) { project, dev, _, db, _ in
            let playbook = try project.playbook(named: "day-1-demo")
            do {
                try runner(project).run(playbook, on: dev)
                Issue.record("expected the step to fail")
            } catch let error as RunError {
                #expect(error.exitStatus == .stepFailed)
                #expect(
                    error.description
                        == "step 'org-id-leads' of day-1-demo failed on dev: environment 'dev': ERROR 42P01: relation \"public.organisations\" does not exist"
                )
            }
            // The failed step's own statements rolled back with it: no org_id column.
            let column: Bool = try db.query(
                "select exists (select from pg_attribute where attrelid = 'public.leads'::regclass and attname = 'org_id') as x"
            ).first!.decode("x")
            #expect(!column)
            #expect(try stepRows(db) == ["org-id-leads:failed", "organizations:succeeded"])
            // …and so did the effects it would have recorded.
            #expect(try Ledger(db).schemaEffects().allSatisfy { $0.step == "organizations" })
        }
        try withProject { project, dev, _, db, _ in
            // Resume after a fix: the first step is not applied twice.
            try db.execute(script: Self.migration)
            try Ledger(db).install()
            _ = try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
            #expect(try stepRows(db).count == 3)
        }
    }

    @Test func gatesBlockWithTheirReasonAndChangeNothing() throws {
        let day2 = """
            version: 1
            playbook: day-2-demo
            gates:
              requires: [day-1-demo]
              before: [warden]
              soak: 1h
              approvals: 2
            steps:
              - id: touch
                sql: create table public.touched (n int)
            """
        try withProject(playbooks: ["day-1-demo.yml": Self.day1, "day-2-demo.yml": day2]) {
            project, dev, staging, _, stagingDB in
            let day2 = try project.playbook(named: "day-2-demo")
            let before = try CatalogSnapshot.load(from: stagingDB).fingerprint
            try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
            do {
                try runner(project).run(day2, on: staging)
                Issue.record("expected the gates to block")
            } catch let error as RunError {
                #expect(error.exitStatus == .blocked)
                guard case .blocked(let plan) = error else { throw error }
                #expect(
                    plan.blockingGates.map(\.name) == [
                        "requires day-1-demo", "promotion from dev", "approvals",
                        "before: suite warden",
                    ])
                #expect(plan.blockingGates[0].unblock == "tollgate run day-1-demo --env staging")
                #expect(plan.blockingGates[1].detail == "day-2-demo has not succeeded on dev")
                #expect(plan.blockingGates[2].detail == "0 of 2 approvals")
                #expect(
                    plan.blockingGates[3].detail
                        == "failed: organizations-table: no table public.organizations")
            }
            #expect(try CatalogSnapshot.load(from: stagingDB).fingerprint == before)
            let runs: Int = try stagingDB.query("select count(*) as n from tollgate.runs").first!
                .decode("n")
            #expect(runs == 0)
            let gateEvents: Int = try stagingDB.query(
                "select count(*) as n from tollgate.events where event = 'gate_failed'"
            ).first!.decode("n")
            #expect(gateEvents == 4)

            // Approvals count distinct approvers.
            let ledger = Ledger(stagingDB)
            #expect(try ledger.approve(playbook: day2, approver: "alice", note: "looks good"))
            #expect(try !ledger.approve(playbook: day2, approver: "alice", note: nil))
            #expect(try ledger.approve(playbook: day2, approver: "bob", note: nil))
            let plan = try runner(project).plan(day2, on: staging)
            #expect(
                plan.gates.first { $0.name == "approvals" }?.detail
                    == "2 of 2 approvals (alice, bob)")
        }
    }

    @Test func promotionWaitsForTheSoak() throws {
        try withProject(stagingProtection: "protection:\n  soak_after_previous: 2h\n") {
            project, dev, staging, _, _ in
            let playbook = try project.playbook(named: "day-1-demo")
            try runner(project).run(playbook, on: dev)
            let early = try runner(project, now: { Date().addingTimeInterval(3600) }).plan(
                playbook, on: staging)
            let gate = try #require(early.gates.first { $0.name == "promotion from dev" })
            #expect(!gate.passed)
            #expect(
                gate.unblock == "wait 1h more" || gate.unblock == "wait 59m59s more"
                    || gate.unblock?.hasPrefix("wait 1h") == true)
            let late = try runner(project, now: { Date().addingTimeInterval(2 * 3600 + 5) }).plan(
                playbook, on: staging)
            #expect(late.gates.first { $0.name == "promotion from dev" }?.passed == true)
        }
    }

    @Test func aSecondRunnerIsRefusedWhileTheFirstHoldsTheLock() throws {
        try withProject { project, dev, _, db, _ in
            let holder = try dev.connect()
            #expect(try holder.tryAdvisoryLock(key: Ledger.runnerLockKey))
            do {
                try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
                Issue.record("expected the lock to be busy")
            } catch let error as RunError {
                #expect(error.exitStatus == .blocked)
                #expect(
                    error.description.hasPrefix(
                        "blocked by another tollgate run on dev (pid \(holder.backendPID)"))
            }
            #expect(try Ledger(db).exists() == false)  // nothing happened
            try holder.advisoryUnlock(key: Ledger.runnerLockKey)
            try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
        }
    }

    @Test func anEditedMigrationBlocksUntilAccepted() throws {
        try withProject { project, dev, _, db, _ in
            try runner(project).run(try project.playbook(named: "day-1-demo"), on: dev)
            try (Self.migration + "\n-- edited after it ran\n").write(
                to: project.root.appendingPathComponent(
                    "Playbooks/migrations/20250110090000_create_organizations.sql"),
                atomically: true,
                encoding: .utf8)
            let edited = try Project.load(
                root: project.root,
                variables: VariableLookup(environment: [
                    "DEV_URL": dev.connection.rawValue, "STAGING_URL": dev.connection.rawValue,
                ]))
            do {
                try runner(edited).run(
                    try edited.playbook(named: "day-1-demo"), on: edited.environments[0])
                Issue.record("expected the edit to block")
            } catch let error as RunError {
                #expect(error.description.contains("step 'organizations' changed since it ran"))
            }
            // Line endings alone are not an edit.
            try Self.migration.replacingOccurrences(of: "\n", with: "\r\n").write(
                to: project.root.appendingPathComponent(
                    "Playbooks/migrations/20250110090000_create_organizations.sql"),
                atomically: true,
                encoding: .utf8)
            let crlf = try Project.load(
                root: project.root,
                variables: VariableLookup(environment: [
                    "DEV_URL": dev.connection.rawValue, "STAGING_URL": dev.connection.rawValue,
                ]))
            #expect(
                try runner(crlf).plan(
                    try crlf.playbook(named: "day-1-demo"), on: crlf.environments[0]
                ).isBlocked == false)
            try runner(edited, acceptChanged: true).run(
                try edited.playbook(named: "day-1-demo"), on: edited.environments[0])
            let repaired: Int = try db.query(
                "select count(*) as n from tollgate.events where event = 'repaired'"
            ).first!.decode("n")
            #expect(repaired == 1)
        }
    }
}

extension PlaybookEngineTests {
    @Test func aBusyTableIsRetriedUnderLockTimeoutInsteadOfQueueing() throws {
        let playbook = """
            version: 1
            playbook: day-1-demo
            steps:
              - id: organizations
                migration: 20250110090000_create_organizations.sql
              - id: touch-leads
                sql: alter table public.leads add column if not exists org_id uuid
                lock_timeout: 200ms
                retries: 8
            """
        try withProject(playbooks: ["day-1-demo.yml": playbook]) { project, dev, _, db, _ in
            let holder = try dev.connect()
            try holder.query("begin")
            try holder.query("lock table public.leads in access share mode")
            // The reader lets go once the step has been refused and is about to try again: the
            // retry is seen for certain, whatever the machine's speed.
            nonisolated(unsafe) var events: [RunEvent] = []
            let runner = PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) {
                event in
                events.append(event)
                if case .retrying = event { _ = try? holder.query("commit") }
            }
            try runner.run(try project.playbook(named: "day-1-demo"), on: dev)
            #expect(
                events.contains {
                    if case .retrying("touch-leads", 1, 8, _) = $0 { true } else { false }
                })
            guard case .applied("day-1-demo", "touch-leads", _)? = events.last else {
                Issue.record(
                    "expected the step to end applied, got \(String(describing: events.last))")
                return
            }
            let column: Bool = try db.query(
                "select exists (select from pg_attribute where attrelid = 'public.leads'::regclass and attname = 'org_id') as x"
            ).first!.decode("x")
            #expect(column)
        }
    }
}
