import Foundation
import Testing

@testable import TollgateKit

@Suite struct SuiteConfigurationTests {
    func load(_ files: [String: String]) throws -> [Diagnostic] {
        let root = try makeProject(["dev.yml": validDev])
        defer { try? FileManager.default.removeItem(at: root) }
        let checks = root.appendingPathComponent("Playbooks/checks")
        try FileManager.default.createDirectory(at: checks, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(
                to: checks.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        do {
            _ = try Project.load(
                root: root, variables: VariableLookup(environment: [:]), displayBase: root)
            return []
        } catch {
            return error.diagnostics
        }
    }

    let sets = "version: 1\ntable_sets:\n  tenant_tables: [leads, auth.users]\n"

    @Test func theShippedSuitesLoad() throws {
        let project = try Project.load(
            root: Repository.root,
            variables: VariableLookup(
                environment: [:],
                builtins: ["TOLLGATE_SANDBOX_DIR": "/x", "TOLLGATE_SANDBOX_PORT": "1"]))
        let warden = try project.suite(named: "warden")
        #expect(warden.checks.map(\.id).first == "organizations-table")
        #expect(project.tableSets["tenant_tables"]?.count == 9)
        #expect(project.tableSets["tenant_tables"]?.first == "public.leads")
    }

    @Test func aValidSuite() throws {
        let suite = """
            version: 1
            suite: demo
            checks:
              - id: a
                for_each: tenant_tables
                column: { name: org_id, type: uuid, not_null: true }
              - id: b
                requires: a
                no_rows: select 1 where false
              - id: c
                function: { schema: auth, owner_not: supabase_auth_admin }
                present: false
            """
        #expect(try load(["tables.yml": sets, "demo.yml": suite]).isEmpty)
    }

    @Test(arguments: [
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    for_eachh: tenant_tables\n    table: x\n",
            "Playbooks/checks/demo.yml:5:5: error: unknown key 'for_eachh' in a check (did you mean 'for_each'?)"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    table: x\n    no_rows: select 1\n",
            "Playbooks/checks/demo.yml:4:5: error: a check has one kind, found table and no_rows"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    for_each: tenant_table\n    table: x\n",
            "Playbooks/checks/demo.yml:4:5: error: unknown table set 'tenant_table' in check 'a' (did you mean 'tenant_tables'?)"
        ),
        (
            // A null where a name belongs is one problem, said once.
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    table: ~\n",
            "Playbooks/checks/demo.yml:5:12: error: expected a string for 'table', found nothing (null)"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    requires: b\n    table: x\n",
            "Playbooks/checks/demo.yml:4:5: error: check 'a' requires unknown check 'b'"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    table: x\n  - id: a\n    table: y\n",
            "Playbooks/checks/demo.yml:6:5: error: duplicate check id 'a' (first at line 4)"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    column: { type: uuid }\n",
            "Playbooks/checks/demo.yml:5:13: error: missing required key 'name' in 'column'\nPlaybooks/checks/demo.yml:5:13: error: 'column' needs a 'table' (or the check a 'for_each')"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    present: maybe\n    table: x\n",
            "Playbooks/checks/demo.yml:5:14: error: expected true or false for 'present', found a string ('maybe')"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    present: false\n    code: { paths: [.] }\n",
            "Playbooks/checks/demo.yml:5:5: error: 'code' cannot be turned around with 'present: false'"
        ),
        (
            "version: 1\nsuite: demo\nchecks:\n  - id: a\n    for_each: tenant_tables\n    code: { paths: [.] }\n",
            "Playbooks/checks/demo.yml:6:11: error: 'code' reads the whole application: it takes no 'for_each'"
        ),
    ])
    func errors(suite: String, message: String) throws {
        let diagnostics = try load(["tables.yml": sets, "demo.yml": suite])
        #expect(diagnostics.map(\.description) == message.components(separatedBy: "\n"))
    }
}

extension SuiteConfigurationTests {
    /// A `code` check naming a folder that is not there fails to load, at the path's line.
    @Test func aCodeCheckNamesFoldersThatExist() throws {
        let diagnostics = try load([
            "demo.yml":
                "version: 1\nsuite: demo\nchecks:\n  - id: a\n    code: { paths: [src], types: src/db.ts }\n"
        ])
        #expect(diagnostics.count == 2)
        #expect(
            diagnostics.first?.description.hasPrefix(
                "Playbooks/checks/demo.yml:5:20: error: 'code' paths: no such file or folder 'src'")
                == true, "\(diagnostics)")
    }
}

enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
}
