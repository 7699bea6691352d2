import Yams

/// `foreign_key: {table, columns, references: public.organizations(id), validated}`.
public struct ForeignKeyCheck: CheckKind {
    public static let key = "foreign_key"
    public var table: String
    public var columns: [String]
    public var references: String
    /// Whether it must be validated (not `NOT VALID`); the default.
    public var validated: Bool

    public static func read(_ node: Node, _ context: CheckReadingContext) -> ForeignKeyCheck? {
        guard
            let fields = context.fields(
                node, key: key, allowed: ["table", "columns", "references", "validated"],
                required: ["columns", "references"]),
            let table = context.table(fields, key: key, at: node),
            let columns = fields.list("columns"), let references = fields.text("references")
        else { return nil }
        return ForeignKeyCheck(
            table: table, columns: columns, references: references,
            validated: fields.flag("validated") ?? true)
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        "\(validated ? "validated " : "")foreign key \(QualifiedName(parsing: substitute(table)))(\(columns.joined(separator: ", "))) → \(substitute(references))"
    }
}
