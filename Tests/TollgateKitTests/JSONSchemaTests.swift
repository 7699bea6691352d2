import Foundation
import Testing

@testable import TollgateKit

/// The JSON Schemas editors validate Tollgate's YAML with: the shipped copies are the
/// built-in ones, they name exactly the keys the loader reads, every shipped file validates,
/// and every bad file of `Fixtures/config-bad` is rejected by both the schema (through
/// python3-jsonschema, a real validator) and the loader (with the message its first line
/// names).
@Suite struct JSONSchemaTests {
    /// Debian's python3 with jsonschema and PyYAML; required where the suite must run whole
    /// (`TOLLGATE_REQUIRE_PG=1`, as `scripts/test` and CI set), else the validating tests skip.
    static let validatorAvailable: Bool = {
        if ProcessInfo.processInfo.environment["TOLLGATE_REQUIRE_PG"] == "1" { return true }
        let output = try? ProcessRunner().run(
            "/usr/bin/python3", ["-c", "import jsonschema, yaml"])
        return output?.status == 0
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let badFiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/config-bad")

    func schema(_ file: JSONSchemas.File) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(file.text.utf8)) as? [String: Any])
    }

    /// The property names of `object` (a schema object), or of the object at `path` below it.
    func keys(_ object: [String: Any], _ path: String...) -> Set<String> {
        var node: Any? = object
        for step in path { node = (node as? [String: Any])?[step] }
        return Set(((node as? [String: Any])?["properties"] as? [String: Any])?.keys ?? [:].keys)
    }

    /// `TOLLGATE_PIN=1` writes the built-in texts over the shipped copies.
    @Test func theShippedSchemasAreTheBuiltInOnes() throws {
        for file in JSONSchemas.File.allCases {
            let url = Self.repository.appendingPathComponent(JSONSchemas.folder)
                .appendingPathComponent(file.fileName)
            if ProcessInfo.processInfo.environment["TOLLGATE_PIN"] == "1" {
                try file.text.write(to: url, atomically: true, encoding: .utf8)
            }
            let shipped = try String(contentsOf: url, encoding: .utf8)
            #expect(shipped == file.text, "\(url.path) differs from JSONSchemas.\(file)")
            _ = try schema(file)
        }
    }

    @Test func theSchemasNameEveryKeyTheLoaderReads() throws {
        let environment = try schema(.environment)
        #expect(keys(environment) == Set(EnvironmentFile.Key.all))
        #expect(
            Set(environment["required"] as? [String] ?? []) == Set(EnvironmentFile.Key.required))
        #expect(
            keys(environment, "properties", "protection") == Set(EnvironmentFile.Key.protection))

        let playbook = try schema(.playbook)
        #expect(keys(playbook) == Set(PlaybookFile.fileKeys))
        #expect(keys(playbook, "properties", "gates") == Set(PlaybookFile.gateKeys))
        #expect(keys(playbook, "properties", "steps", "items") == Set(PlaybookFile.stepKeys))
        let stepKinds =
            (((playbook["properties"] as? [String: Any])?["steps"] as? [String: Any])?[
                "items"] as? [String: Any])?["oneOf"] as? [[String: Any]]
        #expect(
            Set((stepKinds ?? []).flatMap { $0["required"] as? [String] ?? [] })
                == Set(StepKinds.keys))

        let suite = try schema(.suite)
        #expect(keys(suite) == Set(SuiteFile.fileKeys))
        let check = (suite["definitions"] as? [String: Any])?["check"] as? [String: Any]
        #expect(keys(try #require(check)) == Set(SuiteFile.checkKeys))
    }

    /// Every YAML file the repository ships points at its schema and validates.
    @Test(.enabled(if: validatorAvailable)) func everyShippedFileValidates() throws {
        for file in JSONSchemas.File.allCases {
            let folder = Self.repository.appendingPathComponent(file.describes)
            let paths = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".yml") }.sorted()
                .map { folder.appendingPathComponent($0).path }
            #expect(!paths.isEmpty)
            for path in paths {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                #expect(
                    text.hasPrefix(file.header + "\n"),
                    "\(path) does not start with its schema line")
            }
            for line in try validate(file, paths) {
                #expect(line.hasPrefix("ok "), "\(line)")
            }
        }
    }

    @Test(.enabled(if: validatorAvailable)) func everyBadFileIsRejectedByTheSchemaAndTheLoader()
        throws
    {
        let folders: [(JSONSchemas.File, String)] = [
            (.environment, "environments"), (.playbook, "playbooks"), (.suite, "suites"),
        ]
        var count = 0
        for (file, name) in folders {
            let folder = Self.badFiles.appendingPathComponent(name)
            let paths = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".yml") }.sorted()
                .map { folder.appendingPathComponent($0).path }
            #expect(paths.count >= 10)
            count += paths.count
            for line in try validate(file, paths) {
                #expect(line.hasPrefix("invalid "), "the schema accepts \(line.dropFirst(3))")
            }
            for path in paths {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let expected = try #require(
                    text.split(separator: "\n").first.flatMap {
                        $0.hasPrefix("# loader: ") ? $0.dropFirst(10) : nil
                    }, "\(path) has no '# loader: <message>' first line")
                let errors = try load(text, as: file)
                #expect(
                    errors.contains { $0.contains(expected) },
                    "\(path): the loader said \(errors), not '\(expected)'")
            }
        }
        #expect(count >= 50)
    }

    /// What `tollgate init` writes validates against the schemas it writes beside.
    @Test(.enabled(if: validatorAvailable)) func whatInitWritesValidates() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let migrations = root.appendingPathComponent("supabase/migrations")
        try FileManager.default.createDirectory(at: migrations, withIntermediateDirectories: true)
        try "create table a (id int);".write(
            to: migrations.appendingPathComponent("20240101000000_a.sql"), atomically: true,
            encoding: .utf8)
        try "[auth]\njwt_expiry = 900\n".write(
            to: root.appendingPathComponent("supabase/config.toml"), atomically: true,
            encoding: .utf8)
        let outcome = try SupabaseProjectInit.run(in: root)
        for file in [JSONSchemas.File.environment, .playbook] {
            let paths = outcome.written.filter {
                $0.hasPrefix(file.describes + "/") && $0.hasSuffix(".yml")
                    && !$0.dropFirst(file.describes.count + 1).contains("/")
            }.map { root.appendingPathComponent($0).path }
            #expect(!paths.isEmpty)
            for line in try validate(file, paths) { #expect(line.hasPrefix("ok "), "\(line)") }
        }
        // And it loads.
        let project = try Project.load(
            root: root, variables: VariableLookup(environment: [:]), displayBase: root)
        #expect(project.environments.map(\.name) == ["dev", "staging", "production"])
        #expect(project.environments[0].variables["jwt_expiry"] == "900")
        #expect(project.playbooks.first?.steps.map(\.id) == ["migrations/20240101000000_a"])
    }

    /// The loader's errors for `text` as a file of its kind, beside valid others.
    func load(_ text: String, as file: JSONSchemas.File) throws -> [String] {
        let root = try makeProject(
            file == .environment ? ["dev.yml": text] : ["dev.yml": validDev])
        defer { try? FileManager.default.removeItem(at: root) }
        if file != .environment {
            let folder = root.appendingPathComponent(file.describes)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(
                to: folder.appendingPathComponent("demo.yml"), atomically: true, encoding: .utf8)
        }
        do {
            _ = try Project.load(
                root: root, variables: VariableLookup(environment: [:]), displayBase: root)
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map(\.message)
        }
    }

    /// `scripts/lib/validate-yaml.py`'s verdict on each file.
    func validate(_ file: JSONSchemas.File, _ paths: [String]) throws -> [String] {
        let schema = Self.repository.appendingPathComponent(JSONSchemas.folder)
            .appendingPathComponent(file.fileName)
        // Debian's python3, where scripts/test installs python3-jsonschema and python3-yaml.
        let output = try ProcessRunner().run(
            "/usr/bin/python3",
            [
                Self.repository.appendingPathComponent("scripts/lib/validate-yaml.py").path,
                schema.path,
            ] + paths)
        try #require(
            output.status == 0,
            "validate-yaml.py failed (scripts/test installs python3-jsonschema and python3-yaml): \(output.stderr)"
        )
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == paths.count)
        return lines
    }
}
