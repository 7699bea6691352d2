import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate rehearse <playbook> --env E`: run it on a copy of E's schema in the sandbox first.
struct Rehearse: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract:
            "Run a playbook on a copy of an environment's schema in the sandbox, to see a failure before it happens there.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate rehearse day-4-warden --env production",
                "tollgate rehearse example-report-auth-org-id --env production --keep",
            ],
            exits: [.success, .blocked, .badConfiguration, .unreachable, .stepFailed])
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The playbook.", completion: Completion.playbooks) var playbook: String
    @Option(
        name: .customLong("env"), help: "The environment to copy (it is only read).",
        completion: Completion.environments)
    var environment: String
    @Flag(help: "Keep the scratch database afterwards, to look around in it.") var keep = false

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let playbook = try project.playbook(named: playbook)
        let environment = try project.environment(named: environment)
        let rehearsal = Rehearsal(
            project: project, sandbox: context.sandbox(root: project.root),
            events: RunEventPrinter(printer: context.printer).show)
        let outcome = try rehearsal.rehearse(
            playbook, from: environment,
            actor: ProcessInfo.processInfo.environment["USER"] ?? NSUserName(),
            host: ProcessInfo.processInfo.hostName, keep: keep)
        for gate in outcome.gates where !gate.passed {
            context.printer.output(
                "  note: on \(environment.name) itself, gate '\(gate.name)' would block: \(gate.detail)"
            )
        }
        let copy = keep ? "kept" : "dropped"
        let on = "\(outcome.database) (a copy of \(environment.name))"
        if let failure = outcome.failure {
            context.printer.output("rehearsal of \(playbook.name) on \(on): FAILED (copy \(copy))")
            context.printer.report(failure)
            return failure.exitStatus
        }
        context.printer.output(
            "rehearsal of \(playbook.name) on \(on): succeeded (copy \(copy)); \(environment.name) was not touched"
        )
        // A lock over budget on a copy without rows will be at least as long on the
        // environment: it blocks, as on a lower environment, until someone there accepts it.
        for over in outcome.locksOverBudget {
            context.printer.output("  ✗ lock budget: \(over)")
        }
        guard !outcome.locksOverBudget.isEmpty else { return .success }
        if !outcome.lockApprovers.isEmpty {
            context.printer.output(
                "  accepted on \(environment.name) by \(outcome.lockApprovers.joined(separator: ", "))"
            )
            return .success
        }
        context.printer.output(
            "  blocked: the hold will be at least as long on \(environment.name); review the lock, then: tollgate approve \(playbook.name) --env \(environment.name) --as NAME"
        )
        return .blocked
    }
}
