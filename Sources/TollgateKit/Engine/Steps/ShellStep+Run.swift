import Foundation
import PostgresClient

extension ShellStep: RunnableStep {
    /// Runs the command with the environment, playbook, step and database URL in its
    /// environment; its output is kept (scrubbed of the password) in the ledger.
    func run(in context: StepContext) throws {
        try context.record(.started)
        try context.effects.prepare(context.db)
        var variables = ProcessInfo.processInfo.environment
        variables["TOLLGATE_ENVIRONMENT"] = context.environment.name
        variables["TOLLGATE_PLAYBOOK"] = context.playbook.name
        variables["TOLLGATE_STEP"] = context.step.id
        variables["TOLLGATE_DATABASE_URL"] = context.environment.connection.rawValue
        let result = try ProcessRunner().run(
            "/bin/sh", ["-c", command], environment: variables, directory: context.project.root.path
        )
        let captured = String(
            Redaction.scrub(
                result.combined,
                secrets: context.environment.connection.secrets
            ).suffix(8000))
        guard result.status == 0 else {
            _ = try? context.record(.failed, error: "exit \(result.status)", output: captured)
            throw context.failure(
                "the command exited \(result.status): \(captured.split(separator: "\n").last.map(String.init) ?? "")"
            )
        }
        try context.effects.record(
            run: context.run, playbook: context.playbook.name, step: context.step.id, sql: nil,
            migration: nil, db: context.db)
        context.effects.committed()
        try context.record(.succeeded, output: captured)
    }
}
