import Foundation

/// Renders a ``ComparisonReport`` as terminal text, Markdown or JSON.
public enum ComparisonRenderer {
    /// Environments, migrations that differ, then the objects that differ (all objects'
    /// differences are always listed; identical objects never are).
    public static func text(_ report: ComparisonReport, color: Bool) -> String {
        let paint = Paint(enabled: color)
        var lines = [paint.bold(report.headline), ""]
        let width = max(11, report.environments.map(\.name.count).max() ?? 0)
        for environment in report.environments {
            let name = environment.name.padding(toLength: width, withPad: " ", startingAt: 0)
            defer {
                if let members = environment.members {
                    lines.append("  └ members: " + memberList(members))
                }
            }
            if let error = environment.error {
                lines.append("\(paint.bold(name))  \(paint.red("unreachable: \(error)"))")
                continue
            }
            let checks = ["warden", "verify"].compactMap { suite in
                environment.checks[suite].map {
                    $0.passed
                        ? paint.green("\(suite) ✓")
                        : paint.red("\(suite) ✗ \($0.firstFailure ?? "")")
                }
            }
            let rollout =
                environment.rollout.last.map {
                    "\($0.playbook) (\(environment.rollout.count) done)"
                } ?? "not started"
            lines.append(
                "\(paint.bold(name))  \(environment.serverVersion ?? "")  \(paint.dim(String((environment.fingerprint ?? "").prefix(12))))  rollout: \(rollout)  \(checks.joined(separator: "  "))"
            )
        }
        let locked = report.environments.filter { $0.longestLock != nil }
        if !locked.isEmpty {
            lines += [
                "", paint.bold("strong locks on tenant tables (the longest, and any over budget):"),
            ]
            for environment in locked {
                let name = environment.name.padding(toLength: width, withPad: " ", startingAt: 0)
                lines.append("  \(name)  longest: \(environment.longestLock!)")
                for over in environment.locksOverBudget ?? [] {
                    lines.append(
                        "  \(String(repeating: " ", count: width))  "
                            + paint.red("over budget: \(over)"))
                }
            }
        }
        let partial = report.migrations.filter { !$0.missingIn.isEmpty }
        if !partial.isEmpty {
            lines += ["", paint.bold("migrations not applied everywhere:")]
            for migration in partial {
                lines.append(
                    "  \(migration.version) \(migration.name ?? ""): applied in \(list(migration.appliedIn)); missing in \(list(migration.missingIn))"
                )
            }
        }
        let rewritten = report.migrations.filter(\.checksumsDiffer)
        if !rewritten.isEmpty {
            lines += ["", paint.bold("migrations applied with different SQL:")]
            for migration in rewritten {
                let sums = migration.appliedIn.compactMap { name in
                    migration.checksums[name].map { "\(name) \($0)" }
                }
                lines.append(
                    "  \(migration.version) \(migration.name ?? ""): "
                        + paint.yellow(sums.joined(separator: ", ")))
            }
        }
        lines += [
            "",
            paint.bold(
                report.differences.isEmpty
                    ? "no schema differences"
                    : "schema differences (\(report.differences.count)), \(report.referenceNote):"),
        ]
        let environments = report.environments.filter { $0.error == nil }.map(\.name)
        if !report.differences.isEmpty, let reference = report.reference {
            lines.append(
                paint.dim(
                    "  = the same as \(reference)   ≠ differs from it   − missing (\(reference) has it)   + only here (\(reference) lacks it)"
                ))
        }
        for group in report.groups {
            lines.append("  " + paint.bold("\(group.kind.plural) (\(group.differences.count))"))
            for difference in group.differences {
                lines.append("    \(difference.kind) \(difference.object)")
                for name in environments {
                    let flag =
                        report.isOutOfBand(difference, on: name)
                        ? "  " + paint.yellow("(out of band)") : ""
                    lines.append(
                        "      \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(cellText(difference, name, paint: paint))\(flag)"
                    )
                }
            }
        }
        lines += [
            "",
            paint.bold(
                report.drift.isEmpty
                    ? "no out-of-band changes"
                    : "out-of-band changes (\(report.drift.count)): no applied migration or step accounts for these"
            ),
        ]
        for entry in report.drift {
            lines.append(
                "  \(entry.environment.padding(toLength: width, withPad: " ", startingAt: 0))  \(paint.yellow(entry.change.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)))  \(entry.kind) \(entry.object)\(includes(entry)): \(entry.detail)"
            )
        }
        for environment in report.environments {
            if let note = environment.driftNote {
                lines.append(paint.dim("  \(environment.name): \(note)"))
            }
        }
        if let identical = report.identical {
            lines += ["", paint.bold("the same everywhere (\(identical.count)):")]
            for object in identical {
                lines.append(
                    "  \(object.kind) \(object.object)  \(paint.dim((object.values.values.first ?? nil) ?? ""))"
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One environment's cell of a difference, for the terminal.
    static func cellText(
        _ difference: ComparisonReport.Difference, _ name: String, paint: Paint
    ) -> String {
        let value = difference.values[name] ?? nil
        switch difference.states[name] {
        case .reference?: return "\(value ?? "") " + paint.dim("(reference)")
        case .matches?: return paint.green("= the same")
        case .differs?:
            return paint.yellow("≠ " + (difference.changes[name] ?? []).joined(separator: "; "))
        case .missing?:
            return paint.red("− missing")
        case .onlyHere?: return paint.yellow("+ only here: ") + (value ?? "")
        case .absent?, nil: return value ?? paint.dim("— absent")
        }
    }

    /// A fleet group's members: the first ten, and how many more.
    static func memberList(_ members: [String]) -> String { Environment.nameList(members) }

    static func includes(_ entry: ComparisonReport.Drift) -> String {
        entry.includes == 0 ? "" : " (+\(entry.includes) of its columns, constraints and indexes)"
    }

    /// Markdown for a pull request comment or a GitHub step summary; cut to stay under
    /// GitHub's 65,536-character limit, saying how much was left out.
    public static func markdown(_ report: ComparisonReport, limit: Int = 60_000) -> String {
        var lines = ["## Environment comparison", "", "**\(report.headline)**", ""]
        let reachable = report.environments.filter { $0.error == nil }.map(\.name)
        lines.append("| environment | server | fingerprint | rollout | warden | verify |")
        lines.append("|---|---|---|---|---|---|")
        for environment in report.environments {
            let name =
                environment.name
                + (environment.members.map { "<br/>" + cell(memberList($0)) } ?? "")
            if let error = environment.error {
                lines.append("| \(name) | unreachable: \(cell(error)) | | | | |")
                continue
            }
            func suite(_ name: String) -> String {
                environment.checks[name].map {
                    $0.passed ? "✅" : "❌ \(cell($0.firstFailure ?? ""))"
                } ?? ""
            }
            let rollout = environment.rollout.map(\.playbook).last ?? "not started"
            lines.append(
                "| \(name) | \(environment.serverVersion ?? "") | `\((environment.fingerprint ?? "").prefix(12))` | \(rollout) | \(suite("warden")) | \(suite("verify")) |"
            )
        }
        let partial = report.migrations.filter { !$0.missingIn.isEmpty }
        if !partial.isEmpty {
            lines += [
                "", "### Migrations not applied everywhere", "",
                "| migration | " + reachable.joined(separator: " | ") + " |",
                "|---|" + reachable.map { _ in "---|" }.joined(),
            ]
            for migration in partial {
                lines.append(
                    "| \(migration.version) \(cell(migration.name ?? "")) | "
                        + reachable.map { migration.appliedIn.contains($0) ? "✅" : "—" }.joined(
                            separator: " | ") + " |")
            }
        }
        let rewritten = report.migrations.filter(\.checksumsDiffer)
        if !rewritten.isEmpty {
            lines += ["", "### Migrations applied with different SQL", ""]
            for migration in rewritten {
                let sums = migration.appliedIn.compactMap { name in
                    migration.checksums[name].map { "\(name) `\($0)`" }
                }
                lines.append(
                    "- \(migration.version) \(cell(migration.name ?? "")): "
                        + sums.joined(separator: ", "))
            }
        }
        if !report.drift.isEmpty {
            lines += [
                "", "### Out-of-band changes (\(report.drift.count))", "",
                "No applied migration or playbook step accounts for these.", "",
                "| environment | change | object | detail |", "|---|---|---|---|",
            ]
            // At most a third of the page, each detail clipped: the differences need room.
            var shown = 0
            var size = 0
            for entry in report.drift {
                let row =
                    "| \(entry.environment) | \(entry.change.rawValue) | \(entry.kind) `\(cell(entry.object))`\(cell(includes(entry))) | \(cell(clip(entry.detail))) |"
                guard size + row.count < limit / 3 else { break }
                lines.append(row)
                size += row.count + 1
                shown += 1
            }
            if report.drift.count > shown {
                lines += [
                    "",
                    "_\(report.drift.count - shown) more left out to stay within GitHub's size limit; run `tollgate compare` for all._",
                ]
            }
        }
        if report.differences.isEmpty {
            lines += ["", "### No schema differences", ""]
            return lines.joined(separator: "\n") + "\n"
        }
        let reference = report.reference ?? ""
        lines += [
            "", "### Schema differences (\(report.differences.count)), \(report.referenceNote)",
            "",
            "= the same as \(reference) · ≠ differs from it · − missing (\(reference) has it) · + only here (\(reference) lacks it)",
            "", "| kind | objects that differ |", "|---|---|",
        ]
        for group in report.groups {
            lines.append("| \(group.kind.plural) | \(group.differences.count) |")
        }
        let head = lines.joined(separator: "\n")
        // Every group, each with at most `rows` of its objects: the most that stays under the
        // limit. Past it the page summarises (every count stays) rather than cutting.
        func groups(rows: Int) -> String {
            var text = ""
            for group in report.groups {
                text +=
                    "\n\n<details><summary>\(group.kind.plural) (\(group.differences.count))</summary>\n\n"
                text +=
                    "| object | "
                    + reachable.map { $0 == reference ? "\($0) (reference)" : $0 }.joined(
                        separator: " | ") + " |\n"
                text += "|---|" + reachable.map { _ in "---|" }.joined() + "\n"
                for difference in group.differences.prefix(rows) {
                    text +=
                        "| `\(cell(difference.object))` | "
                        + reachable.map { markdownCell(difference, $0) }.joined(separator: " | ")
                        + " |\n"
                }
                if group.differences.count > rows {
                    text +=
                        "\n_…and \(group.differences.count - rows) more \(group.kind.plural) that differ, left out to stay within GitHub's size limit: `tollgate compare --format html` shows them all._\n"
                }
                text += "\n</details>"
            }
            return text
        }
        var rows = report.groups.map(\.differences.count).max() ?? 0
        var body = groups(rows: rows)
        while head.count + body.count > limit - 200 && rows > 0 {
            rows = rows > 8 ? rows * 2 / 3 : rows - 1
            body = groups(rows: rows)
        }
        return head + body + "\n"
    }

    /// One environment's cell of a difference, in Markdown.
    static func markdownCell(_ difference: ComparisonReport.Difference, _ name: String) -> String {
        let value = (difference.values[name] ?? nil).map { "`\(cell(clip($0)))`" }
        switch difference.states[name] {
        case .reference?: return value ?? ""
        case .matches?: return "= the same"
        case .differs?:
            return "≠ " + cell((difference.changes[name] ?? []).joined(separator: "; "))
        case .missing?: return "− missing"
        case .onlyHere?: return "+ only here: " + (value ?? "")
        case .absent?, nil: return value ?? "—"
        }
    }

    /// A definition cut to a table cell's width.
    static func clip(_ text: String) -> String {
        text.count <= 160 ? text : String(text.prefix(157)) + "…"
    }

    public static func json(_ report: ComparisonReport) throws -> String {
        struct Document: Encodable {
            let report: ComparisonReport
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(report.version, forKey: .version)
                try container.encode(report.headline, forKey: .headline)
                try container.encodeIfPresent(report.reference, forKey: .reference)
                try container.encode(report.referenceChosen, forKey: .referenceChosen)
                try container.encode(report.environments, forKey: .environments)
                try container.encode(report.migrations, forKey: .migrations)
                try container.encode(report.differences, forKey: .differences)
                try container.encode(report.drift, forKey: .drift)
                try container.encode(report.wardenBlockedBy, forKey: .wardenBlockedBy)
                try container.encodeIfPresent(report.identical, forKey: .identical)
                try container.encodeIfPresent(report.timeline, forKey: .timeline)
            }
            enum Key: String, CodingKey {
                case version, headline, reference, referenceChosen, environments, migrations,
                    differences, drift, timeline,
                    wardenBlockedBy, identical
            }
        }
        return try ReportJSON.encode(Document(report: report))
    }

    static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.joined(separator: ", ")
    }
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
