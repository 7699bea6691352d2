import Foundation
import Testing
import TollgateKit

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
}
