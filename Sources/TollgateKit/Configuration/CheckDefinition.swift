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
    public let kind: Kind
    /// `false` turns a structural check around: no matching object may exist.
    public let present: Bool
    /// Checks that must have passed (for every subject) before this one can run.
    public let requires: [String]
    public let fix: String?
    public let location: SourceLocation

    /// What is checked. Structural kinds match objects in the catalog snapshot; `noRows` runs
    /// a query that must return nothing.
    public enum Kind: Sendable {
        case table(table: String)
        case column(table: String, name: String, type: String?, notNull: Bool?)
        case foreignKey(table: String, columns: [String], references: String, validated: Bool)
        case index(table: String, columns: [String], unique: Bool?)
        case function(name: String?, schema: String?, returns: String?, volatility: String?, securityDefiner: Bool?, bodyContains: String?, ownerNot: String?, applicationOnly: Bool)
        case trigger(table: String, function: String?, events: [String]?, timing: String?)
        case rowLevelSecurity(table: String, forced: Bool?)
        case policy(table: String, command: String?, roles: [String]?, usingContains: String?, withCheck: Bool?)
        case noRows(sql: String)
        case probe(ProbeKind, table: String)

        public var name: String {
            switch self {
            case .table: return "table"
            case .column: return "column"
            case .foreignKey: return "foreign_key"
            case .index: return "index"
            case .function: return "function"
            case .trigger: return "trigger"
            case .rowLevelSecurity: return "rls"
            case .policy: return "policy"
            case .noRows: return "no_rows"
            case .probe: return "probe"
            }
        }
    }
}

/// Reads `Playbooks/checks/*.yml`: suites and the table sets they share.
enum SuiteFile {
    static let highestSupportedVersion = 1
    static let fileKeys = ["version", "suite", "description", "table_sets", "checks"]
    static let checkKeys = ["id", "description", "for_each", "present", "requires", "fix"] + kindKeys
    static let kindKeys = ["table", "column", "foreign_key", "index", "function", "trigger", "rls", "policy", "no_rows", "probe"]

    struct Contents {
        var suite: Suite?
        var tableSets: [(name: String, tables: [String], location: SourceLocation)] = []
    }

    static func read(_ text: String, reader: YAMLReader) -> Contents {
        var contents = Contents()
        guard let root = reader.compose(text),
            let entries = reader.mapping(root, "the check file", allowed: fileKeys, required: ["version"])
        else { return contents }
        reader.checkVersion(entries["version"]?.value, highestSupported: highestSupportedVersion)
        if let node = entries["table_sets"]?.value, case .mapping(let mapping) = node {
            for (key, value) in mapping {
                guard let name = reader.string(key, key: "table_sets"), let tables = reader.strings(value, key: name) else { continue }
                contents.tableSets.append((name, tables.map { QualifiedName(parsing: $0).description }, reader.location(key)))
            }
        } else if let node = entries["table_sets"]?.value {
            reader.diagnostics.error("expected a mapping for 'table_sets', found \(reader.kind(of: node))", at: reader.location(node))
        }
        guard let suiteNode = entries["suite"]?.value else {
            if let checks = entries["checks"]?.key {
                reader.diagnostics.error("'checks' needs a 'suite' name in the same file", at: reader.location(checks))
            }
            return contents
        }
        guard let name = reader.string(suiteNode, key: "suite") else { return contents }
        var checks: [CheckDefinition] = []
        if let node = entries["checks"]?.value {
            if case .sequence(let sequence) = node {
                for item in sequence { if let check = readCheck(item, reader: reader) { checks.append(check) } }
            } else {
                reader.diagnostics.error("expected a list for 'checks', found \(reader.kind(of: node))", at: reader.location(node))
            }
        } else {
            reader.diagnostics.error("suite '\(name)' has no 'checks'", at: reader.location(suiteNode))
        }
        var seen: [String: SourceLocation] = [:]
        for check in checks {
            if let first = seen[check.id] {
                reader.diagnostics.error("duplicate check id '\(check.id)' (first at line \(first.line))", at: check.location)
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
            name: name, description: entries["description"].flatMap { reader.string($0.value, key: "description") },
            checks: checks, location: reader.location(suiteNode))
        return contents
    }

    static func readCheck(_ node: Node, reader: YAMLReader) -> CheckDefinition? {
        guard let entries = reader.mapping(node, "a check", allowed: checkKeys, required: ["id"]) else { return nil }
        let kinds = kindKeys.filter { entries[$0] != nil }
        guard kinds.count == 1, let kindKey = kinds.first, let kindNode = entries[kindKey]?.value else {
            reader.diagnostics.error(
                kinds.isEmpty
                    ? "a check needs one of: \(kindKeys.joined(separator: ", "))"
                    : "a check has one kind, found \(kinds.joined(separator: " and "))",
                at: reader.location(node))
            return nil
        }
        let forEach = entries["for_each"].flatMap { reader.string($0.value, key: "for_each") }
        guard let id = entries["id"].flatMap({ reader.string($0.value, key: "id") }),
            let kind = readKind(kindKey, kindNode, defaultTable: forEach == nil ? nil : "{table}", reader: reader)
        else { return nil }
        return CheckDefinition(
            id: id, description: entries["description"].flatMap { reader.string($0.value, key: "description") },
            forEach: forEach, kind: kind,
            present: entries["present"].flatMap { reader.boolean($0.value, key: "present") } ?? true,
            requires: entries["requires"].flatMap { reader.strings($0.value, key: "requires") } ?? [],
            fix: entries["fix"].flatMap { reader.string($0.value, key: "fix") },
            location: reader.location(node))
    }

    static func readKind(_ key: String, _ node: Node, defaultTable: String?, reader: YAMLReader) -> CheckDefinition.Kind? {
        // `table: public.organizations` and `no_rows: select …` are plain strings.
        if case .scalar = node {
            switch key {
            case "table": return reader.string(node, key: key).map { .table(table: $0) }
            case "no_rows": return reader.string(node, key: key).map { .noRows(sql: $0) }
            case "rls": return reader.string(node, key: key).map { .rowLevelSecurity(table: $0, forced: nil) }
            case "probe":
                guard let name = reader.string(node, key: key) else { return nil }
                guard let kind = ProbeKind(rawValue: name) else {
                    let known = ProbeKind.allCases.map(\.rawValue)
                    reader.diagnostics.error(
                        "unknown probe '\(name)' (known: \(known.joined(separator: ", ")))\(Suggestion.didYouMean(name, in: known))",
                        at: reader.location(node))
                    return nil
                }
                guard let table = defaultTable else {
                    reader.diagnostics.error("a probe runs per table: give the check a 'for_each'", at: reader.location(node))
                    return nil
                }
                return .probe(kind, table: table)
            default: break
            }
        }
        let allowed: [String: [String]] = [
            "table": ["table"],
            "column": ["table", "name", "type", "not_null"],
            "foreign_key": ["table", "columns", "references", "validated"],
            "index": ["table", "columns", "unique"],
            "function": ["name", "schema", "returns", "volatility", "security_definer", "body_contains", "owner_not", "application"],
            "trigger": ["table", "function", "events", "timing"],
            "rls": ["table", "forced"],
            "policy": ["table", "command", "roles", "using_contains", "with_check"],
            "no_rows": ["sql"],
        ]
        let required: [String: [String]] = [
            "column": ["name"], "foreign_key": ["columns", "references"], "index": ["columns"], "no_rows": ["sql"],
        ]
        guard let fields = reader.mapping(node, "'\(key)'", allowed: allowed[key] ?? [], required: required[key] ?? [])
        else { return nil }
        func text(_ name: String) -> String? { fields[name].flatMap { reader.string($0.value, key: name) } }
        func list(_ name: String) -> [String]? { fields[name].flatMap { reader.strings($0.value, key: name) } }
        func flag(_ name: String) -> Bool? { fields[name].flatMap { reader.boolean($0.value, key: name) } }
        let table = text("table") ?? defaultTable
        if table == nil, ["column", "foreign_key", "index", "trigger", "rls", "policy", "table"].contains(key) {
            reader.diagnostics.error("'\(key)' needs a 'table' (or the check a 'for_each')", at: reader.location(node))
            return nil
        }
        switch key {
        case "table": return .table(table: table!)
        case "column":
            guard let name = text("name") else { return nil }
            return .column(table: table!, name: name, type: text("type"), notNull: flag("not_null"))
        case "foreign_key":
            guard let columns = list("columns"), let references = text("references") else { return nil }
            return .foreignKey(table: table!, columns: columns, references: references, validated: flag("validated") ?? true)
        case "index":
            guard let columns = list("columns") else { return nil }
            return .index(table: table!, columns: columns, unique: flag("unique"))
        case "function":
            return .function(
                name: text("name"), schema: text("schema"), returns: text("returns"), volatility: text("volatility"),
                securityDefiner: flag("security_definer"), bodyContains: text("body_contains"), ownerNot: text("owner_not"),
                applicationOnly: flag("application") ?? false)
        case "trigger":
            return .trigger(table: table!, function: text("function"), events: list("events"), timing: text("timing"))
        case "rls": return .rowLevelSecurity(table: table!, forced: flag("forced"))
        case "policy":
            return .policy(
                table: table!, command: text("command"), roles: list("roles"), usingContains: text("using_contains"),
                withCheck: flag("with_check"))
        case "no_rows": return text("sql").map { .noRows(sql: $0) }
        default: return nil
        }
    }
}

/// The behavioural probes a check can run (``Probe`` runs them).
public enum ProbeKind: String, Sendable, CaseIterable {
    /// Users see their organisation's rows (a teammate's too) and nothing else, and cannot
    /// insert or move a row into another organisation.
    case tenantIsolation = "tenant_isolation"
    /// Changing a row's `org_id` is rejected, even for a role that bypasses RLS.
    case immutability
    /// A user whose `user_metadata` (which users can edit) names another organisation still
    /// sees only the organisation in `app_metadata`.
    case claimSpoofing = "claim_spoofing"
}
