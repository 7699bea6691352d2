import Foundation

/// Renders a ``StatusReport`` for a terminal or as JSON.
public enum StatusRenderer {
    /// A table, one row per environment, with the failure line under an unreachable one.
    /// - Parameter color: whether to use ANSI colours (only on a TTY, never with `NO_COLOR`).
    public static func text(_ report: StatusReport, color: Bool) -> String {
        let paint = Paint(enabled: color)
        let header = [
            "ENVIRONMENT", "TARGET", "STATE", "SERVER", "MIGRATIONS", "ROLLOUT", "SCHEMA",
            "FINGERPRINT",
        ]
        var rows: [[String]] = []
        var notes: [Int: String] = [:]
        for (index, status) in report.environments.enumerated() {
            let migrations =
                status.supabaseMigrations.map { m in
                    m.count == 0 ? "none" : "\(m.count), latest \(m.latest ?? "?")"
                } ?? (status.reachable ? "no supabase_migrations" : "")
            rows.append([
                status.environment,
                status.targetSummary,
                status.reachable ? "reachable" : "unreachable",
                status.serverVersion ?? "",
                migrations,
                status.rolloutSummary,
                status.tenancy?.summary ?? "",
                status.fingerprint.map { String($0.prefix(12)) } ?? "",
            ])
            var note = [status.error, status.rolloutError, status.foreign].compactMap { $0 }
            if let other = status.ledgerBoundTo {
                note.append(
                    "this database holds the ledger of environment '\(other)': \(status.environment) points at \(other)'s database"
                )
            }
            if !note.isEmpty { notes[index] = note.joined(separator: "\n  └ ") }
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String], styles: [(String) -> String]? = nil) -> String {
            cells.enumerated().map { column, cell in
                let padded =
                    column == cells.count - 1
                    ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                return styles?[column](padded) ?? padded
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var output: [String] = [paint.bold(line(header))]
        for (index, row) in rows.enumerated() {
            let reachable = report.environments[index].reachable
            let state: (String) -> String = { reachable ? paint.green($0) : paint.red($0) }
            let plain: (String) -> String = { $0 }
            let styles: [(String) -> String] = [
                { paint.bold($0) }, plain, state, plain, plain, plain, plain, { paint.dim($0) },
            ]
            output.append(line(row, styles: styles))
            if let note = notes[index] { output.append("  " + paint.red("└ " + note)) }
        }
        return output.joined(separator: "\n")
    }

    /// Pretty-printed JSON with sorted keys: reruns on an unchanged database are identical.
    public static func json(_ report: StatusReport) throws -> String {
        try ReportJSON.encode(report)
    }
}

/// ANSI styling that turns itself off when colour is not wanted.
public struct Paint: Sendable {
    public let enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }

    func wrap(_ code: String, _ text: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
    public func bold(_ text: String) -> String { wrap("1", text) }
    public func dim(_ text: String) -> String { wrap("2", text) }
    public func red(_ text: String) -> String { wrap("31", text) }
    public func green(_ text: String) -> String { wrap("32", text) }
    public func yellow(_ text: String) -> String { wrap("33", text) }
}
