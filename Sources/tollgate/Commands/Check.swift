import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate check`: run check suites (all by default) on environments, in parallel.
struct Check: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run check suites against environments (all suites and environments by default).",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate check",
                "tollgate check --env staging --suite warden,verify --format junit",
            ],
            exits: [.success, .blocked, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environments: EnvironmentOption
    @OptionGroup var fleet: FleetOptions
    @Option(
        name: .customLong("suite"),
        help: ArgumentHelp("Suites to run, comma-separated or repeated.", valueName: "name"),
        completion: Completion.suites)
    var suiteNames: [String] = []
    @OptionGroup var format: FormatOption

    func validate() throws { try format.check(for: CheckReport.self) }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let names = suiteNames.flatMap { $0.split(separator: ",").map(String.init) }
        let suites = try (names.isEmpty ? project.suites.keys.sorted() : names).map {
            try project.suite(named: $0)
        }
        let selected = fleet.apply(try project.environments(named: environments.names))
        let report = await CheckRunner(project: project).run(suites, on: selected, jobs: fleet.jobs)
        try CheckOutput.print(report, format: format.format, project: project, context: context)
        return report.exitStatus
    }
}

/// `tollgate gate <suite> --env E`: the CI gate; exit 0 only when every check passes.
struct Gate: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract:
            "Pass or block a deployment: run one suite on the named environments; exit 0 only if every check passes.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate gate warden --env production",
                "tollgate gate verify --env all --format junit > verify.xml",
            ],
            exits: [.success, .blocked, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The suite, such as warden.", completion: Completion.suites) var suite: String
    @OptionGroup var environments: GatedEnvironmentsOption
    @OptionGroup var fleet: FleetOptions
    @OptionGroup var format: FormatOption

    func validate() throws {
        try format.check(for: CheckReport.self)
        guard !environments.names.isEmpty else {
            throw ValidationError("name the environments to gate: --env production (or --env all)")
        }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let suite = try project.suite(named: suite)
        let selected = fleet.apply(try project.environments(named: environments.names))
        let report = await CheckRunner(project: project).run(
            [suite], on: selected, jobs: fleet.jobs)
        try CheckOutput.print(report, format: format.format, project: project, context: context)
        return report.exitStatus
    }
}

/// Prints a check report; under GitHub Actions also annotations and a step summary.
enum CheckOutput {
    static func print(
        _ report: CheckReport, format: ReportFormat, project: Project, context: CommandContext
    ) throws {
        var options = context.renderOptions(suites: project.suites)
        // Only the fleets in the report, whose members are known by now (a query's, in the
        // memo): no query runs for this.
        let inReport = Set(
            report.environments.compactMap { Environment.fleetMember($0.environment)?.fleet })
        for fleet in project.environments where fleet.isFleet && inReport.contains(fleet.name) {
            if let members = try? project.members(of: fleet) {
                options.fleetSizes[fleet.name] = members.count
            }
        }
        context.printer.output(try report.render(format, options: options))
        guard context.environment["GITHUB_ACTIONS"] == "true" else { return }
        // A fleet is shown by one member per group, as the text details it: hundreds of
        // members' annotations and summaries would pass GitHub's limits.
        let (shown, fleetLines) = CheckRenderer.forGitHub(report)
        let annotations = CheckExports.githubAnnotations(shown)
        // Workflow commands are read from stdout; with a machine format on stdout they go to
        // stderr, which the runner reads too, so the JSON or XML stays parseable.
        if !annotations.isEmpty {
            if format == .text {
                context.printer.output(annotations)
            } else {
                context.printer.info(annotations)
            }
        }
        if let path = context.environment["GITHUB_STEP_SUMMARY"], !path.isEmpty {
            let summary =
                CheckExports.markdown(shown)
                + fleetLines.map { "\n- \($0.replacingOccurrences(of: "`", with: "'"))" }.joined()
                + "\n"
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(Data(summary.utf8))
                handle.closeFile()
            } else {
                FileManager.default.createFile(atPath: path, contents: Data(summary.utf8))
            }
        }
    }
}
