import Yams

/// What one check asserts, as declared in a suite file: one type per kind, each in a file
/// of its own here, with its behaviour in `Checks/Kinds/`.
///
/// Adding a kind: declare it here (its key, how it reads, how it reads to a person), list it
/// in ``CheckKinds/all``, and give it its behaviour in `Checks/Kinds/`.
public protocol CheckKind: Sendable {
    /// The check's key in a suite (`column: {…}`).
    static var key: String { get }
    /// Reads the kind from its value; problems go to the reader's diagnostics.
    static func read(_ node: Node, _ context: CheckReadingContext) -> Self?
    /// True for checks that need the table's rows (data checks, probes): on a rehearsal's
    /// schema-only copy they do not apply.
    static var needsRows: Bool { get }
    /// False for kinds that `present: false` cannot turn around (a configuration error).
    static var invertible: Bool { get }
    /// What it wants, in words; `substitute` puts the subject in for `{table}`.
    func expectation(_ substitute: (String) -> String) -> String
}

extension CheckKind {
    public static var needsRows: Bool { false }
    public static var invertible: Bool { true }
}

/// Every kind of check, in the order a suite's error message lists them.
public enum CheckKinds {
    public static let all: [any CheckKind.Type] = [
        TableCheck.self, ColumnCheck.self, ForeignKeyCheck.self, IndexCheck.self,
        FunctionCheck.self, TriggerCheck.self,
        RowLevelSecurityCheck.self, PolicyCheck.self, NoRowsCheck.self, ProbeCheck.self,
        CodeCheck.self,
    ]

    static var keys: [String] { all.map { $0.key } }
}

/// What reading a check's kind needs besides its node.
public struct CheckReadingContext {
    let reader: YAMLReader
    /// `{table}` when the check walks a table set (`for_each`), else nil.
    let defaultTable: String?

    /// The fields of a kind written as a mapping, checked against the keys it allows.
    func fields(
        _ node: Node, key: String, allowed: [String], required: [String] = []
    ) -> CheckFields? {
        reader.mapping(node, "'\(key)'", allowed: allowed, required: required).map {
            CheckFields(reader: reader, fields: $0)
        }
    }

    /// A scalar value (`table: public.organizations`), or nil when the node is a mapping.
    func scalar(_ node: Node, key: String) -> String? {
        guard case .scalar = node else { return nil }
        return reader.string(node, key: key)
    }

    /// The kind's table: its own `table`, or the check's subject; an error when neither.
    func table(_ fields: CheckFields, key: String, at node: Node) -> String? {
        if let table = fields.text("table") ?? defaultTable { return table }
        reader.diagnostics.error(
            "'\(key)' needs a 'table' (or the check a 'for_each')", at: reader.location(node))
        return nil
    }

    func error(_ message: String, at node: Node) {
        reader.diagnostics.error(message, at: reader.location(node))
    }
}

/// A kind's fields, read with the reader's own diagnostics.
struct CheckFields {
    let reader: YAMLReader
    let fields: [String: (key: Node, value: Node)]

    func text(_ name: String) -> String? {
        fields[name].flatMap { reader.string($0.value, key: name) }
    }
    func list(_ name: String) -> [String]? {
        fields[name].flatMap { reader.strings($0.value, key: name) }
    }
    func flag(_ name: String) -> Bool? {
        fields[name].flatMap { reader.boolean($0.value, key: name) }
    }
}
