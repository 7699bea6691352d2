import Foundation
import PostgresClient

/// Runs suites against one environment: structural checks against a catalog snapshot, data
/// checks as queries. Nothing here changes data: every query runs in a read-only transaction
/// that is rolled back.
public struct CheckRunner: Sendable {
    public let project: Project
    /// True on a rehearsal's schema-only copy: data checks and probes, which need the rows
    /// that were not copied, are reported as not applicable instead of failing.
    public let schemaOnly: Bool

    public init(project: Project, schemaOnly: Bool = false) {
        self.project = project
        self.schemaOnly = schemaOnly
    }

    /// Why `snapshot` is not this application's database: none of the tables its table
    /// sets name is there (a URL that points at the wrong database, an empty one). Checks
    /// would only say "run Day 1", which would be the wrong advice.
    func notThisApplication(_ snapshot: CatalogSnapshot, environment: Environment, endpoint: Endpoint) -> String? {
        let tables = project.tableSets.keys.sorted().flatMap { project.tableSets[$0]! }
        guard !tables.isEmpty, !tables.contains(where: { snapshot.relation(QualifiedName(parsing: $0))?.isTable == true }) else {
            return nil
        }
        let names = tables.prefix(3).joined(separator: ", ") + (tables.count > 3 ? ", …" : "")
        return "environment '\(environment.name)' does not look like this application's database: none of its \(tables.count) tables "
            + "(\(names)) is in \(endpoint.database ?? "it"); it points at \(endpoint)\(environment.pointsAtSandbox ? " (the sandbox)" : ""): "
            + "check \(environment.connectionSetting)"
    }

    /// Runs one suite on an open connection.
    public func run(_ suite: Suite, on db: Connection, environment: String, snapshot: CatalogSnapshot) throws -> SuiteRun {
        var results: [CheckResult] = []
        for check in suite.checks {
            for subject in subjects(of: check) {
                // A requirement counts for the same table when both walk tables, else as a whole.
                let failedRequirements = check.requires.filter { required in
                    results.contains {
                        $0.check == required && !$0.passed && (subject == nil || $0.subject == nil || $0.subject == subject)
                    }
                }
                let base = CheckResult(
                    check: check.id, subject: subject, outcome: .passed, expected: "", found: nil, fix: check.fix,
                    rowCount: nil, sample: nil, definedAt: check.location.description)
                if !failedRequirements.isEmpty {
                    var result = base
                    result.outcome = .skipped
                    result.expected = expectation(check, subject: subject)
                    result.found = "not run: \(failedRequirements.joined(separator: ", ")) failed"
                    results.append(result)
                    continue
                }
                results.append(try evaluate(check, subject: subject, base: base, db: db, snapshot: snapshot))
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
        let text = StructuralCheck.describe(check.kind, substitute: { substitute($0, subject) })
        return check.present ? text : "no " + text
    }

    func evaluate(
        _ check: CheckDefinition, subject: String?, base: CheckResult, db: Connection, snapshot: CatalogSnapshot
    ) throws -> CheckResult {
        var result = base
        result.expected = expectation(check, subject: subject)
        if schemaOnly {
            switch check.kind {
            case .noRows, .probe:
                result.outcome = .notApplicable
                result.found = "not applicable: a rehearsal copies the schema, not the rows"
                return result
            default: break
            }
        }
        if case .noRows(let sql) = check.kind {
            return try runDataCheck(sql, subject: subject, result: result, db: db)
        }
        if case .probe(let kind, let table) = check.kind {
            do {
                let probe = Probe(table: QualifiedName(parsing: substitute(table, subject)), snapshot: snapshot)
                let outcome = try probe.run(kind, on: db)
                if !outcome.passed {
                    result.outcome = .failed
                    result.found = outcome.found
                }
            } catch let error as Probe.Failure {
                result.outcome = .error
                result.found = "cannot run: \(error.message)"
            } catch let error as PostgresError where error.kind == .server {
                result.outcome = .error
                result.found = "cannot run: \(error.sqlState ?? "") \(error.message)"
            }
            return result
        }
        let matches = StructuralCheck.matches(check.kind, in: snapshot, substitute: { substitute($0, subject) })
        if check.present {
            if matches.found.isEmpty {
                result.outcome = .failed
                result.found = matches.nearMiss ?? "nothing"
            }
        } else if !matches.found.isEmpty {
            result.outcome = .failed
            result.found = matches.found.joined(separator: "; ")
        }
        return result
    }

    /// Runs a query that must return no rows, inside a read-only transaction that is rolled
    /// back; `{table}` becomes the subject as a quoted identifier.
    func runDataCheck(_ sql: String, subject: String?, result: CheckResult, db: Connection) throws -> CheckResult {
        var result = result
        var text = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(";") { text.removeLast() }
        if let subject {
            let name = QualifiedName(parsing: subject)
            text = text.replacingOccurrences(
                of: "{table}", with: try db.quoteIdentifier(name.schema) + "." + db.quoteIdentifier(name.name))
        }
        do {
            let rows = try db.withRolledBackTransaction { db in
                try db.query("set transaction read only")
                // The check's own SQL, from the project's files; the sample is capped here.
                return try db.query(
                    Query(unsafeSQL: "select count(*) over () as tollgate_rows, q.* from (\(text)\n) as q limit 5"))
            }
            if let first = rows.first {
                result.outcome = .failed
                let count: Int = try first.decode("tollgate_rows")
                result.rowCount = count
                result.found = "\(count) row\(count == 1 ? "" : "s")"
                result.sample = rows.rows.map { row in
                    var values: [String: String] = [:]
                    for (index, column) in rows.columns.enumerated().dropFirst() {
                        values[column] = row.values[index] ?? "NULL"
                    }
                    return values
                }
            }
        } catch let error as PostgresError where error.kind == .server {
            result.outcome = .error
            result.found = "cannot run: \(error.sqlState ?? "") \(error.message)"
        }
        return result
    }
}
