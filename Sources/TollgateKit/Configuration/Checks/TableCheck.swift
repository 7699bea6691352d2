import Yams

/// `table: public.organizations`: the table exists.
public struct TableCheck: CheckKind {
    public static let key = "table"
    public var table: String

    public static func read(_ node: Node, _ context: CheckReadingContext) -> TableCheck? {
        // A scalar is the whole check (`table: VALUE`); only a mapping reads fields.
        if case .scalar = node {
            return context.reader.string(node, key: key).map { table in TableCheck(table: table) }
        }
        guard let fields = context.fields(node, key: key, allowed: ["table"]),
            let table = context.table(fields, key: key, at: node)
        else { return nil }
        return TableCheck(table: table)
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        "table \(QualifiedName(parsing: substitute(table)))"
    }
}
