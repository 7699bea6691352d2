import Yams

/// `no_rows: SQL`: a query that must return no rows; it runs read-only, and a failure shows the
/// count and the first rows.
///
/// `{table}` is the subject as a quoted identifier.
public struct NoRowsCheck: CheckKind {
    public static let key = "no_rows"
    public static let needsRows = true
    public var sql: String

    public static func read(_ node: Node, _ context: CheckReadingContext) -> NoRowsCheck? {
        // A scalar is the whole check (`no_rows: VALUE`); only a mapping reads fields.
        if case .scalar = node {
            return context.reader.string(node, key: key).map { sql in NoRowsCheck(sql: sql) }
        }
        guard let fields = context.fields(node, key: key, allowed: ["sql"], required: ["sql"]),
            let sql = fields.text("sql")
        else { return nil }
        return NoRowsCheck(sql: sql)
    }

    public func expectation(_ substitute: (String) -> String) -> String { "no rows from the query" }
}
