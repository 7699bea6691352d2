import TollgateKit

/// The part of a command's help after its options: what it is for, examples to copy, and the
/// exit codes it can return.
enum CommandHelp {
    static func discussion(
        _ text: String? = nil, examples: [String], exits: [ExitStatus]
    ) -> String {
        var parts: [String] = []
        if let text { parts.append(text) }
        parts.append("Examples:\n" + examples.map { "  $ \($0)" }.joined(separator: "\n"))
        parts.append(
            "Exit codes:\n"
                + exits.map { "  \($0.rawValue)  \(meaning($0))" }.joined(separator: "\n"))
        return parts.joined(separator: "\n\n")
    }

    static func meaning(_ status: ExitStatus) -> String {
        switch status {
        case .success: return "success"
        case .blocked: return "blocked: a gate or check failed"
        case .badConfiguration: return "bad configuration or arguments (nothing was changed)"
        case .unreachable: return "a database could not be reached, or refused what was needed"
        case .stepFailed: return "a step failed while running"
        }
    }
}
