import Foundation
import Yams

/// A named list of checks (`Playbooks/checks/<file>.yml`), such as `warden`.
public struct Suite: Sendable {
    public let name: String
    public let description: String?
    public let checks: [CheckDefinition]
    public let location: SourceLocation
}

/// One assertion about an environment, as written in a suite file.
///
/// With `for_each: <table set>` it is checked once per table of the set, and `{table}` in its
/// strings stands for the table (`public.leads`; in SQL, the quoted identifier).
public struct CheckDefinition: Sendable {
    public let id: String
    public let description: String?
    public let forEach: String?
    /// What is checked: one of ``CheckKinds/all``.
    public let kind: any CheckKind
    /// `false` turns a structural check around: no matching object may exist.
    public let present: Bool
    /// Checks that must have passed (for every subject) before this one can run.
    public let requires: [String]
    public let fix: String?
    public let location: SourceLocation
}

/// Reads `Playbooks/checks/*.yml`: suites and the table sets they share.
enum SuiteFile {
    static let highestSupportedVersion = 1
    static let fileKeys = ["version", "suite", "description", "table_sets", "checks"]
    static var checkKeys: [String] {
        ["id", "description", "for_each", "present", "requires", "fix"] + CheckKinds.keys
    }

    struct Contents {
        var suite: Suite?
        var tableSets: [(name: String, tables: [String], location: SourceLocation)] = []
    }

    static func read(_ text: String, reader: YAMLReader) -> Contents {
        var contents = Contents()
        guard let root = reader.compose(text),
            let entries = reader.mapping(
                root, "the check file", allowed: fileKeys, required: ["version"])
        else { return contents }
        reader.checkVersion(entries["version"]?.value, highestSupported: highestSupportedVersion)
        if let node = entries["table_sets"]?.value, case .mapping(let mapping) = node {
            for (key, value) in mapping {
                guard let name = reader.string(key, key: "table_sets"),
                    let tables = reader.strings(value, key: name)
                else { continue }
                contents.tableSets.append(
                    (
                        name, tables.map { QualifiedName(parsing: $0).description },
                        reader.location(key)
                    ))
            }
        } else if let node = entries["table_sets"]?.value {
            reader.diagnostics.error(
                "expected a mapping for 'table_sets', found \(reader.kind(of: node))",
                at: reader.location(node))
        }
        guard let suiteNode = entries["suite"]?.value else {
            if let checks = entries["checks"]?.key {
                reader.diagnostics.error(
                    "'checks' needs a 'suite' name in the same file", at: reader.location(checks))
            }
            return contents
        }
        guard let name = reader.string(suiteNode, key: "suite") else { return contents }
        var checks: [CheckDefinition] = []
        if let node = entries["checks"]?.value {
            if case .sequence(let sequence) = node {
                for item in sequence {
                    if let check = readCheck(item, reader: reader) { checks.append(check) }
                }
            } else {
                reader.diagnostics.error(
                    "expected a list for 'checks', found \(reader.kind(of: node))",
                    at: reader.location(node))
            }
        } else {
            reader.diagnostics.error(
                "suite '\(name)' has no 'checks'", at: reader.location(suiteNode))
        }
        var seen: [String: SourceLocation] = [:]
        for check in checks {
            if let first = seen[check.id] {
                reader.diagnostics.error(
                    "duplicate check id '\(check.id)' (first at line \(first.line))",
                    at: check.location)
            }
            seen[check.id] = check.location
        }
        for check in checks {
            for required in check.requires where seen[required] == nil {
                reader.diagnostics.error(
                    "check '\(check.id)' requires unknown check '\(required)'\(Suggestion.didYouMean(required, in: Array(seen.keys)))",
                    at: check.location)
            }
        }
        contents.suite = Suite(
            name: name,
            description: entries["description"].flatMap {
                reader.string($0.value, key: "description")
            },
            checks: checks, location: reader.location(suiteNode))
        return contents
    }

    static func readCheck(_ node: Node, reader: YAMLReader) -> CheckDefinition? {
        guard let entries = reader.mapping(node, "a check", allowed: checkKeys, required: ["id"])
        else { return nil }
        guard
            let key = reader.exactlyOne(
                of: CheckKinds.keys, in: entries, what: "a check", several: "has one kind", at: node
            ),
            let kindType = CheckKinds.all.first(where: { $0.key == key }),
            let kindNode = entries[key]?.value
        else { return nil }
        let forEach = entries["for_each"].flatMap { reader.string($0.value, key: "for_each") }
        guard let id = entries["id"].flatMap({ reader.string($0.value, key: "id") }),
            let kind = kindType.read(
                kindNode,
                CheckReadingContext(reader: reader, defaultTable: forEach == nil ? nil : "{table}"))
        else { return nil }
        if !kindType.invertible, let present = entries["present"],
            reader.boolean(present.value, key: "present") == false
        {
            reader.diagnostics.error(
                "'\(key)' cannot be turned around with 'present: false'",
                at: reader.location(present.key))
            return nil
        }
        return CheckDefinition(
            id: id,
            description: entries["description"].flatMap {
                reader.string($0.value, key: "description")
            },
            forEach: forEach, kind: kind,
            present: entries["present"].flatMap { reader.boolean($0.value, key: "present") }
                ?? true,
            requires: entries["requires"].flatMap { reader.strings($0.value, key: "requires") }
                ?? [],
            fix: entries["fix"].flatMap { reader.string($0.value, key: "fix") },
            location: reader.location(node))
    }
}
