import Yams

/// `column: {table, name, type, not_null}`: the column exists with that type and nullability.
public struct ColumnCheck: CheckKind {
    public static let key = "column"
    public var table: String
    public var columnName: String
    public var type: String?
    public var notNull: Bool?

    public static func read(_ node: Node, _ context: CheckReadingContext) -> ColumnCheck? {
        guard
            let fields = context.fields(
                node, key: key, allowed: ["table", "name", "type", "not_null"], required: ["name"]),
            let table = context.table(fields, key: key, at: node), let name = fields.text("name")
        else { return nil }
        return ColumnCheck(
            table: table, columnName: name, type: fields.text("type"),
            notNull: fields.flag("not_null"))
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        var text = "column \(QualifiedName(parsing: substitute(table))).\(columnName)"
        if let type { text += " \(type)" }
        if let notNull { text += notNull ? " NOT NULL" : " nullable" }
        return text
    }
}
