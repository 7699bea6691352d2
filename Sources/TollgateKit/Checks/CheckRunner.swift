import Foundation
import PostgresClient

/// Runs suites against one environment: structural checks against a catalog snapshot, data checks
/// as queries.
///
/// Nothing here changes data: every query runs in a read-only transaction that is rolled back.
public struct CheckRunner: Sendable {
    public let project: Project
    /// True on a rehearsal's schema-only copy: data checks and probes, which need the rows
    /// that were not copied, are reported as not applicable instead of failing.
    public let schemaOnly: Bool
    /// The application's code, read once for every environment this runner checks.
    let code = CodeExpectationsCache()

    public init(project: Project, schemaOnly: Bool = false) {
        self.project = project
        self.schemaOnly = schemaOnly
    }

    /// Why `snapshot` is not this application's database: none of the tables its table sets name is
    /// there (a URL that points at the wrong database, an empty one).
    ///
    /// Checks would only say "run Day 1", which would be the wrong advice.
    func notThisApplication(
        _ snapshot: CatalogSnapshot, environment: Environment, endpoint: Endpoint
    ) -> String? {
        let tables = project.tableSets.keys.sorted().flatMap { project.tableSets[$0]! }
        guard !tables.isEmpty,
            !tables.contains(where: {
                snapshot.relation(QualifiedName(parsing: $0))?.isTable == true
            })
        else {
            return nil
        }
        let names = tables.prefix(3).joined(separator: ", ") + (tables.count > 3 ? ", …" : "")
        return
            "environment '\(environment.name)' does not look like this application's database: none of its \(tables.count) tables "
            + "(\(names)) is in \(endpoint.database ?? "it"); it points at \(endpoint)\(environment.pointsAtSandbox ? " (the sandbox)" : ""): "
            + "check \(environment.connectionSetting)"
    }

    /// Runs one suite on an open connection.
    public func run(
        _ suite: Suite, on db: Connection, environment: String, snapshot: CatalogSnapshot
    ) throws -> SuiteRun {
        var results: [CheckResult] = []
        for check in suite.checks {
            for subject in subjects(of: check) {
                // A requirement counts for the same table when both walk tables, else as a whole.
                let failedRequirements = check.requires.filter { required in
                    results.contains {
                        $0.check == required && !$0.passed
                            && (subject == nil || $0.subject == nil || $0.subject == subject)
                    }
                }
                let base = CheckResult(
                    check: check.id, subject: subject, outcome: .passed, expected: "", found: nil,
                    fix: check.fix,
                    rowCount: nil, sample: nil, definedAt: check.location.description)
                if !failedRequirements.isEmpty {
                    var result = base
                    result.outcome = .skipped
                    result.expected = expectation(check, subject: subject)
                    result.found = "not run: \(failedRequirements.joined(separator: ", ")) failed"
                    results.append(result)
                    continue
                }
                if let kind = check.kind as? any ExpandingCheck {
                    results += kind.evaluateAll(check, base: base, snapshot: snapshot, runner: self)
                    continue
                }
                results.append(
                    try evaluate(check, subject: subject, base: base, db: db, snapshot: snapshot))
            }
        }
        return SuiteRun(suite: suite.name, environment: environment, results: results)
    }

    func subjects(of check: CheckDefinition) -> [String?] {
        guard let set = check.forEach else { return [nil] }
        return project.tableSets[set] ?? []
    }

    /// Replaces `{table}` with the subject.
    func substitute(_ text: String, _ subject: String?) -> String {
        guard let subject else { return text }
        return text.replacingOccurrences(of: "{table}", with: subject)
    }

    func expectation(_ check: CheckDefinition, subject: String?) -> String {
        let text = check.kind.expectation { substitute($0, subject) }
        return check.present ? text : "no " + text
    }

    func evaluate(
        _ check: CheckDefinition, subject: String?, base: CheckResult, db: Connection,
        snapshot: CatalogSnapshot
    ) throws -> CheckResult {
        var result = base
        result.expected = expectation(check, subject: subject)
        if schemaOnly && type(of: check.kind).needsRows {
            result.outcome = .notApplicable
            result.found = "not applicable: a rehearsal copies the schema, not the rows"
            return result
        }
        guard let kind = check.kind as? any EvaluatedCheck else {
            result.outcome = .error
            result.found =
                "cannot run: no behaviour for checks of kind '\(type(of: check.kind).key)'"
            return result
        }
        return try kind.evaluate(
            check, subject: subject, result: result,
            in: CheckContext(db: db, snapshot: snapshot, substitute: { substitute($0, subject) }))
    }
}
