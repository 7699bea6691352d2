import Yams

/// `index: {table, columns, unique}`: a valid index leads with those columns.
public struct IndexCheck: CheckKind {
    public static let key = "index"
    public var table: String
    public var columns: [String]
    public var unique: Bool?

    public static func read(_ node: Node, _ context: CheckReadingContext) -> IndexCheck? {
        guard
            let fields = context.fields(
                node, key: key, allowed: ["table", "columns", "unique"], required: ["columns"]),
            let table = context.table(fields, key: key, at: node),
            let columns = fields.list("columns")
        else { return nil }
        return IndexCheck(table: table, columns: columns, unique: fields.flag("unique"))
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        "\(unique == true ? "unique " : "")valid index on \(QualifiedName(parsing: substitute(table)))(\(columns.joined(separator: ", ")))"
    }
}
