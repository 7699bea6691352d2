import ArgumentParser
import TollgateKit

/// `tollgate history --env E`: the ledger's events, oldest first.
struct History: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show what ran on an environment, who approved it, and which gates held.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate history --env production",
                "tollgate history --env dev --format json",
            ],
            exits: [.success, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @Option(help: "How many events, newest last.") var limit = 200
    @OptionGroup var format: FormatOption

    func validate() throws { try format.check(for: HistoryReport.self) }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let environment = try project.environment(named: environment)
        let report = HistoryReport(
            environment: environment.name,
            events: try Approvals.history(of: environment, limit: limit))
        context.printer.output(try report.render(format.format, options: context.renderOptions()))
        return .success
    }
}
