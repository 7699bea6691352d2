import Yams

/// `function: {name, schema, returns, volatility, security_definer, body_contains, owner_not,
/// application}`: a function matches.
///
/// `application: true` leaves out the platform's own functions (``SupabasePlatform``), whoever owns
/// them.
public struct FunctionCheck: CheckKind {
    public static let key = "function"
    public var name: String?
    public var schema: String?
    public var returns: String?
    public var volatility: String?
    public var securityDefiner: Bool?
    public var bodyContains: String?
    public var ownerNot: String?
    public var applicationOnly: Bool

    public static func read(_ node: Node, _ context: CheckReadingContext) -> FunctionCheck? {
        guard
            let fields = context.fields(
                node, key: key,
                allowed: [
                    "name", "schema", "returns", "volatility", "security_definer", "body_contains",
                    "owner_not", "application",
                ])
        else { return nil }
        return FunctionCheck(
            name: fields.text("name"), schema: fields.text("schema"),
            returns: fields.text("returns"), volatility: fields.text("volatility"),
            securityDefiner: fields.flag("security_definer"),
            bodyContains: fields.text("body_contains"), ownerNot: fields.text("owner_not"),
            applicationOnly: fields.flag("application") ?? false)
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        var text =
            (applicationOnly ? "application function " : "function ")
            + (name.map { QualifiedName(parsing: substitute($0)).description }
                ?? "in schema \(schema ?? "any")")
        if let returns { text += " returning \(returns)" }
        if let volatility { text += " \(volatility)" }
        if let securityDefiner {
            text += securityDefiner ? " security definer" : " security invoker"
        }
        if let bodyContains { text += " reading \(bodyContains)" }
        if let ownerNot { text += " owned by a role other than \(ownerNot)" }
        return text
    }
}
