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
            let runner = PlaybookRunner(project: project, options: .init(actor: "test", host: "test")) { _ in }
            let plan = try runner.run(playbook, on: environment)
            #expect(plan.gates.map(\.name) == ["before: suite day-1-ready"])

            let warden = CheckRunner(project: project).run([try project.suite(named: "warden")], on: environment)
            let failing = Set(try #require(warden.suites.first).failures.map(\.check))
            // Day 1's part of the blocker list is gone; what Days 2 and 3 do remains.
            #expect(failing == ["org-id-not-null", "org-id-foreign-key", "org-id-index", "no-null-org-id", "users-have-org-id", "users-org-matches-rows"])
            let notValid = try #require(warden.suites.first?.results.first { $0.check == "org-id-foreign-key" && $0.subject == "public.calls" })
            #expect(notValid.found?.hasPrefix("foreign key calls_org_id_fkey is NOT VALID") == true)

            let fingerprint = try CatalogSnapshot.load(from: db).fingerprint
            let again = try runner.run(playbook, on: environment)
            #expect(again.steps.allSatisfy { $0.disposition == .alreadyApplied })
            #expect(try CatalogSnapshot.load(from: db).fingerprint == fingerprint)
            let organizations: Int = try db.query("select count(*) as n from public.organizations").first!.decode("n")
            #expect(organizations == 1)
        }
    }

    @Test func day1FromTheStartingState() throws { try day1(drifted: false) }

    /// The drifted dev: organizations made by hand in another shape, org_id on two tables,
    /// nothing recorded. Day 1 resumes instead of failing.
    @Test func day1FromTheDriftedDev() throws { try day1(drifted: true) }
}
