import Foundation

/// Renders a ``CheckReport``: text grouped by environment, suite and check, or JSON.
public enum CheckRenderer {
    /// One block per suite and environment; a check that passed for every subject is one
    /// line, a failing one lists each failing subject with expected, found and the fix.
    ///
    /// A fleet's members (`tenants/acme`) are summarised instead: how many pass, the others
    /// grouped by what failed, with the details once per group (its first member's).
    /// - Parameter suites: the suites by name, for each check's one-line description.
    /// - Parameter fleetSizes: each fleet's size, for a fleet narrowed by `--shard`.
    public static func text(
        _ report: CheckReport, suites: [String: Suite] = [:], color: Bool,
        fleetSizes: [String: Int] = [:]
    ) -> String {
        let (single, fleets) = splitFleets(report)
        var blocks: [String] = []
        if !single.isEmpty {
            blocks.append(details(CheckReport(environments: single), suites: suites, color: color))
        }
        for fleet in fleets {
            blocks.append(
                fleetSummary(
                    fleet.name, fleet.members, suites: suites, color: color,
                    size: fleetSizes[fleet.name]))
        }
        return blocks.joined(separator: "\n")
    }

    /// The environments of one database, and each fleet's members (`tenants/acme`) by fleet,
    /// in the report's order.
    static func splitFleets(
        _ report: CheckReport
    ) -> (
        single: [CheckReport.EnvironmentChecks],
        fleets: [(name: String, members: [CheckReport.EnvironmentChecks])]
    ) {
        var fleets: [(name: String, members: [CheckReport.EnvironmentChecks])] = []
        var single: [CheckReport.EnvironmentChecks] = []
        for environment in report.environments {
            guard let fleet = Environment.fleetMember(environment.environment)?.fleet else {
                single.append(environment)
                continue
            }
            if let index = fleets.firstIndex(where: { $0.name == fleet }) {
                fleets[index].members.append(environment)
            } else {
                fleets.append((fleet, [environment]))
            }
        }
        return (single, fleets)
    }

    /// What GitHub is shown of a report (annotations and the step summary, which GitHub caps
    /// at 1 MiB): each fleet by one member per group, the first, as the text details them;
    /// and a line per fleet with its groups.
    public static func forGitHub(
        _ report: CheckReport
    ) -> (report: CheckReport, fleetLines: [String]) {
        let (single, fleets) = splitFleets(report)
        var shown = single
        var lines: [String] = []
        for fleet in fleets {
            let groups = fleetGroups(fleet.members)
            let passed = groups.first { $0.what.isEmpty }?.members.count ?? 0
            lines.append(
                "fleet \(fleet.name): \(passed) of \(fleet.members.count) passed"
                    + groups.filter { !$0.what.isEmpty }.map {
                        "; \($0.members.count) \($0.what) (such as \($0.members[0].environment))"
                    }.joined())
            shown += groups.filter { !$0.what.isEmpty }.map { $0.members[0] }
        }
        return (CheckReport(environments: shown), lines)
    }

    /// A fleet's members grouped by what went wrong (empty: passed), largest group first.
    static func fleetGroups(
        _ members: [CheckReport.EnvironmentChecks]
    ) -> [(what: String, members: [CheckReport.EnvironmentChecks])] {
        func what(_ member: CheckReport.EnvironmentChecks) -> String {
            if let problem = member.problem, member.error != nil {
                switch problem {
                case .unreachable: return "unreachable"
                case .refused: return "could not be checked (a query was refused)"
                case .notThisApplication: return "not this application's database"
                }
            }
            let failed = member.suites.compactMap { run -> String? in
                let ids = orderedChecks(run.results).filter { id in
                    run.results.contains { $0.check == id && !$0.passed }
                }
                return ids.isEmpty ? nil : "\(run.suite): \(ids.joined(separator: ", ")) failed"
            }
            return failed.joined(separator: "; ")
        }
        var groups: [(what: String, members: [CheckReport.EnvironmentChecks])] = []
        for member in members {
            let key = what(member)
            if let index = groups.firstIndex(where: { $0.what == key }) {
                groups[index].members.append(member)
            } else {
                groups.append((key, [member]))
            }
        }
        // Largest first; equal sizes in the order they were met.
        return groups.enumerated().sorted {
            ($0.element.members.count, -$0.offset) > ($1.element.members.count, -$1.offset)
        }.map(\.element)
    }

    /// What a fleet's members have in common: the passing ones counted, the others grouped by
    /// the checks that failed (or why they could not be checked), largest group first.
    static func fleetSummary(
        _ fleet: String, _ members: [CheckReport.EnvironmentChecks], suites: [String: Suite],
        color: Bool, size: Int? = nil
    ) -> String {
        let paint = Paint(enabled: color)
        let groups = fleetGroups(members)
        let passed = groups.first { $0.what.isEmpty }?.members ?? []
        let failing = groups.filter { !$0.what.isEmpty }.sorted {
            $0.members.count > $1.members.count
        }
        let suiteNames = Array(Set(members.flatMap { $0.suites.map(\.suite) })).sorted()
        let verdict =
            failing.isEmpty
            ? paint.green("passed")
            : paint.red("BLOCKED")
                + " — \(members.count - passed.count) of \(members.count) did not pass"
        var lines = [
            paint.bold(
                "\(suiteNames.isEmpty ? "checks" : suiteNames.joined(separator: ", ")) on fleet \(fleet) (\(size.map { $0 != members.count ? "\(members.count) of \($0)" : nil }.flatMap { $0 } ?? "\(members.count)") member\((size ?? members.count) == 1 ? "" : "s")): "
            ) + verdict
        ]
        func names(_ members: [CheckReport.EnvironmentChecks]) -> String {
            Environment.nameList(members.map(\.environment), short: true)
        }
        if !passed.isEmpty {
            lines.append(paint.green("  ✓ \(passed.count) passed: ") + names(passed))
        }
        for group in failing {
            lines.append(
                paint.red("  ✗ \(group.members.count) \(group.what): ") + names(group.members))
            // Members that could not be checked each have their own reason (a missing
            // database, a password, an unset variable): one line each.
            if group.members[0].error != nil {
                for member in group.members.prefix(10) {
                    lines.append(
                        "      \(Environment.fleetMember(member.environment)?.member ?? member.environment): \(member.error ?? "")"
                    )
                }
                if group.members.count > 10 {
                    lines.append("      and \(group.members.count - 10) more")
                }
                continue
            }
            let first = details(
                CheckReport(environments: [group.members[0]]), suites: suites, color: color)
            lines += first.split(separator: "\n", omittingEmptySubsequences: false).map {
                "      " + $0
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Every environment's blocks, one after another.
    static func details(
        _ report: CheckReport, suites: [String: Suite], color: Bool
    ) -> String {
        let paint = Paint(enabled: color)
        var lines: [String] = []
        for environment in report.environments {
            if let error = environment.error {
                lines.append(
                    paint.red(
                        "✗ \(environment.environment): \(environment.reachable ? "checks could not run" : "unreachable"): \(error)"
                    ))
                continue
            }
            for run in environment.suites {
                let checks = orderedChecks(run.results)
                let failed = checks.filter { id in
                    run.results.contains { $0.check == id && !$0.passed }
                }
                let verdict =
                    failed.isEmpty
                    ? paint.green("passed")
                    : paint.red("BLOCKED") + " — \(failed.count) of \(checks.count) checks failed"
                lines.append(paint.bold("\(run.suite) on \(environment.environment): ") + verdict)
                for id in checks {
                    let results = run.results.filter { $0.check == id }
                    let failures = results.filter { !$0.passed }
                    let subjects = results.compactMap(\.subject).count
                    if failures.isEmpty, let first = results.first,
                        results.allSatisfy({ $0.outcome == .notApplicable })
                    {
                        lines.append(
                            "  \(paint.dim("–")) \(id)\(paint.dim(": " + (first.found ?? "not applicable")))"
                        )
                        continue
                    }
                    if failures.isEmpty {
                        lines.append(
                            "  \(paint.green("✓")) \(id)\(subjects > 1 ? paint.dim(" (\(subjects) tables)") : "")"
                        )
                        continue
                    }
                    let cites = failures.contains { $0.citedAt != nil }
                    let count =
                        cites
                        ? paint.dim(" (\(failures.count) unmet)")
                        : subjects > 1
                            ? paint.dim(" (\(failures.count) of \(subjects) tables)") : ""
                    let description =
                        suites[run.suite]?.checks.first { $0.id == id }?.description.map {
                            " — \($0)"
                        } ?? ""
                    lines.append("  \(paint.red("✗")) \(id)\(count)\(description)")
                    if cites {
                        // Each unmet expectation with the code's lines that expect it.
                        for failure in failures {
                            lines.append(
                                "      \(failure.subject.map(shortName).map { $0 + ": " } ?? "")\(failure.found ?? "nothing")"
                            )
                            if let sites = failure.citedAt, !sites.isEmpty {
                                lines.append(
                                    paint.dim(
                                        "        at " + citation(sites, count: failure.citedCount)))
                            }
                        }
                        if let fix = failures.first?.fix {
                            lines.append("      " + paint.yellow("fix:") + " \(fix)")
                        }
                        continue
                    }
                    // Subjects that failed the same way share one line.
                    var groups: [(found: String, subjects: [String], sample: [[String: String]])] =
                        []
                    for failure in failures {
                        let found =
                            failure.outcome == .error
                            ? "error: \(failure.found ?? "?")" : (failure.found ?? "nothing")
                        let text =
                            failure.outcome == .skipped || failure.subject != nil
                            ? found : "expected \(failure.expected), found \(found)"
                        if let index = groups.firstIndex(where: { $0.found == text }) {
                            groups[index].subjects.append(failure.subject.map(shortName) ?? "")
                        } else {
                            groups.append(
                                (
                                    text, failure.subject.map { [shortName($0)] } ?? [],
                                    failure.sample ?? []
                                ))
                        }
                    }
                    for group in groups {
                        let who = group.subjects.filter { !$0.isEmpty }.joined(separator: ", ")
                        lines.append("      \(who.isEmpty ? "" : who + ": ")\(group.found)")
                        for row in group.sample.prefix(3) {
                            lines.append(
                                paint.dim(
                                    "        "
                                        + row.sorted { $0.key < $1.key }.map {
                                            "\($0.key)=\($0.value)"
                                        }.joined(separator: " ")))
                        }
                    }
                    if let fix = failures.first(where: { $0.outcome != .skipped })?.fix {
                        lines.append("      " + paint.yellow("fix:") + " \(fix)")
                    }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Pretty-printed JSON with sorted keys.
    public static func json(_ report: CheckReport) throws -> String {
        try ReportJSON.encode(report)
    }

    /// The first few sites, and how many more: `a.ts:3:5, b.ts:9:1 +4 more`.
    static func citation(_ sites: [String], count: Int?, shown: Int = 3) -> String {
        let more = (count ?? sites.count) - min(sites.count, shown)
        return sites.prefix(shown).joined(separator: ", ") + (more > 0 ? " +\(more) more" : "")
    }

    /// `public.leads` reads as `leads`; other schemas stay qualified.
    static func shortName(_ name: String) -> String {
        name.hasPrefix("public.") ? String(name.dropFirst(7)) : name
    }

    static func orderedChecks(_ results: [CheckResult]) -> [String] {
        var seen = Set<String>()
        return results.map(\.check).filter { seen.insert($0).inserted }
    }
}
