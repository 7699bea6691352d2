import Foundation
import PostgresClient

/// A step kind's behaviour: how it runs on an environment and records itself in the ledger.
///
/// Each kind declared in `Configuration/Steps/` conforms in a file of its own here.
protocol RunnableStep: StepAction {
    /// Runs the step and records its outcome; a failure is thrown as ``RunError``.
    func run(in context: StepContext) throws
}

/// What a step runs with: the work connection, the ledger, the run, and the ways to report.
struct StepContext {
    let db: Connection
    let ledger: Ledger
    let project: Project
    let environment: Environment
    let playbook: Playbook
    let step: Playbook.Step
    let run: Int64
    let options: PlaybookRunner.Options
    /// Whether the database keeps the Supabase CLI's history (a migration is recorded there).
    let supabase: Bool
    let effects: SchemaEffectsRecorder
    let emit: (RunEvent) -> Void

    var identity: StepIdentity {
        StepIdentity(
            id: step.id, kind: step.kind, checksum: step.checksum, transactional: step.transactional
        )
    }

    /// Records the step's state in the ledger (inside the step's transaction when it has one).
    func record(
        _ status: StepStatus, error: String? = nil, output: String? = nil,
        measuring: LockMeasurement? = nil, measured: @escaping (LockHold?) -> Void = { _ in },
        on db: Connection? = nil, withCommit: Bool = false
    ) throws {
        try Ledger(db ?? self.db).recordStep(
            run: run, playbook: playbook.name, step: identity, status: status, error: error,
            output: output, measuring: measuring, measured: measured, actor: options.actor,
            host: options.host, withNextStatement: withCommit)
    }

    /// How the server measures the step's strongest lock on a tenant table as it records the
    /// step, with the step's budget (by default 200 ms for `ACCESS EXCLUSIVE`); `nil` when the
    /// project names no tenant tables.
    var lockMeasurement: LockMeasurement? {
        let tenantTables = Array(Set(project.tableSets.values.joined())).sorted()
        guard !tenantTables.isEmpty else { return nil }
        return LockMeasurement(
            tables: tenantTables,
            budgetMilliseconds: step.lockBudget.map(DurationParser.milliseconds))
    }

    /// Sets the environment's variables as session settings, read with
    /// `current_setting('tollgate.<name>')`.
    func setVariables() throws {
        try PlaybookRunner.setVariables(of: environment, on: db)
    }

    func failure(_ message: String) -> RunError {
        .stepFailed(
            environment: environment.name, playbook: playbook.name, step: step.id, error: message)
    }

    /// Records the failure (unless the connection is gone) and returns the error to throw.
    ///
    /// The server's whole error (SQLSTATE, message, detail, hint) is kept to the end: in the ledger
    /// and in what the user reads.
    /// - Parameter location: where in the step's file the error points, when known.
    func failed(_ error: PostgresError, at location: SourceLocation? = nil) -> RunError {
        if error.kind == .connectionLost {
            return failure(error.summary + " (connection lost; run again to resume)")
        }
        let description = error.description + (location.map { "\n  at: \($0)" } ?? "")
        _ = try? record(.failed, error: description)
        return failure(description)
    }

    /// Retries `body` with backoff when it fails on `lock_timeout` (55P03): a busy table
    /// makes the step wait its turn in short tries instead of queueing writers behind it.
    func withLockRetries(_ body: () throws -> Void) throws {
        try retryingLockTimeouts(
            retries: step.retries,
            onRetry: { emit(.retrying(step: step.id, attempt: $0, of: step.retries, pause: $1)) },
            body)
    }

    /// Runs a suite on the work connection: passed, the first failure, and how many checks
    /// did not apply.
    func runSuite(
        _ name: String
    ) throws -> (passed: Bool, firstFailure: String?, notApplicable: Int) {
        try PlaybookRunner.runSuite(
            name, project: project, db: db, environment: environment, schemaOnly: options.schemaOnly
        )
    }
}
