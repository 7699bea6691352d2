import Yams

/// `rls: {table, forced}` (or `rls: TABLE`): row level security is enabled, and forced.
public struct RowLevelSecurityCheck: CheckKind {
    public static let key = "rls"
    public var table: String
    public var forced: Bool?

    public static func read(_ node: Node, _ context: CheckReadingContext) -> RowLevelSecurityCheck?
    {
        // A scalar is the whole check (`rls: VALUE`); only a mapping reads fields.
        if case .scalar = node {
            return context.reader.string(node, key: key).map { table in
                RowLevelSecurityCheck(table: table)
            }
        }
        guard let fields = context.fields(node, key: key, allowed: ["table", "forced"]),
            let table = context.table(fields, key: key, at: node)
        else { return nil }
        return RowLevelSecurityCheck(table: table, forced: fields.flag("forced"))
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        "row level security enabled\(forced == true ? " and forced" : "") on \(QualifiedName(parsing: substitute(table)))"
    }
}
