import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The shipped rollout playbooks on sandbox-shaped databases.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct RolloutTests {
    func day1(drifted: Bool) throws {
        try WardenGateTests().withSandboxDatabase(migrated: false) { db, environment, project in
            if drifted { try Sandbox.applyDrift(to: db, environment: "dev") }
            let playbook = try project.playbook(named: "day-1-organizations")
            let runner = PlaybookRunner(
                project: project, options: .init(actor: "test", host: "test")
            ) { _ in }
            let plan = try runner.run(playbook, on: environment)
            #expect(plan.gates.map(\.name) == ["before: suite day-1-ready"])

            let warden = CheckRunner(project: project).run(
                [try project.suite(named: "warden")], on: environment)
            let failing = Set(try #require(warden.suites.first).failures.map(\.check))
            // Day 1's part of the blocker list is gone; what Days 2 and 3 do remains (the
            // backend was compiled against NOT NULL org_id columns).
            #expect(
                failing == [
                    "org-id-not-null", "org-id-foreign-key", "org-id-index", "no-null-org-id",
                    "users-have-org-id", "users-org-matches-rows", "backend-expectations",
                ])
            let notValid = try #require(
                warden.suites.first?.results.first {
                    $0.check == "org-id-foreign-key" && $0.subject == "public.calls"
                })
            #expect(notValid.found?.hasPrefix("foreign key calls_org_id_fkey is NOT VALID") == true)

            let fingerprint = try CatalogSnapshot.load(from: db).fingerprint
            let again = try runner.run(playbook, on: environment)
            #expect(again.steps.allSatisfy { $0.disposition == .alreadyApplied })
            #expect(try CatalogSnapshot.load(from: db).fingerprint == fingerprint)
            let organizations: Int = try db.query("select count(*) as n from public.organizations")
                .first!.decode("n")
            #expect(organizations == 1)
        }
    }

    @Test func day1FromTheStartingState() throws { try day1(drifted: false) }

    /// The drifted dev: organizations made by hand in another shape, org_id on two tables, nothing
    /// recorded.
    ///
    /// Day 1 resumes instead of failing.
    @Test func day1FromTheDriftedDev() throws { try day1(drifted: true) }

    @Test(arguments: ["default-org", "org-per-user", "org-per-email-domain"])
    func daysOneToThreeUnblockWarden(tenantModel: String) throws {
        try WardenGateTests().withSandboxDatabase(migrated: false) { db, base, project in
            let environment = Environment(
                name: "dev", order: 1, connection: base.connection,
                variables: ["tenant_model": tenantModel], location: base.location)
            let runner = PlaybookRunner(
                project: project, options: .init(actor: "test", host: "test")
            ) { _ in }
            for name in ["day-1-organizations", "day-2-backfill", "day-3-jwt-app-metadata"] {
                try runner.run(try project.playbook(named: name), on: environment)
            }
            let warden = CheckRunner(project: project).run(
                [try project.suite(named: "warden")], on: environment)
            #expect(warden.passed, "\(warden.suites.first?.failures ?? [])")
            let counts = try db.query(
                """
                select (select count(*) from public.organizations) as orgs, (select count(*) from auth.users) as users,
                       (select count(distinct split_part(email, '@', 2)) from auth.users) as domains,
                       (select count(*) from auth.users where raw_app_meta_data ->> 'provider' = 'email'
                          and raw_app_meta_data -> 'providers' = '["email"]') as kept
                """
            ).first!
            let users: Int = try counts.decode("users")
            let organizations: Int = try counts.decode("orgs")
            switch tenantModel {
            case "default-org": #expect(organizations == 1)
            case "org-per-user": #expect(organizations == users + 1)
            default: #expect(organizations == (try counts.decode("domains", as: Int.self)) + 1)
            }
            // The merge kept Supabase's own keys in app_metadata.
            #expect(try counts.decode("kept", as: Int.self) == users)
            // call_logs took the organization of their lead.
            let strays: Int = try db.query(
                "select count(*) as n from public.call_logs c join public.leads l on l.id = c.lead_id where c.org_id <> l.org_id"
            ).first!.decode("n")
            #expect(strays == 0)
        }
    }

    @Test func anUnknownTenantModelFailsTheStepAndNamesTheChoices() throws {
        try WardenGateTests().withSandboxDatabase(migrated: false) { _, base, project in
            let environment = Environment(
                name: "dev", order: 1, connection: base.connection,
                variables: ["tenant_model": "org-per-clinic"], location: base.location)
            let runner = PlaybookRunner(
                project: project, options: .init(actor: "test", host: "test")
            ) { _ in }
            // Day 1 records the model new users get their organization by: it refuses one it
            // does not know, before anything depends on it.
            do {
                try runner.run(try project.playbook(named: "day-1-organizations"), on: environment)
                Issue.record("expected the step to fail")
            } catch let error as RunError {
                #expect(
                    error.description.hasPrefix(
                        "step 'org-id-on-write' of day-1-organizations failed on dev: environment 'dev': ERROR P0001: unknown tenant_model 'org-per-clinic'"
                    ))
                #expect(
                    error.description.hasSuffix(
                        "\n  hint: set variables.tenant_model to default-org, org-per-user or org-per-email-domain"
                    ))
            }
        }
    }
}

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct BackfillResumeTests {
    /// A backfill slow enough to kill mid-way; each row records every visit in `notes`.
    static let playbook = """
        version: 1
        playbook: day-1-demo
        steps:
          - id: organizations
            migration: 20250110090000_create_organizations.sql
          - id: column
            sql: alter table public.leads add column if not exists org_id uuid
          - id: backfill
            backfill:
              table: public.leads
              set: org_id = 'a0000000-0000-0000-0000-000000000001', notes = coalesce(t.notes, '') || '|visit'
              where: t.org_id is null
              batch_pages: 1
              target: 1ms
              pause: 40ms
        """

    @Test func aKilledBackfillResumesAtItsLastCommittedBatch() throws {
        try PlaybookEngineTests().withProject(
            playbooks: ["day-1-demo.yml": Self.playbook], rows: 3000
        ) { project, _, _, db, _ in
            let pages: Int = try db.query("select pg_relation_size('public.leads') / 8192 as n")
                .first!.decode("n")
            #expect(pages > 20)
            let process = try CrashResumeTests().start(
                project, ["run", "day-1-demo", "--env", "dev"])
            // Kill once some batches have committed (the cursor moved), not after a guess.
            try CrashResumeTests().waitUntil("the backfill has committed a batch") {
                let next = try? db.query("select next_page from tollgate.backfill_cursors").first?
                    .decode("next_page", as: Int.self)
                return (next ?? 0) > 0
            }
            process.kill()
            _ = try process.wait()
            let cursor = try db.query(
                "select next_page, last_page, rows_done from tollgate.backfill_cursors"
            ).first!
            let stoppedAt: Int = try cursor.decode("next_page")
            #expect(stoppedAt > 0 && stoppedAt < pages, "killed at page \(stoppedAt) of \(pages)")

            let resumed = try CrashResumeTests().run(project)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            let check = try db.query(
                """
                select count(*) filter (where org_id is null) as missing,
                       count(*) filter (where notes not like '%|visit' or notes like '%|visit%|visit') as twice,
                       count(*) as total
                from public.leads
                """
            ).first!
            #expect(try check.decode("missing", as: Int.self) == 0)
            #expect(try check.decode("twice", as: Int.self) == 0)
            let done: Int = try db.query("select rows_done from tollgate.backfill_cursors").first!
                .decode("rows_done")
            #expect(done == (try check.decode("total", as: Int.self)))
        }
    }
}

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct FullRolloutTests {
    @Test func daysOneToFiveEndWithVerifyPassing() throws {
        try WardenGateTests().withSandboxDatabase(migrated: false) { db, base, project in
            let environment = Environment(
                name: "dev", order: 1, connection: base.connection,
                variables: ["tenant_model": "org-per-email-domain", "jwt_expiry": "3600"],
                location: base.location)
            let now = PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) { _ in
            }
            for name in ["day-1-organizations", "day-2-backfill", "day-3-jwt-app-metadata"] {
                try now.run(try project.playbook(named: name), on: environment)
            }
            // Tokens issued before Day 3 live on for jwt_expiry: Day 4 waits.
            do {
                try now.run(try project.playbook(named: "day-4-warden"), on: environment)
                Issue.record("expected the JWT soak to block")
            } catch let error as RunError {
                guard case .blocked(let plan) = error else { throw error }
                #expect(plan.blockingGates.map(\.name) == ["wait after day-3-jwt-app-metadata"])
                #expect(plan.blockingGates[0].detail.hasSuffix("the wait is 1h (jwt_expiry)"))
            }
            let later = PlaybookRunner(
                project: project,
                options: .init(actor: "t", host: "h", now: { Date().addingTimeInterval(3601) })
            ) { _ in }
            try later.run(try project.playbook(named: "day-4-warden"), on: environment)
            try later.run(try project.playbook(named: "day-5-verify"), on: environment)
            #expect(
                try Ledger(db).completedPlaybooks() == [
                    "day-1-organizations", "day-2-backfill", "day-3-jwt-app-metadata",
                    "day-4-warden", "day-5-verify",
                ])
            let verify = CheckRunner(project: project).run(
                [try project.suite(named: "verify")], on: environment)
            #expect(verify.passed, "\(verify.suites.first?.failures ?? [])")
        }
    }
}

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct BackfillSweepTests {
    /// Rows that a concurrent update moved behind the page walk are caught by the sweep: here
    /// the walk is already over (its cursor says so) and every row still needs the change.
    @Test func theSweepFindsRowsThePageWalkMissed() throws {
        try PlaybookEngineTests().withProject(
            playbooks: ["day-1-demo.yml": BackfillResumeTests.playbook], rows: 500
        ) { project, dev, _, db, _ in
            let ledger = Ledger(db)
            try ledger.install()
            try db.execute(script: "alter table public.leads add column if not exists org_id uuid")
            try db.query(
                "insert into tollgate.backfill_cursors (playbook, step, relation, next_page, last_page) values ('day-1-demo', 'backfill', 'public.leads', 3, 3)"
            )
            try PlaybookRunner(project: project, options: .init(actor: "t", host: "h")) { _ in }
                .run(try project.playbook(named: "day-1-demo"), on: dev)
            let missing: Int = try db.query(
                "select count(*) as n from public.leads where org_id is null"
            ).first!.decode("n")
            #expect(missing == 0)
            let done: Int = try db.query("select rows_done from tollgate.backfill_cursors").first!
                .decode("rows_done")
            #expect(done == 500)
        }
    }
}
