import Foundation
import PostgresClient
import Testing

@testable import TollgateKit

/// A fleet of 20 databases in mixed states (two rolled out, fourteen at the report's starting
/// state, three with only the organizations table, one that does not exist), gated and read as
/// one environment through `members: {file:}`.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct FleetTests {
    static let size = 20

    /// The fleet's databases (the last never created) and its project, removed with it.
    final class Fleet: @unchecked Sendable {
        let databases: [String]
        let project: URL

        init() throws {
            let prefix = "tollgate_fleet_\(UInt32.random(in: 0...UInt32.max))"
            databases = (0..<FleetTests.size).map { String(format: "\(prefix)_%02d", $0) }
            project = FileManager.default.temporaryDirectory.appendingPathComponent(prefix)
            let admin = try PostgresTestServer.connect()
            try Sandbox.installRoles(on: admin, applicationPassword: "not-used-here")
            for (index, name) in databases.enumerated() where index < FleetTests.size - 1 {
                try admin.query("create database \(identifier: name)")
                try Sandbox.seedDatabase(
                    try PostgresTestServer.connect(database: name),
                    options: .init(rows: 10, seed: index))
            }
            // Three members have only Day 1's table: they fail differently.
            for name in databases[15..<18] {
                try PostgresTestServer.connect(database: name).query(
                    "create table public.organizations (id uuid primary key, name text not null)")
            }
            let folder = project.appendingPathComponent("Environments")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent("Playbooks"),
                to: project.appendingPathComponent("Playbooks"))
            try copyExamples(to: project)
            try """
            version: 1
            name: tenants
            order: 1
            members:
              file: fleets/tenants.txt
            variables:
              jwt_expiry: 0
              tenant_model: org-per-email-domain
            """.write(
                to: folder.appendingPathComponent("tenants.yml"), atomically: true, encoding: .utf8)
            let server = try PostgresTestServer.connectionString().rawValue
            let lines = databases.enumerated().map { index, name in
                String(format: "m%02d ", index) + "\(server) dbname=\(name)"
            }
            try FileManager.default.createDirectory(
                at: project.appendingPathComponent("fleets"), withIntermediateDirectories: true)
            try (["# member, then its connection"] + lines).joined(separator: "\n").write(
                to: project.appendingPathComponent("fleets/tenants.txt"), atomically: true,
                encoding: .utf8)
            // Two members rolled out through Day 5.
            for member in ["m00", "m01"] {
                let run = try tollgate(
                    ["run", "--through", "day-5-verify", "--env", "tenants/\(member)"],
                    in: project)
                #expect(run.status == 0, "\(member): \(run.stdout)\(run.stderr)")
            }
        }

        deinit {
            let admin = try? PostgresTestServer.connect()
            for name in databases {
                _ = try? admin?.query("drop database if exists \(identifier: name) with (force)")
            }
            try? FileManager.default.removeItem(at: project)
        }
    }

    /// One fleet for every part: creating and seeding 19 databases is most of the time.
    @Test func aFleetOfTwentyDatabases() async throws {
        let fleet = try Fleet()
        try theGateSummarisesTheFleetGroupedByWhatFailed(fleet)
        try shardsPartitionTheFleetExactly(fleet)
        try fewerJobsGiveTheSameVerdicts(fleet)
        try aMemberIsAnEnvironmentOfItsOwn(fleet)
        try gitHubIsShownOneMemberPerGroup(fleet)
        try statusReadsAsTheFleetsFewStates(fleet)
        try await theCodeIsReadOncePerRun(fleet)
    }

    /// The `code` check's reading of the application happens once for the whole fleet.
    func theCodeIsReadOncePerRun(_ fleet: Fleet) async throws {
        let project = try Project.load(
            root: fleet.project, variables: VariableLookup(environment: [:]))
        let reader = EnvironmentReader(project: project)
        let readings = await reader.read(
            try project.environments(named: ["tenants"]), .checks(["warden"]))
        #expect(readings.filter { !$0.suites.isEmpty }.count == Self.size - 1)
        #expect(reader.checks.code.reads == 1)
    }

    /// `status` shows a row per state of the fleet, not per member.
    func statusReadsAsTheFleetsFewStates(_ fleet: Fleet) throws {
        let status = try tollgate(["status", "--env", "tenants"], in: fleet.project)
        let rows = status.stdout.split(separator: "\n").filter { $0.hasPrefix("tenants (") }
        #expect(rows.count == 4, "\(status.stdout)")
        #expect(rows.first?.hasPrefix("tenants (2 of 20)") == true, "\(status.stdout)")
        #expect(rows.contains { $0.hasPrefix("tenants (14 of 20)") }, "\(status.stdout)")
        #expect(
            status.stdout.contains(
                "  └ members: m02, m03, m04, m05, m06, m07, m08, m09, m10, m11 and 4 more"),
            "\(status.stdout)")
        #expect(!status.stdout.contains("tenants/m05"))
    }

    /// Under GitHub Actions, annotations and the step summary show each group by its first
    /// member, as the text does: not 18 members' failures.
    func gitHubIsShownOneMemberPerGroup(_ fleet: Fleet) throws {
        let summary = fleet.project.appendingPathComponent("summary.md")
        let result = try tollgate(
            ["gate", "warden", "--env", "tenants"],
            environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path],
            in: fleet.project)
        #expect(result.status == 3)
        let annotated = Set(
            result.stdout.split(separator: "\n").filter { $0.hasPrefix("::error") }.compactMap {
                line in
                ["m02", "m03", "m15", "m16", "m19"].first { line.contains("tenants/\($0)") }
            })
        #expect(annotated == ["m02", "m15", "m19"], "\(annotated)")
        let markdown = try String(contentsOf: summary, encoding: .utf8)
        #expect(markdown.contains("- fleet tenants: 2 of 20 passed; 14 warden:"), "\(markdown)")
        #expect(!markdown.contains("tenants/m03"))
    }

    func gate(_ fleet: Fleet, _ extra: [String] = []) throws -> (CommandResult, [String: Bool]) {
        let result = try tollgate(
            ["gate", "warden", "--env", "tenants", "--format", "json"] + extra, in: fleet.project)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let environments = try #require(
            (object as? [String: Any])?["environments"] as? [[String: Any]])
        var passed: [String: Bool] = [:]
        for environment in environments {
            let name = try #require(environment["environment"] as? String)
            let suites = environment["suites"] as? [[String: Any]] ?? []
            // A suite passes when each of its results passed or did not apply.
            let outcomes = suites.flatMap { $0["results"] as? [[String: Any]] ?? [] }
                .compactMap { $0["outcome"] as? String }
            passed[name] =
                environment["error"] == nil && !outcomes.isEmpty
                && outcomes.allSatisfy { ["passed", "not_applicable"].contains($0) }
        }
        return (result, passed)
    }

    func theGateSummarisesTheFleetGroupedByWhatFailed(_ fleet: Fleet) throws {
        let (json, passed) = try gate(fleet)
        #expect(passed.count == Self.size)
        #expect(
            passed.filter(\.value).keys.sorted() == ["tenants/m00", "tenants/m01"],
            "\(json.stdout.prefix(3000))")
        // One member does not exist: the gate cannot vouch for the fleet (exit 3).
        #expect(json.status == 3, "\(json.stderr)")

        let text = try tollgate(["gate", "warden", "--env", "tenants"], in: fleet.project)
        #expect(text.status == 3)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "warden on fleet tenants (20 members): BLOCKED — 18 of 20 did not pass",
            "\(text.stdout)")
        #expect(lines.contains("  ✓ 2 passed: m00, m01"), "\(text.stdout)")
        let groups = lines.filter { $0.hasPrefix("  ✗ ") }
        #expect(groups.count == 3, "\(groups)")
        // Largest group first, each with its members; the details once per group.
        #expect(
            groups.first?.hasPrefix("  ✗ 14 warden: organizations-table, org-id-column") == true)
        #expect(
            groups.first?.hasSuffix(": m02, m03, m04, m05, m06, m07, m08, m09, m10, m11 and 4 more")
                == true)
        #expect(
            groups.contains {
                $0.hasPrefix("  ✗ 3 warden: org-id-column") && $0.hasSuffix(": m15, m16, m17")
            })
        #expect(groups.contains { $0 == "  ✗ 1 unreachable: m19" }, "\(groups)")
        // Each member that could not be checked says why, on a line of its own.
        #expect(
            lines.contains { $0.hasPrefix("      m19: ") && $0.contains("does not exist") },
            "\(text.stdout)")
        #expect(lines.filter { $0.hasPrefix("      warden on tenants/") }.count == 2)
        #expect(
            !text.stdout.contains(
                "organizations-table — The organizations table exists.\n      warden"))
    }

    func shardsPartitionTheFleetExactly(_ fleet: Fleet) throws {
        var seen: [String] = []
        for index in 1...3 {
            let (_, passed) = try gate(fleet, ["--shard", "\(index)/3"])
            #expect((6...7).contains(passed.count), "shard \(index)/3: \(passed.keys.sorted())")
            seen += passed.keys
        }
        #expect(seen.count == Self.size)
        #expect(Set(seen).count == Self.size)
        let (_, all) = try gate(fleet)
        #expect(Set(seen) == Set(all.keys))
    }

    func fewerJobsGiveTheSameVerdicts(_ fleet: Fleet) throws {
        let (_, one) = try gate(fleet, ["--jobs", "1"])
        let (_, many) = try gate(fleet, ["--jobs", "16"])
        #expect(one == many)
        #expect(one.count == Self.size)
    }

    func aMemberIsAnEnvironmentOfItsOwn(_ fleet: Fleet) throws {
        let status = try tollgate(
            ["status", "--env", "tenants", "--format", "json"], in: fleet.project)
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8))
        let environments = try #require(
            (object as? [String: Any])?["environments"] as? [[String: Any]])
        #expect(environments.count == Self.size)
        let one = try tollgate(["gate", "warden", "--env", "tenants/m00"], in: fleet.project)
        #expect(one.status == 0, "\(one.stdout)")
        let unknown = try tollgate(
            ["gate", "warden", "--env", "tenants/nobody"], in: fleet.project)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("fleet 'tenants' has no member 'nobody' (20 members)"))
        let run = try tollgate(
            ["plan", "day-1-organizations", "--env", "tenants"], in: fleet.project)
        #expect(run.status == 2)
        #expect(run.stderr.contains("is a fleet of 20 databases"), "\(run.stderr)")
    }
}
