import PostgresClient

/// A check kind's behaviour: how it is decided on one environment for one subject.
protocol EvaluatedCheck: CheckKind {
    /// Fills in `result` (outcome, found, sample); a failure to run is the outcome `error`.
    func evaluate(
        _ check: CheckDefinition, subject: String?, result: CheckResult, in context: CheckContext
    ) throws -> CheckResult
}

/// What a check is decided with: the connection, the snapshot read once per environment,
/// and the subject's name for `{table}`.
struct CheckContext {
    let db: Connection
    let snapshot: CatalogSnapshot
    let substitute: (String) -> String
}

/// A structural kind: matched against the catalog snapshot, never the database itself.
protocol StructuralCheckKind: EvaluatedCheck {
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches
}

extension StructuralCheckKind {
    /// With `present: false` the check turns around: no matching object may exist.
    func evaluate(
        _ check: CheckDefinition, subject: String?, result: CheckResult, in context: CheckContext
    ) throws -> CheckResult {
        var result = result
        let matches = matches(in: context.snapshot, substitute: context.substitute)
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
}
