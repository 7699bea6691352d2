import Foundation
import PostgresClient
import Testing
import TollgateKit

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CompareTests {
    /// Three sandbox-shaped databases; `drift` gets the drifted scenario's changes by name.
    func withEnvironments<T>(drift: Bool, _ body: (Project, [Environment]) async throws -> T) async throws -> T {
        let admin = try PostgresTestServer.connect()
        try Sandbox.installRoles(on: admin, applicationPassword: "unused")
        var names: [String] = []
        defer { for name in names { _ = try? admin.query("drop database if exists \(identifier: name) with (force)") } }
        let base = try PostgresTestServer.connectionString().rawValue
        var environments: [Environment] = []
        for (index, name) in ["dev", "staging", "production"].enumerated() {
            let database = "tollgate_test_\(UInt32.random(in: 0...UInt32.max))"
            names.append(database)
            try admin.query("create database \(identifier: database)")
            let db = try PostgresTestServer.connect(database: database)
            try Sandbox.seedDatabase(db, options: .init(rows: 40, seed: 5))
            if drift { try Sandbox.applyDrift(to: db, environment: name) }
            try admin.query("grant create, connect, temporary on database \(identifier: database) to tollgate_app")
            environments.append(
                Environment(
                    name: name, order: index + 1, connection: ConnectionString(base + " dbname=\(database) user=tollgate_app"),
                    location: .init(file: "test", line: 1, column: 1)))
        }
        let project = try Project.load(
            root: Repository.root,
            variables: VariableLookup(environment: [:], builtins: ["TOLLGATE_SANDBOX_DIR": "/x", "TOLLGATE_SANDBOX_PORT": "1"]))
        return try await body(project, environments)
    }

    @Test func theDriftedScenarioListsExactlyItsDifferences() async throws {
        try await withEnvironments(drift: true) { project, environments in
            let report = await Comparison.compare(environments, project: project)
            let json = try JSONSerialization.jsonObject(with: Data(try ComparisonRenderer.json(report).utf8)) as! [String: Any]
            #expect(Set(json.keys) == ["version", "headline", "environments", "migrations", "differences", "wardenBlockedBy"])
            #expect(json["version"] as? Int == 1)
            let differences = (json["differences"] as! [[String: Any]]).map { "\($0["kind"]!) \($0["object"]!)" }
            #expect(differences == [
                "column public.campaigns.org_id", "column public.leads.org_id", "table public.leads_backup_20250110",
                "table public.organizations", "column public.organizations.created_at", "column public.organizations.name",
                "constraint public.organizations.organizations_status_check", "column public.organizations.status",
                "column public.organizations.updated_at",
            ])
            let name = try #require((json["differences"] as! [[String: Any]]).first { $0["object"] as? String == "public.organizations.name" })
            let values = name["values"] as! [String: Any]
            #expect(values["dev"] as? String == "text NOT NULL")
            #expect(values["staging"] as? String == "text")
            #expect(values["production"] is NSNull)
            let migrations = json["migrations"] as! [[String: Any]]
            let organizations = try #require(migrations.first { $0["version"] as? String == "20250110090000" })
            #expect(organizations["appliedIn"] as? [String] == ["staging"])
            #expect(organizations["missingIn"] as? [String] == ["dev", "production"])
            #expect(report.wardenBlockedBy["production"] == "organizations-table")
            #expect(report.headline.hasPrefix("Warden is blocked on dev ("))
        }
    }

    @Test func identicalEnvironmentsHaveNoDifferences() async throws {
        try await withEnvironments(drift: false) { project, environments in
            let report = await Comparison.compare(environments, project: project)
            #expect(report.differences.isEmpty)
            #expect(report.migrations.allSatisfy { $0.missingIn.isEmpty })
            #expect(Set(report.environments.compactMap(\.fingerprint)).count == 1)
            #expect(ComparisonRenderer.text(report, color: false).contains("no schema differences"))
        }
    }

    @Test func markdownStaysUnderGitHubsLimit() {
        let differences = (0..<5000).map { index in
            ComparisonReport.Difference(kind: "column", object: "public.t\(index).c", values: ["dev": "uuid", "staging": nil])
        }
        let report = ComparisonReport(
            environments: [
                .init(name: "dev", migrations: [], rollout: [], checks: [:]), .init(name: "staging", migrations: [], rollout: [], checks: [:]),
            ],
            migrations: [], differences: differences, wardenBlockedBy: [:])
        let markdown = ComparisonRenderer.markdown(report)
        #expect(markdown.count < 65_536)
        #expect(markdown.contains("more differences left out to stay within GitHub's size limit"))
    }
}

