import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate compare`: environments side by side, and which of them block Warden.
struct Compare: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract:
            "Compare environments: migrations, rollout, schema objects, check results; which block Warden and why.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate compare",
                "tollgate compare --env staging,production --reference production",
                "tollgate compare --format html -o report.html",
            ],
            exits: [.success, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environments: EnvironmentOption
    @OptionGroup var fleet: FleetOptions
    @OptionGroup var format: FormatOption
    @Flag(help: "Also list the objects that are the same everywhere.") var all = false
    @Option(
        help:
            "The environment the others are compared against (default: the one furthest along the rollout); a fleet's name is its largest group of alike members."
    )
    var reference: String?
    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func validate() throws { try format.check(for: ComparisonReport.self) }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let selected = fleet.apply(try project.environments(named: environments.names))
        // A fleet's name is its largest group of alike members.
        if let reference,
            !selected.contains(where: { $0.name == reference || $0.fleet == reference })
        {
            throw ValidationError(
                "--reference \(reference) is not among the environments compared (\(selected.map(\.name).joined(separator: ", ")))"
            )
        }
        // A bad -o is known before any database is read.
        if let output { try OutputFile.checkWritable(output) }
        let readings = await EnvironmentReader(project: project, jobs: fleet.jobs).read(
            selected, .comparison)
        let report = Comparison.compare(
            readings, project: project, all: all, reference: reference)
        // Colour only for a person reading a terminal, never in a file.
        let text = try report.render(
            format.format,
            options: context.renderOptions(color: output == nil && context.printer.stdoutColor))
        if let output {
            try OutputFile.write(text, to: output)
            context.printer.info("wrote \(output)")
        } else {
            context.printer.output(text)
        }
        return report.environments.contains { $0.error != nil } ? .unreachable : .success
    }
}
