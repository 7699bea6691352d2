import Foundation

extension ComparisonRenderer {
    /// A single self-contained page (no external assets): the headline, an environment × object
    /// matrix colour-coded by state, expandable details per object, and anchors to link to.
    ///
    /// Written as well-formed XHTML so that any XML parser can check it.
    public static func html(_ report: ComparisonReport) -> String {
        let environments = report.environments
        let reachable = environments.filter { $0.error == nil }.map(\.name)
        var body = ""
        let tone =
            !report.wardenBlockedBy.isEmpty ? "bad" : report.wardenAssessed ? "good" : "neutral"
        body +=
            "<header class=\"\(tone)\"><h1>Environment comparison</h1><p class=\"headline\">\(escape(report.headline))</p></header>\n"

        body +=
            "<section id=\"environments\"><h2>Environments</h2><table><thead><tr><th>environment</th><th>server</th><th>fingerprint</th><th>rollout</th><th>warden</th><th>verify</th></tr></thead><tbody>\n"
        for environment in environments {
            if let error = environment.error {
                body +=
                    "<tr id=\"env-\(anchor(environment.name))\"><th>\(heading(environment))</th><td class=\"bad\" colspan=\"5\">unreachable: \(escape(error))</td></tr>\n"
                continue
            }
            func suite(_ name: String) -> String {
                guard let summary = environment.checks[name] else { return "<td></td>" }
                return summary.passed
                    ? "<td class=\"good\">passed</td>"
                    : "<td class=\"bad\">blocked: \(escape(summary.firstFailure ?? ""))</td>"
            }
            let rollout =
                environment.rollout.isEmpty
                ? "not started"
                : environment.rollout.map { entry in
                    escape(
                        "\(entry.playbook) (ran by \(entry.ranBy)\(entry.approvedBy.isEmpty ? "" : "; approved by " + entry.approvedBy.joined(separator: ", ")))"
                    )
                }.joined(separator: "<br/>")
            body +=
                "<tr id=\"env-\(anchor(environment.name))\"><th>\(heading(environment))</th><td>\(escape(environment.serverVersion ?? ""))</td><td><code>\(escape(String((environment.fingerprint ?? "").prefix(12))))</code></td><td>\(environment.rollout.isEmpty ? escape(rollout) : rollout)</td>\(suite("warden"))\(suite("verify"))</tr>\n"
        }
        body += "</tbody></table></section>\n"
        body += timelineSection(report.timeline)

        let partial = report.migrations.filter { !$0.missingIn.isEmpty || $0.checksumsDiffer }
        body +=
            "<section id=\"migrations\"><h2>Migrations not applied everywhere, or applied with different SQL (\(partial.count))</h2>"
        if !partial.isEmpty {
            body +=
                "<table class=\"matrix\"><thead><tr><th>migration</th>"
                + reachable.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
            for migration in partial {
                body +=
                    "<tr id=\"migration-\(escape(migration.version))\"><th>\(escape(migration.version)) \(escape(migration.name ?? ""))</th>"
                    + reachable.map { name in
                        guard migration.appliedIn.contains(name) else {
                            return "<td class=\"bad\">missing</td>"
                        }
                        return migration.checksumsDiffer
                            ? "<td class=\"different\">applied, SQL <code>\(escape(migration.checksums[name] ?? ""))</code></td>"
                            : "<td class=\"good\">applied</td>"
                    }.joined()
                    + "</tr>\n"
            }
            body += "</tbody></table>"
        }
        body += "</section>\n"

        body += "<section id=\"drift\"><h2>Out-of-band changes (\(report.drift.count))</h2>"
        if report.drift.isEmpty {
            body +=
                "<p class=\"good\">An applied migration or playbook step accounts for every object.</p>"
        } else {
            body +=
                "<p>No applied migration or playbook step accounts for these: they were made by hand, in a dashboard, or by a script nobody recorded.</p>"
            body +=
                "<table><thead><tr><th>environment</th><th>change</th><th>object</th><th>detail</th></tr></thead><tbody>\n"
            for entry in report.drift {
                let anchor =
                    "drift-" + anchorName("\(entry.environment)-\(entry.kind)-\(entry.object)")
                body +=
                    "<tr id=\"\(anchor)\"><th>\(escape(entry.environment))</th><td class=\"oob\">\(entry.change.rawValue)</td><td><a href=\"#\(anchor)\">\(escape(entry.kind.rawValue))</a> <code>\(escape(entry.object))</code>\(escape(includes(entry)))</td><td>\(escape(entry.detail))</td></tr>\n"
            }
            body += "</tbody></table>"
        }
        let notes = environments.compactMap { environment in
            environment.driftNote.map { "<li>\(escape(environment.name)): \(escape($0))</li>" }
        }
        if !notes.isEmpty { body += "<ul class=\"notes\">\(notes.joined())</ul>" }
        body += "</section>\n"

        body += differencesSection(report, reachable: reachable)

        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>Tollgate — environment comparison</title>
            <style>
            body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 48px; color: #1d232a; }
            header { padding: 16px 20px; border-radius: 8px; margin: 16px 0; }
            header h1 { margin: 0 0 4px; font-size: 20px; }
            .headline { margin: 0; font-size: 16px; font-weight: 600; }
            header.bad { background: #fdecea; border: 1px solid #f5c2bd; }
            header.good { background: #e7f6ec; border: 1px solid #b7e1c3; }
            header.neutral { background: #f3f5f7; border: 1px solid #d7dde3; }
            h2 { font-size: 16px; margin: 28px 0 8px; }
            table { border-collapse: collapse; width: 100%; }
            th, td { border: 1px solid #d7dde3; padding: 6px 8px; text-align: left; vertical-align: top; }
            thead th { background: #f3f5f7; position: sticky; top: 0; }
            tbody th { font-weight: 500; }
            td.good, p.good { background: #e7f6ec; }
            td.bad { background: #fdecea; }
            .reference { background: #e8f0fe; }
            .matches { background: #e7f6ec; }
            .differs { background: #fff4d6; }
            .missing { background: #fdecea; }
            .only-here { background: #f3e8fd; }
            .absent { background: #f3f5f7; color: #5b6672; }
            svg.timeline { border: 1px solid #d7dde3; border-radius: 6px; background: #fff; }
            svg text { font: 12px system-ui, sans-serif; fill: #1d232a; }
            svg text.axis { fill: #5b6672; }
            svg text.lane { font-weight: 600; }
            svg line.lane { stroke: #d7dde3; stroke-width: 2; }
            svg circle.done { fill: #2e7d32; }
            svg text.done { font-size: 11px; }
            svg rect.approval { fill: #1d4ed8; }
            svg rect.soak { fill: #fff4d6; stroke: #e0a96d; }
            svg line.blocked { stroke: #c62828; stroke-width: 3; }
            svg text.blocked { fill: #c62828; font-size: 11px; }
            p.legend span.done { color: #2e7d32; }
            p.legend span.approval { color: #1d4ed8; }
            p.legend span.soak { background: #fff4d6; }
            p.legend span.blocked { color: #c62828; }
            p.legend span { display: inline-block; padding: 2px 8px; margin: 0 6px 4px 0; border: 1px solid #d7dde3; border-radius: 4px; }
            details.group { margin: 8px 0; border: 1px solid #d7dde3; border-radius: 6px; padding: 4px 8px; }
            details.group > summary { font-size: 15px; padding: 4px 0; }
            details.group table { margin: 6px 0 4px; }
            nav.groups a { margin-right: 12px; }
            #only-differences:checked ~ section tr.same-everywhere { display: none; }
            #only-differences:checked ~ section details.same-everywhere { display: none; }
            .oob { color: #8a4b00; font-weight: 600; }
            span.oob { font-size: 11px; border: 1px solid #e0a96d; border-radius: 4px; padding: 0 4px; margin-left: 4px; }
            ul.notes { color: #5b6672; }
            code { font: 12px ui-monospace, monospace; white-space: pre-wrap; word-break: break-word; }
            summary { cursor: pointer; font-weight: 600; }
            a { color: inherit; }
            tr:target { outline: 2px solid #3b82f6; }
            </style>
            </head>
            <body>
            \(body)<footer><p>tollgate compare, report version \(report.version)</p></footer>
            </body>
            </html>

            """
    }

    /// The schema differences against the reference, grouped by kind: a legend, a count per
    /// group and for the page, groups that collapse (those of more than 25 objects start
    /// closed), and with `--all` the objects that are the same everywhere, which the "show only
    /// what differs" box hides (CSS only: the page runs no script).
    static func differencesSection(_ report: ComparisonReport, reachable: [String]) -> String {
        let reference = report.reference ?? ""
        let identical = Dictionary(grouping: report.identical ?? [], by: \.kind)
        var body = ""
        if !identical.isEmpty {
            body +=
                "<input type=\"checkbox\" id=\"only-differences\" checked=\"checked\"/><label for=\"only-differences\"> show only what differs</label>\n"
        }
        body +=
            "<section id=\"differences\"><h2>Schema differences (\(report.differences.count))\(report.reference == nil ? "" : ", " + escape(report.referenceNote))</h2>"
        guard !report.differences.isEmpty || !identical.isEmpty else {
            return body
                + "<p class=\"good\">The environments compared have the same schema.</p></section>\n"
        }
        body +=
            "<p class=\"legend\"><span class=\"reference\">\(escape(reference))'s own: the reference</span><span class=\"matches\">= the same as \(escape(reference))</span><span class=\"differs\">≠ differs from it</span><span class=\"missing\">− missing (\(escape(reference)) has it)</span><span class=\"only-here\">+ only here (\(escape(reference)) lacks it)</span><span class=\"absent\">— absent</span></p>\n"
        var groups = report.groups.map { (kind: $0.kind, differences: $0.differences) }
        let identicalKinds =
            ObjectKind.all.filter { identical[$0] != nil }
            + identical.keys.filter { !ObjectKind.all.contains($0) }.sorted {
                $0.rawValue < $1.rawValue
            }
        for kind in identicalKinds where !groups.contains(where: { $0.kind == kind }) {
            groups.append((kind, []))
        }
        body +=
            "<nav class=\"groups\">"
            + groups.map {
                "<a href=\"#group-\(anchorName($0.kind.plural))\">\(escape($0.kind.plural)) (\($0.differences.count))</a>"
            }.joined() + "</nav>\n"
        var used = Set<String>()
        for group in groups {
            let same = identical[group.kind] ?? []
            let total = group.differences.count + same.count
            let counts =
                same.isEmpty
                ? "\(group.differences.count) differ"
                : "\(group.differences.count) of \(total) differ"
            body +=
                "<details class=\"group\(group.differences.isEmpty ? " same-everywhere" : "")\" id=\"group-\(anchorName(group.kind.plural))\"\(group.differences.count <= 25 ? " open=\"open\"" : "")><summary>\(escape(group.kind.plural)) (\(counts))</summary>"
            body +=
                "<table class=\"matrix\"><thead><tr><th>object</th>"
                + reachable.map {
                    "<th>\(escape($0))\($0 == reference ? " (reference)" : "")</th>"
                }.joined() + "</tr></thead><tbody>\n"
            for difference in group.differences {
                // Names that read the same as an anchor (`a_b`, `a-b`; `Users`, `users`) get
                // `-2`, `-3`… in page order, so every anchor leads to its own row.
                var anchor = "obj-" + anchorName("\(difference.kind)-\(difference.object)")
                if used.contains(anchor) {
                    var number = 2
                    while used.contains("\(anchor)-\(number)") { number += 1 }
                    anchor += "-\(number)"
                }
                used.insert(anchor)
                body +=
                    "<tr id=\"\(anchor)\"><th><a href=\"#\(anchor)\">\(escape(difference.kind.rawValue))</a> <code>\(escape(difference.object))</code></th>"
                for name in reachable {
                    body += htmlCell(
                        difference, name, outOfBand: report.isOutOfBand(difference, on: name))
                }
                body += "</tr>\n"
            }
            for object in same {
                body +=
                    "<tr class=\"same-everywhere\"><th>\(escape(object.kind.rawValue)) <code>\(escape(object.object))</code></th><td class=\"matches\" colspan=\"\(reachable.count)\"><details><summary>the same everywhere</summary><code>\(escape((object.values.values.first ?? nil) ?? ""))</code></details></td></tr>\n"
            }
            body += "</tbody></table></details>\n"
        }
        return body + "</section>\n"
    }

    /// One environment's cell: its state as the class and label, its definition inside.
    static func htmlCell(
        _ difference: ComparisonReport.Difference, _ name: String, outOfBand: Bool
    ) -> String {
        let value = difference.values[name] ?? nil
        let state = difference.states[name] ?? .absent
        let label: String
        switch state {
        case .reference: label = clip(value ?? "", to: 72)
        case .matches: label = "= the same"
        case .differs:
            label = "≠ " + (difference.changes[name] ?? []).joined(separator: "; ")
        case .missing: label = "− missing"
        case .onlyHere: label = "+ only here: " + clip(value ?? "", to: 60)
        case .absent: label = "— absent"
        }
        let flag = outOfBand ? " <span class=\"oob\">out of band</span>" : ""
        guard let value else {
            return "<td class=\"\(anchorName(state.rawValue))\">\(escape(label))\(flag)</td>"
        }
        return
            "<td class=\"\(anchorName(state.rawValue))\"><details><summary>\(escape(label))\(flag)</summary><code>\(escape(value))</code></details></td>"
    }

    /// The start of a definition, for a cell's summary.
    static func clip(_ text: String, to length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// An environment's name as an `id`: HTML's ids have no spaces (`tenants (14 of 20)`).
    static func anchor(_ name: String) -> String {
        escape(
            String(
                name.map { $0.isLetter || $0.isNumber || "-_/".contains($0) ? $0 : "-" }))
    }

    /// An environment's heading cell: its name, and a fleet group's members beneath.
    static func heading(_ environment: ComparisonReport.EnvironmentState) -> String {
        guard let members = environment.members else { return escape(environment.name) }
        return escape(environment.name) + "<br/><small>"
            + escape(ComparisonRenderer.memberList(members)) + "</small>"
    }

    static func escape(_ text: String) -> String {
        CheckExports.xml(text)
    }

    static func anchorName(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }
}
