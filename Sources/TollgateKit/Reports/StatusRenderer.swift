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
        var reachable = report.environments.map(\.reachable)
        collapseFleets(&rows, &notes, &reachable)
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
            let state: (String) -> String = {
                reachable[index] ? paint.green($0) : paint.red($0)
            }
            let plain: (String) -> String = { $0 }
            let styles: [(String) -> String] = [
                { paint.bold($0) }, plain, state, plain, plain, plain, plain, { paint.dim($0) },
            ]
            output.append(line(row, styles: styles))
            if let note = notes[index] { output.append("  " + paint.red("└ " + note)) }
        }
        return output.joined(separator: "\n")
    }

    /// A fleet's members that stand alike as one row, so that a fleet of hundreds reads as
    /// its few states.
    ///
    /// Members (`tenants/acme`) alike in state, server, migrations, rollout, schema,
    /// fingerprint and note become `tenants (12 of 20)`, their names in a note. A fleet with
    /// one member in the report keeps that member's own row.
    static func collapseFleets(
        _ rows: inout [[String]], _ notes: inout [Int: String], _ reachable: inout [Bool]
    ) {
        var members: [String: Int] = [:]
        for row in rows {
            if let fleet = Environment.fleetMember(row[0])?.fleet {
                members[fleet, default: 0] += 1
            }
        }
        var out: [[String]] = []
        var outNotes: [Int: String] = [:]
        var outReachable: [Bool] = []
        var groupOf: [[String]: Int] = [:]
        var names: [Int: [String]] = [:]
        for (index, row) in rows.enumerated() {
            guard let (fleet, member) = Environment.fleetMember(row[0]),
                let count = members[fleet], count > 1
            else {
                out.append(row)
                outReachable.append(reachable[index])
                if let note = notes[index] { outNotes[out.count - 1] = note }
                continue
            }
            let key = [fleet] + Array(row[2...]) + [notes[index] ?? ""]
            if let group = groupOf[key] {
                names[group, default: []].append(member)
                continue
            }
            out.append(row)
            outReachable.append(reachable[index])
            groupOf[key] = out.count - 1
            names[out.count - 1] = [member]
            if let note = notes[index] { outNotes[out.count - 1] = note }
        }
        for (group, list) in names {
            let fleet = Environment.fleetMember(out[group][0])?.fleet ?? out[group][0]
            out[group][0] = "\(fleet) (\(list.count) of \(members[fleet] ?? list.count))"
            out[group][1] = ""
            let members = "members: " + Environment.nameList(list)
            outNotes[group] = outNotes[group].map { members + "\n  └ " + $0 } ?? members
        }
        rows = out
        notes = outNotes
        reachable = outReachable
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
