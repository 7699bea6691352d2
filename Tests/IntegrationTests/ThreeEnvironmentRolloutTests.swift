import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The whole rollout, dev → staging → production, with every gate enforced; the planner's
/// clock moves forward to pass the soaks.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct ThreeEnvironmentRolloutTests {
    static let days = [
        "day-1-organizations", "day-2-backfill", "day-3-jwt-app-metadata", "day-4-warden",
        "day-5-verify",
    ]

    @Test func theRolloutAcrossThreeEnvironmentsWithEveryGate() throws {
        try withTestDatabase { devDB, devName in
            try withTestDatabase { stagingDB, stagingName in
                try withTestDatabase { productionDB, productionName in
                    try rollout(
                        databases: [
                            ("dev", devName, devDB), ("staging", stagingName, stagingDB),
                            ("production", productionName, productionDB),
                        ])
                }
            }
        }
    }

    func rollout(databases: [(name: String, database: String, db: Connection)]) throws {
        let admin = try PostgresTestServer.connect()
        try Sandbox.installRoles(on: admin, applicationPassword: "unused")
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent(
            "tollgate-rollout-\(UUID().uuidString)")
        try fm.createDirectory(
            at: root.appendingPathComponent("Environments"), withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: root) }
        try fm.copyItem(
            at: Repository.root.appendingPathComponent("Playbooks"),
            to: root.appendingPathComponent("Playbooks"))
        try copyExamples(to: root)
        let base = try PostgresTestServer.connectionString().rawValue
        var variables: [String: String] = [:]
        for (index, item) in databases.enumerated() {
            try Sandbox.seedDatabase(item.db, options: .init(rows: 60, seed: 11))
            try admin.query(
                "grant create, connect, temporary on database \(identifier: item.database) to tollgate_app"
            )
            variables[item.name.uppercased() + "_URL"] =
                base + " dbname=\(item.database) user=tollgate_app"
            let protection = [
                "", "protection:\n  approvals_required: 1\n  soak_after_previous: 1h\n",
                "protection:\n  approvals_required: 2\n  soak_after_previous: 24h\n",
            ][index]
            try """
            version: 1
            name: \(item.name)
            order: \(index + 1)
            connection: ${\(item.name.uppercased())_URL}
            \(protection)variables:
              jwt_expiry: 3600
              tenant_model: org-per-email-domain
            """.write(
                to: root.appendingPathComponent("Environments/\(item.name).yml"), atomically: true,
                encoding: .utf8)
        }
        let project = try Project.load(
            root: root, variables: VariableLookup(environment: variables))
        let (dev, staging, production) = (
            project.environments[0], project.environments[1], project.environments[2]
        )
        let start = Date()
        func runner(hours: Double) -> PlaybookRunner {
            PlaybookRunner(
                project: project,
                options: .init(
                    actor: "release-manager", host: "test",
                    now: { start.addingTimeInterval(hours * 3600) })
            ) { _ in }
        }
        func blocked(
            _ day: String, on environment: Environment, at hours: Double
        ) throws -> [String] {
            do {
                try runner(hours: hours).run(try project.playbook(named: day), on: environment)
                return []
            } catch let error as RunError {
                guard case .blocked(let plan) = error else { throw error }
                return plan.blockingGates.map(\.name)
            }
        }
        func approve(_ environment: Environment, _ day: String, as people: [String]) throws {
            let ledger = Ledger(try environment.connect())
            try ledger.install()
            for person in people {
                try ledger.approve(
                    playbook: try project.playbook(named: day), approver: person, note: nil)
            }
        }
        func warden(_ environment: Environment) throws -> Bool {
            CheckRunner(project: project).run([try project.suite(named: "warden")], on: environment)
                .passed
        }

        // dev: Days 1–3 now; warden flips from blocked to passing after Day 3.
        #expect(try !warden(dev))
        for day in Self.days.prefix(3) { #expect(try blocked(day, on: dev, at: 0).isEmpty) }
        #expect(try warden(dev))
        // Day 4 waits out the JWT lifetime, then deploys; verify passes after it.
        #expect(
            try blocked("day-4-warden", on: dev, at: 0) == ["wait after day-3-jwt-app-metadata"])
        #expect(try blocked("day-4-warden", on: dev, at: 1.1).isEmpty)
        #expect(try blocked("day-5-verify", on: dev, at: 1.1).isEmpty)

        // staging: the soak after dev and an approval, per playbook.
        #expect(
            try blocked("day-1-organizations", on: staging, at: 0.5) == [
                "promotion from dev", "approvals",
            ])
        for day in Self.days { try approve(staging, day, as: ["alice"]) }
        #expect(try blocked("day-1-organizations", on: staging, at: 0.5) == ["promotion from dev"])
        for day in Self.days.prefix(3) { #expect(try blocked(day, on: staging, at: 2).isEmpty) }
        #expect(try blocked("day-4-warden", on: staging, at: 3.1).isEmpty)
        #expect(try blocked("day-5-verify", on: staging, at: 3.1).isEmpty)

        // production: refuses without two approvals, and before the 24h soak after staging.
        #expect(
            try blocked("day-1-organizations", on: production, at: 4) == [
                "promotion from staging", "approvals",
            ])
        for day in Self.days { try approve(production, day, as: ["alice"]) }
        #expect(try blocked("day-1-organizations", on: production, at: 27) == ["approvals"])
        for day in Self.days { try approve(production, day, as: ["bob"]) }
        #expect(
            try blocked("day-1-organizations", on: production, at: 4) == ["promotion from staging"])
        for day in Self.days.prefix(3) { #expect(try blocked(day, on: production, at: 27).isEmpty) }

        // Day 4 refuses while warden is blocked anywhere earlier in the chain.
        let stagingDB = databases[1].db
        try WardenGateTests().asApplication(stagingDB, "drop index public.leads_org_id_idx")
        #expect(
            try blocked("day-4-warden", on: production, at: 28.1) == ["suite warden on staging"])
        try WardenGateTests().asApplication(
            stagingDB, "create index leads_org_id_idx on public.leads (org_id)")
        #expect(try blocked("day-4-warden", on: production, at: 28.1).isEmpty)
        #expect(try blocked("day-5-verify", on: production, at: 28.1).isEmpty)

        for environment in [dev, staging, production] {
            #expect(try Ledger(try environment.connect()).completedPlaybooks() == Self.days)
            let verify = CheckRunner(project: project).run(
                [try project.suite(named: "verify")], on: environment)
            #expect(verify.passed, "\(environment.name): \(verify.suites.first?.failures ?? [])")
        }
        // No row lost or left without an organisation.
        for item in databases {
            let counts = try item.db.query(
                "select (select count(*) from public.leads) as leads, (select count(*) from public.leads where org_id is null) as orphans"
            ).first!
            #expect(try counts.decode("leads", as: Int.self) == 60)
            #expect(try counts.decode("orphans", as: Int.self) == 0)
        }
    }
}
