import PostgresClient

extension BackfillStep: RunnableStep {
    func run(in context: StepContext) throws {
        // Long steps: whatever changes meanwhile is not the next step's doing.
        context.effects.reset()
        try context.record(.started)
        do {
            let rows = try BackfillRunner(
                db: context.db, backfill: self, playbook: context.playbook.name, step: context.step,
                progress: { context.emit(.backfill($0)) },
                retry: { body in try context.withLockRetries(body) }
            ).run()
            try context.record(.succeeded, output: "\(rows) rows")
        } catch let error as PostgresError {
            throw context.failed(error)
        }
    }
}
