import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate snapshot --env E`: the catalog snapshot as JSON, with how it was read (for the
/// benchmark and for seeing what Tollgate sees).
///
/// Not in the help: an inspection tool.
struct Snapshot: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract:
            "Print one environment's catalog snapshot as JSON, with the queries and time it took.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate snapshot --env dev > dev.json"
            ],
            exits: [.success, .badConfiguration, .unreachable]),
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @Flag(help: "Print only the statistics line, not the snapshot.") var statsOnly = false

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let environment = try project.environment(named: environment)
        let (snapshot, statements, roundTrips, milliseconds) = try EnvironmentReader(
            project: project
        )
        .measuredSnapshot(environment)
        let stats =
            "{\"environment\": \"\(environment.name)\", \"statements\": \(statements), \"round_trips\": \(roundTrips), \"milliseconds\": \(String(format: "%.1f", milliseconds)), \"objects\": \(snapshot.objectCount), \"fingerprint\": \"\(snapshot.fingerprint)\"}"
        if statsOnly {
            context.printer.output(stats)
        } else {
            context.printer.output(try ReportJSON.encode(snapshot))
            context.printer.info(stats)
        }
        return .success
    }
}
