extension SuiteStep: RunnableStep {
    func run(in context: StepContext) throws {
        let outcome = try context.runSuite(suite)
        guard outcome.passed else {
            _ = try? context.record(.failed, error: outcome.firstFailure)
            throw RunError.checkFailed(
                environment: context.environment.name, playbook: context.playbook.name,
                suite: suite, firstFailure: outcome.firstFailure ?? "?")
        }
        try context.record(.succeeded)
    }
}
