extension WaitStep: RunnableStep {
    /// Sleeps the whole duration; an interrupted wait resumes from when it started (the
    /// ledger's `started` row, on the database's clock), not from zero.
    func run(in context: StepContext) throws {
        context.effects.reset()
        let startedAgo = try context.ledger.startedAgo(
            playbook: context.playbook.name, step: context.step.id)
        if startedAgo == nil { try context.record(.started) }
        let elapsed = startedAgo ?? .zero
        if elapsed < duration {
            context.emit(
                .waiting(
                    step: context.step.id, remaining: duration - elapsed, startedAgo: startedAgo))
            context.options.sleep(duration - elapsed)
        }
        try context.record(.succeeded)
    }
}
