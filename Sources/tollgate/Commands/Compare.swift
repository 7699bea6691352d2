import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate compare`: environments side by side, and which of them block Warden.
struct Compare: TollgateCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare environments: migrations, rollout, schema objects, check results; which block Warden and why.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json, html }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environments: EnvironmentOption
    @Option(help: "Output format.") var format: Format = .text
    @Flag(help: "Also list the objects that are the same everywhere.") var all = false
    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.") var output: String?

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let selected = try project.environments(named: environments.names)
        // A bad -o is known before any database is read.
        if let output { try OutputFile.checkWritable(output) }
        let readings = await EnvironmentReader(project: project).read(selected, .comparison)
        let report = Comparison.compare(readings, project: project, all: all)
        let text: String
        switch format {
        case .text: text = ComparisonRenderer.text(report, color: output == nil && context.printer.stdoutColor)
        case .markdown: text = ComparisonRenderer.markdown(report)
        case .json: text = try ComparisonRenderer.json(report)
        case .html: text = ComparisonRenderer.html(report)
        }
        if let output {
            try OutputFile.write(text, to: output)
            context.printer.info("wrote \(output)")
        } else {
            context.printer.output(text)
        }
        return report.environments.contains { $0.error != nil } ? .unreachable : .success
    }
}
