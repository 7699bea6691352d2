import PostgresClient

/// A check kind's behaviour: how it is decided on one environment for one subject.
protocol EvaluatedCheck: CheckKind {
    /// Decides the check, or says which statements it needs first; a failure to run is the
    /// outcome `error`.
    func evaluate(
        _ check: CheckDefinition, subject: String?, result: CheckResult, in context: CheckContext
    ) throws -> Staged<CheckResult>
}

/// A value, or the statements it needs from the database and what to make of their results.
///
/// Work that needs the database says so instead of running statements itself, so that the
/// runner can send the statements of every check that is waiting together, in one round trip
/// (``Sending``). A probe needs two: the row it models its rows on, then the probe itself.
indirect enum Staged<Value> {
    case done(Value)
    case needs(
        RolledBackStatements, then: ([Result<QueryResult, PostgresError>]) throws -> Staged<Value>)
}

/// What a check is decided with: the connection (for quoting names), the snapshot read once
/// per environment, and the subject's name for `{table}`.
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
    ) throws -> Staged<CheckResult> {
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
        return .done(result)
    }
}
