import Foundation
import PostgresClient
import Testing

@testable import TollgateKit

/// `members:` read from a file as people write them: any line ending, comments, variables, and
/// mistakes that must not print what a connection string holds.
@Suite struct FleetConfigurationTests {
    static let environment = """
        version: 1
        name: tenants
        order: 1
        members:
          file: fleets/tenants.txt
        """

    /// Loads a project of one fleet whose members file is `members`.
    func load(
        _ members: String, variables: [String: String] = [:]
    ) throws -> Result<Project, ConfigurationError> {
        let root = try makeProject(["tenants.yml": Self.environment])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("fleets"), withIntermediateDirectories: true)
        try members.write(
            to: root.appendingPathComponent("fleets/tenants.txt"), atomically: true,
            encoding: .utf8)
        return Result { () throws(ConfigurationError) -> Project in
            try Project.load(
                root: root, variables: VariableLookup(environment: variables), displayBase: root)
        }
    }

    @Test func crlfCommentsAByteOrderMarkAndVariablesAreRead() throws {
        let project = try load(
            "\u{FEFF}# tenants\r\nacme host=/tmp dbname=acme\r\n\r\nglobex   host=${GLOBEX_HOST} dbname=globex\r\n",
            variables: ["GLOBEX_HOST": "db.example"]
        ).get()
        let members = try project.environments(named: ["tenants"])
        #expect(members.map(\.name) == ["tenants/acme", "tenants/globex"])
        #expect(
            members.map(\.connection.rawValue) == [
                "host=/tmp dbname=acme", "host=db.example dbname=globex",
            ])
        #expect(members.allSatisfy { $0.fleet == "tenants" })
        #expect(
            try project.environments(named: ["tenants/globex"]).map(\.name) == ["tenants/globex"])
    }

    @Test func aLineWithoutItsNameFirstIsRefusedWithoutQuotingIt() throws {
        let result = try load("postgresql://app:s3cretPW@db.example/app acme\n")
        guard case .failure(let error) = result else {
            Issue.record("a line with the connection first loaded")
            return
        }
        let text = error.diagnostics.map(\.description).joined(separator: "\n")
        #expect(text.contains("fleets/tenants.txt:1:1"), "\(text)")
        #expect(text.contains("first word is the member's name"), "\(text)")
        #expect(!text.contains("s3cretPW"), "\(text)")
    }

    @Test func aVariableSyntaxErrorIsReportedEvenWhileAnotherIsUnset() throws {
        let result = try load("acme host=${UNSET_HOST} dbname=${\n")
        guard case .failure(let error) = result else {
            Issue.record("a connection with '${' unclosed loaded")
            return
        }
        #expect(error.diagnostics.contains { $0.description.contains("in 'connection'") })
    }

    @Test func duplicateMembersAndAnEmptyFileAreErrors() throws {
        guard case .failure(let duplicate) = try load("a host=/tmp\na host=/tmp\n") else {
            Issue.record("a duplicate member loaded")
            return
        }
        #expect(duplicate.diagnostics.contains { $0.description.contains("duplicate member 'a'") })
        guard case .failure(let empty) = try load("# nobody yet\n") else {
            Issue.record("a fleet without members loaded")
            return
        }
        #expect(empty.diagnostics.contains { $0.description.contains("at least one member") })
    }

    /// `members: {query:, connection:}` loads without connecting; a half-written one is an
    /// error at load, naming its line.
    @Test func aMembersQueryNeedsItsConnectionAndNothingElse() throws {
        func load(_ members: String) throws -> Result<Project, ConfigurationError> {
            let root = try makeProject([
                "tenants.yml": "version: 1\nname: tenants\norder: 1\nmembers:\n" + members
            ])
            defer { try? FileManager.default.removeItem(at: root) }
            return Result { () throws(ConfigurationError) -> Project in
                try Project.load(
                    root: root, variables: VariableLookup(environment: [:]), displayBase: root)
            }
        }
        let good = try load(
            "  query: select slug as name, url as connection from tenants\n  connection: host=/nowhere dbname=control\n"
        ).get()
        #expect(good.environments.first?.isFleet == true)
        #expect(
            good.environments.first?.memberQuery?.location.description
                == "Environments/tenants.yml:5:10")
        for (members, message) in [
            ("  query: select 1\n", "needs both 'query'"),
            ("  connection: host=/x\n", "needs both 'query'"),
            ("  query: select 1\n  connection: host=/x\n  file: a.txt\n", "not both"),
            ("  {}\n", "takes a list, {file: PATH} or {query: SQL, connection: CONN}"),
            ("  query: ' '\n  connection: host=/x\n", "'query' is empty"),
        ] {
            guard case .failure(let error) = try load(members) else {
                Issue.record("loaded: \(members)")
                continue
            }
            let text = error.diagnostics.map(\.description).joined(separator: "\n")
            #expect(text.contains(message), "\(members): \(text)")
            #expect(text.contains("Environments/tenants.yml:"), "\(text)")
        }
    }
}

/// How `run --wave` cuts a fleet and when it stops, with members that only record their turn.
@Suite struct FleetRolloutTests {
    let members = (1...10).map {
        Environment(
            name: String(format: "tenants/t%02d", $0), order: 1,
            connection: ConnectionString("dbname=x"),
            location: SourceLocation(file: "tenants.txt", line: $0, column: 1))
    }

    @Test func waveSizesAreCountsOrSharesRoundedUp() {
        #expect(FleetRollout.WaveSize.parse("10%")?.size(of: 100) == 10)
        #expect(FleetRollout.WaveSize.parse("10%")?.size(of: 15) == 2)
        #expect(FleetRollout.WaveSize.parse("1%")?.size(of: 3) == 1)
        #expect(FleetRollout.WaveSize.parse("100%")?.size(of: 7) == 7)
        #expect(FleetRollout.WaveSize.parse("25")?.size(of: 7) == 7)
        for bad in ["0", "-1", "0%", "101%", "ten", "", "%", "1.5"] {
            #expect(FleetRollout.WaveSize.parse(bad) == nil, "\(bad)")
        }
        let waves = FleetRollout(wave: .count(4)).waves(of: members)
        #expect(waves.map(\.count) == [4, 4, 2])
        #expect(waves.flatMap { $0 }.map(\.name) == members.map(\.name))
    }

    @Test func aFailureStopsTheWavesAfterItsOwn() async {
        let started = Recorder()
        let result = await FleetRollout(wave: .count(3), jobs: 3).run(members) { member in
            started.add(member.name)
            if member.name == "tenants/t05" { throw ConfigurationError("t05 is broken") }
        }
        // t04 to t06 run at once; t07 on never start.
        #expect(started.names.sorted() == members.prefix(6).map(\.name))
        #expect(result.failed.map { $0.environment.name } == ["tenants/t05"])
        #expect(result.notRun.map(\.name) == members.suffix(4).map(\.name))
        #expect(result.exitStatus == .badConfiguration)
    }

    @Test func oneAtATimeStopsAtTheFailingMemberAndKeepGoingDoesNot() async {
        let stopping = await FleetRollout().run(members) { member in
            if member.name == "tenants/t02" { throw ConfigurationError("no") }
        }
        #expect(stopping.succeeded.map(\.name) == ["tenants/t01"])
        #expect(stopping.notRun.count == 8)
        let going = await FleetRollout(keepGoing: true).run(members) { member in
            if ["tenants/t02", "tenants/t09"].contains(member.name) {
                throw ConfigurationError("no")
            }
        }
        #expect(going.succeeded.count == 8)
        #expect(going.failed.count == 2)
        #expect(going.notRun.isEmpty)
    }

    @Test func aWaveWiderThanItsJobsStartsNoMoreAfterAFailure() async {
        let started = Recorder()
        let result = await FleetRollout(wave: .count(10), jobs: 1).run(members) { member in
            started.add(member.name)
            if member.name == "tenants/t03" { throw ConfigurationError("no") }
        }
        #expect(started.names == ["tenants/t01", "tenants/t02", "tenants/t03"])
        #expect(result.notRun.count == 7)
    }

    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var names: [String] = []
        func add(_ name: String) { lock.withLock { names.append(name) } }
    }
}

/// `compare` sets a fleet's alike members side by side as one column.
@Suite struct FleetComparisonTests {
    func read(
        _ name: String, _ fingerprint: String, server: String = "16.4"
    ) -> Comparison.EnvironmentRead {
        var state = ComparisonReport.EnvironmentState(
            name: name, serverVersion: server, fingerprint: fingerprint, migrations: [],
            rollout: [], checks: [:])
        state.members = nil
        return Comparison.EnvironmentRead(state: state, objects: [:])
    }

    /// Two outliers of one size get names of their own (the names key the report's columns),
    /// and a server version the fingerprint leaves out still tells members apart.
    @Test func groupsOfOneSizeHaveNamesOfTheirOwn() {
        var reads = [
            read("t/a", "x"), read("t/b", "y"), read("t/c", "x"), read("t/d", "x"),
            read("t/e", "x", server: "15.8"), read("t/f", "z"), read("dev", "x"),
        ]
        let renamed = Comparison.collapseFleets(&reads)
        #expect(
            reads.map(\.state.name) == [
                "t (3 of 6)", "t (1 of 6)", "t (1 of 6, like e)", "t (1 of 6, like f)", "dev",
            ])
        #expect(reads[0].state.members == ["a", "c", "d"])
        #expect(renamed["t/d"] == "t (3 of 6)")
        #expect(renamed["t"] == "t (3 of 6)")
        let report = Comparison.diff(reads, reference: "t (1 of 6, like f)")
        #expect(report.environments.count == 5)
        #expect(report.reference == "t (1 of 6, like f)")
    }

    /// A lock over its budget sets a member apart by which step, not by its milliseconds; who
    /// approved sets it apart too.
    @Test func timingsDoNotSplitAGroupButApproversDo() {
        var reads = [read("t/a", "x"), read("t/b", "x"), read("t/c", "x")]
        reads[0].state.locksOverBudget = [
            "day-1/organizations held ACCESS EXCLUSIVE for 7ms (budget 1ms)"
        ]
        reads[1].state.locksOverBudget = [
            "day-1/organizations held ACCESS EXCLUSIVE for 12ms (budget 1ms)"
        ]
        reads[2].state.locksOverBudget = reads[0].state.locksOverBudget
        reads[2].state.rollout = [.init(playbook: "day-1", ranBy: "ci", approvedBy: ["carol"])]
        _ = Comparison.collapseFleets(&reads)
        #expect(reads.map(\.state.name) == ["t (2 of 3)", "t (1 of 3)"])
        #expect(reads[0].state.members == ["a", "b"])
    }

    @Test func aFleetWithOneMemberInTheReportIsThatMember() {
        var reads = [read("dev", "x"), read("t/b", "y")]
        let renamed = Comparison.collapseFleets(&reads)
        #expect(reads.map(\.state.name) == ["dev", "t/b"])
        #expect(renamed == ["t": "t/b"])
    }
}
