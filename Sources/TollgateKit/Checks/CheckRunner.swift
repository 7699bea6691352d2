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
    /// How checks' statements reach the server: together unless a test compares.
    let sending: Sending
    /// The application's code, read once for every environment this runner checks.
    let code = CodeExpectationsCache()

    public init(project: Project, schemaOnly: Bool = false, sending: Sending = .together) {
        self.project = project
        self.schemaOnly = schemaOnly
        self.sending = sending
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
    ///
    /// Checks that need the database are sent together: every check whose requirements are
    /// decided goes in one round trip, then those that waited on them, so a suite costs a few
    /// round trips however many checks and tables it has. Each check's statements still run
    /// in a transaction of their own, rolled back, exactly as they would one by one.
    public func run(
        _ suite: Suite, on db: Connection, environment: String, snapshot: CatalogSnapshot
    ) throws -> SuiteRun {
        struct Slot {
            let check: CheckDefinition
            let subject: String?
            var results: [CheckResult]?
            var waiting: Staged<CheckResult>?
        }
        var slots = suite.checks.flatMap { check in
            subjects(of: check).map { Slot(check: check, subject: $0) }
        }
        while true {
            // Start, in order, every check whose requirements are decided.
            for index in slots.indices
            where slots[index].results == nil && slots[index].waiting == nil {
                let (check, subject) = (slots[index].check, slots[index].subject)
                // A requirement counts for the same table when both walk tables, else as a whole.
                let required = slots[..<index].filter {
                    check.requires.contains($0.check.id)
                        && (subject == nil || $0.subject == nil || $0.subject == subject)
                }
                guard required.allSatisfy({ $0.results != nil }) else { continue }
                let failedRequirements = check.requires.filter { requirement in
                    required.contains { slot in
                        slot.results!.contains {
                            $0.check == requirement && !$0.passed
                                && (subject == nil || $0.subject == nil || $0.subject == subject)
                        }
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
                    slots[index].results = [result]
                } else if let kind = check.kind as? any ExpandingCheck {
                    slots[index].results = kind.evaluateAll(
                        check, base: base, snapshot: snapshot, runner: self)
                } else {
                    switch try evaluate(
                        check, subject: subject, base: base, db: db, snapshot: snapshot)
                    {
                    case .done(let result): slots[index].results = [result]
                    case let waiting: slots[index].waiting = waiting
                    }
                }
            }
            let waiting = slots.indices.compactMap {
                index -> (
                    Int, RolledBackStatements,
                    ([Result<QueryResult, PostgresError>]) throws -> Staged<CheckResult>
                )? in
                guard case .needs(let statements, let then) = slots[index].waiting else {
                    return nil
                }
                return (index, statements, then)
            }
            if waiting.isEmpty { break }
            let results = try db.runRolledBack(waiting.map(\.1), sending: sending)
            for ((index, _, then), results) in zip(waiting, results) {
                switch try then(results) {
                case .done(let result):
                    slots[index].results = [result]
                    slots[index].waiting = nil
                case let next: slots[index].waiting = next
                }
            }
        }
        return SuiteRun(
            suite: suite.name, environment: environment, results: slots.flatMap { $0.results ?? [] }
        )
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
    ) throws -> Staged<CheckResult> {
        var result = base
        result.expected = expectation(check, subject: subject)
        if schemaOnly && type(of: check.kind).needsRows {
            result.outcome = .notApplicable
            result.found = "not applicable: a rehearsal copies the schema, not the rows"
            return .done(result)
        }
        guard let kind = check.kind as? any EvaluatedCheck else {
            result.outcome = .error
            result.found =
                "cannot run: no behaviour for checks of kind '\(type(of: check.kind).key)'"
            return .done(result)
        }
        return try kind.evaluate(
            check, subject: subject, result: result,
            in: CheckContext(db: db, snapshot: snapshot, substitute: { substitute($0, subject) }))
    }
}
