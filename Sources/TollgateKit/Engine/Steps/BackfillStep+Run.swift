import PostgresClient

extension BackfillStep: RunnableStep {
    func run(in context: StepContext) throws {
        // Long steps: whatever changes meanwhile is not the next step's doing.
        context.effects.reset()
        try context.record(.started)
        do {
            let rows = try BackfillRunner(
                db: context.db, backfill: self, playbook: context.playbook.name, step: context.step,
                emit: { event in
                    switch event {
                    case .progress(let line): context.emit(.backfill(line))
                    case .narrowed(let connections, let reason):
                        context.emit(
                            .backfillNarrowed(
                                step: context.step.id, connections: connections, reason: reason))
                    case .retrying(let attempt, let pause):
                        context.emit(
                            .retrying(
                                step: context.step.id, attempt: attempt, of: context.step.retries,
                                pause: pause))
                    }
                },
                openAnother: {
                    // As the run's own connection is: the environment's variables set.
                    let another = try context.db.openAnother()
                    try PlaybookRunner.setVariables(of: context.environment, on: another)
                    return another
                }
            ).run()
            try context.record(.succeeded, output: "\(rows) rows")
        } catch let error as PostgresError {
            throw context.failed(error)
        }
    }
}
