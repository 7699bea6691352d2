import ArgumentParser
import TollgateKit

/// `tollgate check`: run check suites (all by default) on environments, in parallel.
struct Check: TollgateCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run check suites against environments (all suites and environments by default).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environments: EnvironmentOption
    @Option(name: .customLong("suite"), help: ArgumentHelp("Suites to run, comma-separated or repeated.", valueName: "name"))
    var suiteNames: [String] = []
    @OptionGroup var format: FormatOption

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let names = suiteNames.flatMap { $0.split(separator: ",").map(String.init) }
        let suites = try (names.isEmpty ? project.suites.keys.sorted() : names).map { try project.suite(named: $0) }
        let selected = try project.environments(named: environments.names)
        let report = await CheckRunner(project: project).run(suites, on: selected)
        try CheckOutput.print(report, format: format.format, project: project, context: context)
        return report.exitStatus
    }
}

/// `tollgate gate <suite> --env E`: the CI gate; exit 0 only when every check passes.
struct Gate: TollgateCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pass or block a deployment: run one suite on the named environments; exit 0 only if every check passes.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The suite, such as warden.") var suite: String
    @OptionGroup var environments: EnvironmentOption
    @OptionGroup var format: FormatOption

    func validate() throws {
        guard !environments.names.isEmpty else { throw ValidationError("name the environments to gate: --env production (or --env all)") }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let suite = try project.suite(named: suite)
        let selected = try project.environments(named: environments.names)
        let report = await CheckRunner(project: project).run([suite], on: selected)
        try CheckOutput.print(report, format: format.format, project: project, context: context)
        return report.exitStatus
    }
}

enum CheckOutput {
    static func print(_ report: CheckReport, format: OutputFormat, project: Project, context: CommandContext) throws {
        switch format {
        case .text:
            var descriptions: [String: String] = [:]
            for suite in project.suites.values {
                for check in suite.checks { descriptions[check.id] = check.description }
            }
            context.printer.output(CheckRenderer.text(report, descriptions: descriptions, color: context.printer.stdoutColor))
        case .json: context.printer.output(try CheckRenderer.json(report))
        }
    }
}
