import Yams

/// `policy: {table, command, roles, using_contains, with_check}`: a policy matches.
public struct PolicyCheck: CheckKind {
    public static let key = "policy"
    public var table: String
    public var command: String?
    public var roles: [String]?
    public var usingContains: String?
    public var withCheck: Bool?

    public static func read(_ node: Node, _ context: CheckReadingContext) -> PolicyCheck? {
        guard
            let fields = context.fields(
                node, key: key,
                allowed: ["table", "command", "roles", "using_contains", "with_check"]),
            let table = context.table(fields, key: key, at: node)
        else { return nil }
        return PolicyCheck(
            table: table, command: fields.text("command"), roles: fields.list("roles"),
            usingContains: fields.text("using_contains"),
            withCheck: fields.flag("with_check"))
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        var text = "policy on \(QualifiedName(parsing: substitute(table)))"
        if let command { text += " for \(command.uppercased())" }
        if let roles { text += " to \(roles.joined(separator: ", "))" }
        if let usingContains { text += " using \(usingContains)" }
        if withCheck == true { text += " with a WITH CHECK" }
        return text
    }
}
