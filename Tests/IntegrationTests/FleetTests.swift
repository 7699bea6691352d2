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
        try planReadsAsTheFleetsFewStates(fleet)
        try compareSetsTheFleetsStatesSideBySide(fleet)
        try aQueryOnAControlPlaneNamesTheMembers(fleet)
        // Last: these change the members.
        try aWaveStopsAtTheFirstFailingMember(fleet)
        try keepingGoingRunsEveryMember(fleet)
        try anEnvironmentAfterTheFleetWaitsForEveryMember(fleet)
        try oneApprovalCoversTheFleet(fleet)
    }

    /// `approve --env tenants` records the approval in every member's ledger.
    func oneApprovalCoversTheFleet(_ fleet: Fleet) throws {
        let approve = try tollgate(
            ["approve", "day-2-backfill", "--env", "tenants", "--as", "alice"], in: fleet.project)
        #expect(approve.status == 0, "\(approve.stdout)\(approve.stderr)")
        #expect(approve.stdout.hasSuffix("tenants: approved on 20 of 20 members\n"))
        let history = try tollgate(["history", "--env", "tenants/m13"], in: fleet.project)
        #expect(history.stdout.contains("alice"), "\(history.stdout)")
    }

    /// Promotion from a fleet: the environment after it may run a playbook once every member
    /// has, whichever member is missing.
    func anEnvironmentAfterTheFleetWaitsForEveryMember(_ fleet: Fleet) throws {
        let after = fleet.databases[0].replacingOccurrences(of: "_00", with: "_after")
        let admin = try PostgresTestServer.connect()
        try admin.query("create database \(identifier: after)")
        defer { _ = try? admin.query("drop database if exists \(identifier: after) with (force)") }
        try Sandbox.seedDatabase(
            try PostgresTestServer.connect(database: after), options: .init(rows: 10, seed: 99))
        try """
        version: 1
        name: regional
        order: 2
        connection: "\(try PostgresTestServer.connectionString().rawValue) dbname=\(after)"
        variables:
          jwt_expiry: 0
          tenant_model: org-per-email-domain
        """.write(
            to: fleet.project.appendingPathComponent("Environments/regional.yml"),
            atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(
                at: fleet.project.appendingPathComponent("Environments/regional.yml"))
        }
        let blocked = try tollgate(
            ["plan", "day-1-organizations", "--env", "regional"], in: fleet.project)
        #expect(blocked.status == 1, "\(blocked.stdout)\(blocked.stderr)")
        // A member that cannot be read blocks before one that has not run.
        #expect(
            blocked.stdout.contains("promotion from tenants")
                && blocked.stdout.contains("tenants/m19: cannot read its ledger: ")
                && blocked.stdout.contains("does not exist"),
            "\(blocked.stdout)")
        // Repair m10, create m19, and roll the fleet out again: only they run.
        try PostgresTestServer.connect(database: fleet.databases[10]).query(
            "drop table public.organizations cascade")
        try admin.query("create database \(identifier: fleet.databases[19])")
        try Sandbox.seedDatabase(
            try PostgresTestServer.connect(database: fleet.databases[19]),
            options: .init(rows: 10, seed: 19))
        let rerun = try tollgate(
            ["run", "day-1-organizations", "--env", "tenants"], in: fleet.project)
        #expect(rerun.status == 0, "\(rerun.stdout)\(rerun.stderr)")
        #expect(rerun.stdout.contains("tenants: 20 of 20 members succeeded"))
        let promoted = try tollgate(
            ["plan", "day-1-organizations", "--env", "regional"], in: fleet.project)
        // The promotion gate passes. (On a loaded machine a member's Day 1 may hold its lock
        // past the 200 ms budget; the lock budget gate then asks for an approval, rightly.)
        #expect(
            promoted.stdout.contains("✓ promotion from tenants: succeeded on tenants"),
            "\(promoted.stdout)\(promoted.stderr)")
        #expect(
            promoted.status == 0 || promoted.stdout.contains("✗ lock budget on tenants: "),
            "\(promoted.stdout)")
        // Day 2 has run on two members only.
        let day2 = try tollgate(
            ["plan", "day-2-backfill", "--env", "regional"], in: fleet.project)
        #expect(
            day2.stdout.contains(
                "day-2-backfill has not succeeded on 18 of 20 members of tenants: m02, m03, m04, m05, m06 and 13 more"
            ), "\(day2.stdout)")
    }

    /// `plan` over the fleet: a line per group of alike members, the details once per group.
    func planReadsAsTheFleetsFewStates(_ fleet: Fleet) throws {
        let plan = try tollgate(
            ["plan", "day-1-organizations", "--env", "tenants"], in: fleet.project)
        #expect(plan.status == 3, "\(plan.stdout)\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.prefix(4) == [
                "day-1-organizations on fleet tenants (20 members): BLOCKED on 1 of 20",
                "  ✓ 17 ready, 3 steps to run: m02, m03, m04, m05, m06, m07, m08, m09, m10, m11 and 7 more",
                "  ✓ 2 ready, nothing to run: m00, m01",
                "  ✗ 1 cannot be planned: m19",
            ], "\(plan.stdout)")
        #expect(lines[4].hasPrefix("      m19: cannot connect to environment 'tenants/m19'"))
        // Day 2 needs Day 1: one blocked group, its gates shown once, like its first member.
        let day2 = try tollgate(
            ["plan", "day-2-backfill", "--env", "tenants"], in: fleet.project)
        #expect(day2.status == 3, "\(day2.stdout)\(day2.stderr)")
        let database = fleet.databases[19]
        #expect(
            day2.stdout.replacingOccurrences(
                of: #"socket ".*" failed"#, with: "…", options: .regularExpression
            )
            .replacingOccurrences(of: database, with: "tenants_19") == """
                day-2-backfill on fleet tenants (20 members): BLOCKED on 18 of 20
                  ✗ 17 blocked by requires day-1-organizations: m02, m03, m04, m05, m06, m07, m08, m09, m10, m11 and 7 more
                  ✓ 2 ready, nothing to run: m00, m01
                  ✗ 1 cannot be planned: m19
                      m19: cannot connect to environment 'tenants/m19': connection to server on …: FATAL: database "tenants_19" does not exist

                like tenants/m02:
                  ✗ requires day-1-organizations: day-1-organizations has not succeeded on tenants/m02
                      to unblock: tollgate run day-1-organizations --env tenants

                """, "\(day2.stdout)")
        let json = try tollgate(
            ["plan", "day-1-organizations", "--env", "tenants", "--format", "json"],
            in: fleet.project)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8))
        let members = try #require((object as? [String: Any])?["members"] as? [[String: Any]])
        #expect(members.count == Self.size)
        #expect(members.filter { $0["error"] != nil }.count == 1)
    }

    /// `compare` shows a column per state of the fleet, not per member; a member or the fleet
    /// may be the reference.
    func compareSetsTheFleetsStatesSideBySide(_ fleet: Fleet) throws {
        let json = try tollgate(
            ["compare", "--env", "tenants", "--format", "json", "--reference", "tenants/m05"],
            in: fleet.project)
        #expect(json.status == 3, "\(json.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let environments = try #require(object["environments"] as? [[String: Any]])
        var groups: [String: [String]] = [:]
        for environment in environments {
            groups[environment["name"] as? String ?? "?"] = environment["members"] as? [String]
        }
        // The two rolled out are one group, unless a step's lock went over its budget on one
        // of them (a loaded machine), which sets it apart as a column of its own.
        let fourteen = (Array(2...14) + [18]).map { String(format: "m%02d", $0) }
        let lists = Set(groups.values)
        #expect(
            lists == [fourteen, ["m15", "m16", "m17"], ["m19"], ["m00", "m01"]]
                || lists == [fourteen, ["m15", "m16", "m17"], ["m19"], ["m00"], ["m01"]],
            "\(groups)")
        #expect(groups["tenants (14 of 20)"] == fourteen, "\(groups)")
        #expect(groups["tenants (3 of 20)"] == ["m15", "m16", "m17"], "\(groups)")
        #expect(object["reference"] as? String == "tenants (14 of 20)")
        let text = try tollgate(
            ["compare", "--env", "tenants", "--reference", "tenants"], in: fleet.project)
        #expect(
            text.stdout.contains(
                "  └ members: m02, m03, m04, m05, m06, m07, m08, m09, m10, m11 and 4 more"),
            "\(text.stdout)")
        #expect(!text.stdout.contains("tenants/m0"), "\(text.stdout)")
        #expect(text.stdout.contains("against tenants (14 of 20) (chosen)"), "\(text.stdout)")
        let html = try tollgate(
            ["compare", "--env", "tenants", "--format", "html"], in: fleet.project)
        #expect(html.stdout.contains("id=\"env-tenants--14-of-20-\""))
    }

    /// `members: {query:, connection:}`: the members come from a control plane's table, read
    /// read-only when the fleet is named, and what goes wrong names the query's line.
    func aQueryOnAControlPlaneNamesTheMembers(_ fleet: Fleet) throws {
        let control = fleet.databases[0].replacingOccurrences(of: "_00", with: "_control")
        let admin = try PostgresTestServer.connect()
        try admin.query("create database \(identifier: control)")
        defer {
            _ = try? admin.query("drop database if exists \(identifier: control) with (force)")
        }
        let server = try PostgresTestServer.connectionString().rawValue
        let plane = try PostgresTestServer.connect(database: control)
        try plane.query("create schema control")
        try plane.query("create table control.tenants (slug text, url text, active boolean)")
        for (index, name) in fleet.databases.prefix(5).enumerated() {
            let slug = String(format: "t%02d", index)
            let url = "\(server) dbname=\(name)"
            try plane.query(
                "insert into control.tenants values (\(slug), \(url), \(index != 4))")
        }
        let file = fleet.project.appendingPathComponent("Environments/regions.yml")
        defer { try? FileManager.default.removeItem(at: file) }
        func write(_ query: String, database: String = control) throws {
            try """
            version: 1
            name: regions
            order: 3
            members:
              query: \(query)
              connection: "\(server) dbname=\(database)"
            """.write(to: file, atomically: true, encoding: .utf8)
        }
        try write(
            "select slug as name, url as connection from control.tenants where active order by slug"
        )
        let status = try tollgate(
            ["status", "--env", "regions", "--format", "json"], in: fleet.project)
        #expect(status.status == 0, "\(status.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8))
        let environments = try #require(
            (object as? [String: Any])?["environments"] as? [[String: Any]])
        #expect(
            environments.compactMap { $0["environment"] as? String }
                == ["regions/t00", "regions/t01", "regions/t02", "regions/t03"],
            "\(status.stdout.prefix(500))")
        let one = try tollgate(["gate", "warden", "--env", "regions/t01"], in: fleet.project)
        #expect(one.status == 0, "\(one.stdout)\(one.stderr)")
        let unknown = try tollgate(["gate", "warden", "--env", "regions/t04"], in: fleet.project)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("fleet 'regions' has no member 't04' (4 members)"))

        // A query that would write is refused by its read-only transaction; nothing changes.
        try write("delete from control.tenants returning slug as name, url as connection")
        let writing = try tollgate(["status", "--env", "regions"], in: fleet.project)
        #expect(writing.status == 2)
        #expect(
            writing.stderr.contains(
                "Environments/regions.yml:5:10: the members query of fleet 'regions': "),
            "\(writing.stderr)")
        #expect(writing.stderr.contains("25006"), "\(writing.stderr)")
        let rows: Int = try plane.query("select count(*)::int as n from control.tenants").first!
            .decode("n")
        #expect(rows == 5)
        // Columns swapped: the "name" is a connection string, and its password is not shown.
        try plane.query(
            "insert into control.tenants values ('postgresql://app:sekrit-canary@db/x', 'x', true)")
        try write("select url as name, slug as connection from control.tenants where active")
        let swapped = try tollgate(["gate", "warden", "--env", "regions"], in: fleet.project)
        #expect(swapped.status == 2)
        #expect(swapped.stderr.contains("row 1: 'name' must be lowercase"), "\(swapped.stderr)")
        #expect(!swapped.stderr.contains("sekrit"), "\(swapped.stderr)")
        try write("select 1")
        let columns = try tollgate(["status", "--env", "regions"], in: fleet.project)
        #expect(columns.stderr.contains("it must return 'name' and 'connection'"))
        // A wrong query is the configuration's error in a report on everything too.
        let everything = try tollgate(["status"], in: fleet.project)
        #expect(everything.status == 2, "\(everything.stdout)\(everything.stderr)")
        // Members on the local sandbox are no evidence for a real environment after the fleet.
        let sandbox = fleet.project.appendingPathComponent("sandbox-folder").path
        try plane.query("create table control.local (slug text, url text)")
        let local = "host=\(sandbox) dbname=dev"
        try plane.query("insert into control.local values ('a', \(local))")
        try write("select slug as name, url as connection from control.local")
        let later = fleet.project.appendingPathComponent("Environments/later.yml")
        defer { try? FileManager.default.removeItem(at: later) }
        try """
        version: 1
        name: later
        order: 4
        connection: "\(server) dbname=\(fleet.databases[0])"
        """.write(to: later, atomically: true, encoding: .utf8)
        let evidence = try tollgate(
            ["plan", "day-1-organizations", "--env", "later"],
            environment: ["TOLLGATE_SANDBOX_DIR": sandbox], in: fleet.project)
        #expect(
            evidence.stdout.contains(
                "regions/a points at the local sandbox, which is no evidence for later"),
            "\(evidence.stdout)\(evidence.stderr)")
        try FileManager.default.removeItem(at: later)
        // The control plane unreachable: exit 3. An environment not in the fleet is unaffected.
        try write("select 'a' as name, 'b' as connection", database: control + "_gone")
        let gone = try tollgate(["gate", "warden", "--env", "regions"], in: fleet.project)
        #expect(gone.status == 3, "\(gone.stderr)")
        #expect(gone.stderr.contains("regions (members query)"), "\(gone.stderr)")
        let other = try tollgate(["gate", "warden", "--env", "tenants/m00"], in: fleet.project)
        #expect(other.status == 0, "\(other.stderr)")
        // Nor does a plan elsewhere read the query; a report on everything shows the fleet
        // as unreachable beside the others.
        let plan = try tollgate(
            ["plan", "day-1-organizations", "--env", "tenants/m00"], in: fleet.project)
        #expect(!plan.stdout.contains("members query") && plan.status != 3, "\(plan.stdout)")
        let all = try tollgate(["status"], in: fleet.project)
        #expect(all.status == 3, "\(all.stderr)")
        #expect(
            all.stdout.contains("regions") && all.stdout.contains("tenants (2 of 20)"),
            "\(all.stdout)")
        #expect(all.stdout.contains("regions (members query)"), "\(all.stdout)")
    }

    /// The lines `run` printed for each member, from its header to its last line.
    func blocks(_ output: String, _ playbook: String) -> [String: [String]] {
        var blocks: [String: [String]] = [:]
        var current: String?
        for line in output.split(separator: "\n").map(String.init) {
            if line.hasPrefix("\(playbook) on tenants/"), line.hasSuffix(":") {
                current = String(line.dropFirst("\(playbook) on tenants/".count).dropLast())
            }
            if let current { blocks[current, default: []].append(line) }
            if line.hasSuffix(": succeeded") || line.hasSuffix(": failed") { current = nil }
        }
        return blocks
    }

    /// Waves of four, in the fleet's order: m10, whose organizations table has integer keys
    /// made by hand, fails in the third wave after m08, m09 and m11 ran beside it, and the
    /// waves after it never start.
    func aWaveStopsAtTheFirstFailingMember(_ fleet: Fleet) throws {
        try PostgresTestServer.connect(database: fleet.databases[10]).query(
            "create table public.organizations (id integer primary key, name text)")
        let run = try tollgate(
            ["run", "day-1-organizations", "--env", "tenants", "--wave", "4"], in: fleet.project)
        #expect(run.status == 4, "\(run.stdout)\(run.stderr)")
        #expect(
            run.stdout.hasPrefix(
                "day-1-organizations on tenants: 20 members, in 5 waves of up to 4"),
            "\(run.stdout)")
        #expect(
            run.stdout.contains("wave 3 of 5: tenants/m08, tenants/m09, tenants/m10, tenants/m11"))
        #expect(!run.stdout.contains("wave 4 of 5"))
        #expect(
            run.stdout.contains(
                "tenants: 11 of 20 members succeeded, 1 failed, 8 not run\n  failed: tenants/m10\n  not run: tenants/m12, tenants/m13, tenants/m14, tenants/m15, tenants/m16, tenants/m17, tenants/m18, tenants/m19 (stopped after the wave where tenants/m10 failed"
            ), "\(run.stdout)")
        #expect(
            run.stderr.contains(
                "error: step 'organizations' of day-1-organizations failed on tenants/m10"),
            "\(run.stderr)")
        // Members that ran at once print their lines together, each block whole.
        let blocks = blocks(run.stdout, "day-1-organizations")
        // (A step over its lock budget on a loaded machine adds a `!` line: not counted.)
        for member in ["m02", "m05", "m08", "m09", "m11"] {
            let block = blocks[member] ?? []
            #expect(
                block.filter { $0.hasPrefix("  + day-1-organizations/") }.count == 3,
                "\(member): \(block)")
            #expect(block.contains("  ✓ after: suite day-1-done passed"), "\(member): \(block)")
            #expect(block.last == "day-1-organizations on tenants/\(member): succeeded")
        }
        #expect(blocks["m00"]?.dropFirst().first?.hasSuffix(".. already applied") == true)
        // The members after the failing wave were not touched: no ledger, no organizations.
        let untouched = try PostgresTestServer.connect(database: fleet.databases[18])
        let present: Bool = try untouched.query(
            "select to_regclass('public.organizations') is not null or to_regnamespace('tollgate') is not null as present"
        ).first!.decode("present")
        #expect(!present)
    }

    /// `--keep-going`, member by member: the members after a failure run too, and the exit
    /// is the most serious failure's (a failed step, 4, before a member that does not exist, 3).
    func keepingGoingRunsEveryMember(_ fleet: Fleet) throws {
        let run = try tollgate(
            ["run", "day-1-organizations", "--env", "tenants", "--keep-going"], in: fleet.project)
        #expect(run.status == 4, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains(", one at a time"))
        #expect(
            run.stdout.contains(
                "tenants: 18 of 20 members succeeded, 2 failed\n  failed: tenants/m10, tenants/m19"
            ), "\(run.stdout)")
        #expect(
            blocks(run.stdout, "day-1-organizations")["m18"]?.last?.hasSuffix(": succeeded") == true
        )
        // One member by name, or a shard, is still one environment's run.
        let shard = try tollgate(
            ["run", "day-1-organizations", "--env", "tenants", "--shard", "2/20"], in: fleet.project
        )
        #expect(shard.status == 0, "\(shard.stdout)\(shard.stderr)")
        #expect(shard.stdout.contains("tenants: 1 of 1 member succeeded"), "\(shard.stdout)")
        let refused = try tollgate(
            ["run", "day-1-organizations", "--env", "tenants/m18", "--wave", "2"], in: fleet.project
        )
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--wave, --keep-going and --shard are for a fleet"))
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
            if index == 1 {
                let text = try tollgate(
                    ["gate", "warden", "--env", "tenants", "--shard", "1/3"], in: fleet.project)
                #expect(
                    text.stdout.hasPrefix(
                        "warden on fleet tenants (\(passed.count) of 20 members)"),
                    "\(text.stdout)")
            }
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
        // Shell completion offers the members once the fleet's name and a slash are typed,
        // through the bash script the binary writes.
        let script = try tollgate(["--generate-completion-script", "bash"], in: fleet.project)
        let scriptFile = fleet.project.appendingPathComponent("complete.bash")
        try script.stdout.write(to: scriptFile, atomically: true, encoding: .utf8)
        let completed = try ProcessRunner().run(
            "/bin/bash",
            [
                "-c",
                #"""
                source "$1"
                COMP_WORDS=(tollgate gate warden --env tenants/m1); COMP_CWORD=4
                COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
                _tollgate tollgate tenants/m1 --env
                printf '%s\n' "${COMPREPLY[@]}"
                """#, "bash", scriptFile.path,
            ],
            environment: [
                "PATH": Repository.binary.deletingLastPathComponent().path + ":/usr/bin:/bin",
                "HOME": fleet.project.path,
            ],
            directory: fleet.project.path)
        #expect(
            completed.stdout.split(separator: "\n").map(String.init)
                == (10...19).map { "tenants/m\($0)" },
            "\(completed.stdout)\(completed.stderr)")
        let history = try tollgate(["history", "--env", "tenants"], in: fleet.project)
        #expect(history.status == 2)
        #expect(history.stderr.contains("is a fleet of 20 databases"), "\(history.stderr)")
    }
}
