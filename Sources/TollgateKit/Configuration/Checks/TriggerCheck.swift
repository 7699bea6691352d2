import Yams

/// `trigger: {table, function, events, timing}`: an enabled trigger matches.
public struct TriggerCheck: CheckKind {
    public static let key = "trigger"
    public var table: String
    public var function: String?
    public var events: [String]?
    public var timing: String?

    public static func read(_ node: Node, _ context: CheckReadingContext) -> TriggerCheck? {
        guard
            let fields = context.fields(
                node, key: key, allowed: ["table", "function", "events", "timing"]),
            let table = context.table(fields, key: key, at: node)
        else { return nil }
        return TriggerCheck(
            table: table, function: fields.text("function"), events: fields.list("events"),
            timing: fields.text("timing"))
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        var text = "trigger on \(QualifiedName(parsing: substitute(table)))"
        if let timing { text += " \(timing)" }
        if let events { text += " \(events.joined(separator: "/"))" }
        if let function { text += " executing \(QualifiedName(parsing: substitute(function)))" }
        return text
    }
}
