import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate history --env E`: the ledger's events, oldest first.
struct History: TollgateCommand {
    static let configuration = CommandConfiguration(abstract: "Show what ran on an environment, who approved it, and which gates held.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("env"), help: "The environment.") var environment: String
    @Option(help: "How many events, newest last.") var limit = 200
    @OptionGroup var format: FormatOption

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let environment = try project.environment(named: environment)
        let db = try environment.connect()
        let events = try Ledger(db).events(limit: limit)
        switch format.format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            struct Document: Encodable {
                let version = 1
                let environment: String
                let events: [Ledger.Event]
            }
            context.printer.output(
                String(decoding: try encoder.encode(Document(environment: environment.name, events: events)), as: UTF8.self))
        case .text:
            if events.isEmpty { context.printer.output("no history on \(environment.name) yet") }
            let formatter = ISO8601DateFormatter()
            for event in events {
                let what = event.playbook + (event.step.map { "/\($0)" } ?? "")
                context.printer.output(
                    "\(formatter.string(from: event.at))  \(event.event.padding(toLength: 11, withPad: " ", startingAt: 0)) \(what)  by \(event.actor)"
                        + (event.detail.map { "  — \($0)" } ?? ""))
            }
        }
        return .success
    }
}
