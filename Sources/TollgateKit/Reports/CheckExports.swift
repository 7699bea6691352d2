import Foundation

/// ``CheckReport`` for CI systems: JUnit XML, GitHub annotations and a Markdown summary.
public enum CheckExports {
    /// JUnit XML: a `<testsuite>` per suite and environment, a `<testcase>` per check and table;
    /// failures carry expected, found and the fix.
    ///
    /// An unreachable environment is one failing test case, so the gate cannot look green.
    public static func junit(_ report: CheckReport) -> String {
        var suites: [String] = []
        var totals = (tests: 0, failures: 0, errors: 0, skipped: 0)
        for environment in report.environments {
            if let error = environment.error {
                totals.tests += 1
                totals.errors += 1
                suites.append(
                    """
                      <testsuite name="\(xml("tollgate.\(environment.environment)"))" tests="1" failures="0" errors="1" skipped="0">
                        <testcase classname="\(xml("tollgate.\(environment.environment)"))" name="connect">
                          <error message="\(attribute(error))">\(xml(error))</error>
                        </testcase>
                      </testsuite>
                    """)
                continue
            }
            for run in environment.suites {
                let failures = run.results.filter { $0.outcome == .failed }.count
                let errors = run.results.filter { $0.outcome == .error }.count
                let skipped = run.results.filter {
                    $0.outcome == .skipped || $0.outcome == .notApplicable
                }.count
                totals.tests += run.results.count
                totals.failures += failures
                totals.errors += errors
                totals.skipped += skipped
                let classname = xml("tollgate.\(environment.environment).\(run.suite)")
                var cases: [String] = []
                for result in run.results {
                    let name = xml(result.check + (result.subject.map { "[\($0)]" } ?? ""))
                    let detail = xml(
                        "expected \(result.expected)\nfound \(result.found ?? "nothing")"
                            + (result.fix.map { "\nfix: \($0)" } ?? "")
                            + (result.citedAt.map {
                                "\nexpected by the code at "
                                    + CheckRenderer.citation(
                                        $0, count: result.citedCount, shown: 20)
                            } ?? "")
                            + "\ndefined at \(result.definedAt)")
                    switch result.outcome {
                    case .passed:
                        cases.append(
                            "      <testcase classname=\"\(classname)\" name=\"\(name)\"/>")
                    case .failed:
                        cases.append(
                            "      <testcase classname=\"\(classname)\" name=\"\(name)\">\n        <failure message=\"\(attribute(result.found ?? "failed"))\">\(detail)</failure>\n      </testcase>"
                        )
                    case .error:
                        cases.append(
                            "      <testcase classname=\"\(classname)\" name=\"\(name)\">\n        <error message=\"\(attribute(result.found ?? "error"))\">\(detail)</error>\n      </testcase>"
                        )
                    case .skipped, .notApplicable:
                        cases.append(
                            "      <testcase classname=\"\(classname)\" name=\"\(name)\">\n        <skipped message=\"\(attribute(result.found ?? "skipped"))\"/>\n      </testcase>"
                        )
                    }
                }
                suites.append(
                    "  <testsuite name=\"\(classname)\" tests=\"\(run.results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\">\n"
                        + cases.joined(separator: "\n") + "\n  </testsuite>")
            }
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="tollgate" tests="\(totals.tests)" failures="\(totals.failures)" errors="\(totals.errors)" skipped="\(totals.skipped)">
            \(suites.joined(separator: "\n"))
            </testsuites>
            """
    }

    /// GitHub Actions workflow commands: one `::error` per failing check and table, at the
    /// line of the suite file that defines the check.
    public static func githubAnnotations(_ report: CheckReport) -> String {
        var lines: [String] = []
        for environment in report.environments {
            if let error = environment.error {
                lines.append(
                    "::error title=\(property("tollgate: \(environment.environment) unreachable"))::\(data(error))"
                )
                continue
            }
            for run in environment.suites {
                for result in run.failures {
                    if let sites = result.citedAt, !sites.isEmpty {
                        lines += codeAnnotations(
                            result, sites: sites, suite: run.suite,
                            environment: environment.environment)
                        continue
                    }
                    let parts = result.definedAt.split(separator: ":")
                    var properties: [String] = []
                    if parts.count >= 3 {
                        properties.append(
                            "file=\(property(parts.dropLast(2).joined(separator: ":")))")
                        properties.append("line=\(parts[parts.count - 2])")
                        properties.append("col=\(parts[parts.count - 1])")
                    }
                    let title =
                        "\(run.suite) on \(environment.environment): \(result.check)"
                        + (result.subject.map { " (\($0))" } ?? "")
                    properties.append("title=\(property(title))")
                    let message =
                        result.outcome == .skipped
                        ? (result.found ?? "not run")
                        : "expected \(result.expected), found \(result.found ?? "nothing")"
                            + (result.fix.map { "\nfix: \($0)" } ?? "")
                    lines.append("::error \(properties.joined(separator: ","))::\(data(message))")
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A `code` check's failure, annotated where the application expects it: one `::error`
    /// per cited line (the first ten), so a pull request shows it beside the code.
    static func codeAnnotations(
        _ result: CheckResult, sites: [String], suite: String, environment: String
    ) -> [String] {
        let title =
            "\(suite) on \(environment): \(result.check)"
            + (result.subject.map { " (\($0))" } ?? "")
        let message =
            "expected \(result.expected), found \(result.found ?? "nothing")"
            + (result.fix.map { "\nfix: \($0)" } ?? "")
            + "\n(check defined at \(result.definedAt))"
        return sites.prefix(10).map { site in
            let parts = site.split(separator: ":")
            var properties: [String] = []
            if parts.count >= 3 {
                properties.append("file=\(property(parts.dropLast(2).joined(separator: ":")))")
                properties.append("line=\(parts[parts.count - 2])")
                properties.append("col=\(parts[parts.count - 1])")
            }
            properties.append("title=\(property(title))")
            return "::error \(properties.joined(separator: ","))::\(data(message))"
        }
    }

    /// Markdown for a pull request or `GITHUB_STEP_SUMMARY`: a verdict per suite and
    /// environment and a table of the checks that did not pass.
    public static func markdown(_ report: CheckReport) -> String {
        var lines = ["## Tollgate checks", ""]
        for environment in report.environments {
            if let error = environment.error {
                lines.append(
                    "### ❌ \(environment.environment): \(environment.reachable ? "checks could not run" : "unreachable")"
                )
                lines.append("")
                lines.append("`\(error.replacingOccurrences(of: "`", with: "'"))`")
                lines.append("")
                continue
            }
            for run in environment.suites {
                let checks = CheckRenderer.orderedChecks(run.results)
                let failed = checks.filter { id in
                    run.results.contains { $0.check == id && !$0.passed }
                }
                lines.append(
                    failed.isEmpty
                        ? "### ✅ \(run.suite) on \(environment.environment): passed (\(checks.count) checks)"
                        : "### ❌ \(run.suite) on \(environment.environment): blocked, \(failed.count) of \(checks.count) checks failed"
                )
                lines.append("")
                guard !failed.isEmpty else { continue }
                lines.append("| check | table | found | fix |")
                lines.append("|---|---|---|---|")
                for result in run.failures {
                    lines.append(
                        "| \(cell(result.check)) | \(cell(result.subject.map(CheckRenderer.shortName) ?? "")) | \(cell((result.found ?? "") + (result.citedAt.map { " (at " + CheckRenderer.citation($0, count: result.citedCount) + ")" } ?? ""))) | \(cell(result.outcome == .skipped ? "" : result.fix ?? "")) |"
                    )
                }
                lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Escaping for an attribute value, where a raw newline would be normalised to a space.
    static func attribute(_ text: String) -> String {
        xml(text).replacingOccurrences(of: "\n", with: "&#10;").replacingOccurrences(
            of: "\r", with: "&#13;"
        )
        .replacingOccurrences(of: "\t", with: "&#9;")
    }

    static func xml(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\n", "\t", "\r": escaped.unicodeScalars.append(scalar)
            default:
                // XML 1.0 forbids most control characters, even escaped.
                if scalar.value < 0x20 {
                    escaped += "?"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped
    }

    /// Escaping for a workflow command's message (GitHub's toolkit `escapeData`).
    static func data(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Escaping for a workflow command's property (GitHub's toolkit `escapeProperty`).
    static func property(_ text: String) -> String {
        data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(
            of: ",", with: "%2C")
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
