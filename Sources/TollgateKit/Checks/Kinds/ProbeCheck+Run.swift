import PostgresClient

extension ProbeCheck: EvaluatedCheck {
    /// Runs the probe in a transaction that is always rolled back; an error that is not the
    /// refusal it expects is the outcome `error`, never a pass.
    func evaluate(
        _ check: CheckDefinition, subject: String?, result: CheckResult, in context: CheckContext
    ) throws -> Staged<CheckResult> {
        func decide(_ stage: () throws -> Staged<Probe.Outcome>) throws -> Staged<CheckResult> {
            var result = result
            do {
                switch try stage() {
                case .needs(let statements, let then):
                    return .needs(statements) { results in try decide { try then(results) } }
                case .done(let outcome):
                    if !outcome.passed {
                        result.outcome = .failed
                        result.found = outcome.found
                    }
                }
            } catch let error as Probe.Failure {
                result.outcome = .error
                result.found = "cannot run: \(error.message)"
            } catch let error as PostgresError where error.kind == .server {
                result.outcome = .error
                result.found = "cannot run: \(error.sqlState ?? "") \(error.message)"
            }
            return .done(result)
        }
        return try decide {
            try Probe(
                table: QualifiedName(parsing: context.substitute(table)), snapshot: context.snapshot
            ).start(probe, quotingWith: context.db)
        }
    }
}
