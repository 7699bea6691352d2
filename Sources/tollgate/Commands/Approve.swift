import ArgumentParser
import TollgateKit

/// `tollgate approve <playbook> --env E --as NAME`: one approval, recorded in the ledger.
struct Approve: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Record an approval of a playbook on an environment.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate approve day-4-warden --env production --as alice --note \"reviewed the policies\""
            ],
            exits: [.success, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The playbook.", completion: Completion.playbooks) var playbook: String
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @Option(name: .customLong("as"), help: "Who approves.") var approver: String
    @Option(help: "Why, for the record.") var note: String?

    func validate() throws {
        if Ledger.normalizedApprover(approver) == nil {
            throw ValidationError("--as needs the approver's name (it was empty)")
        }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let playbook = try project.playbook(named: playbook)
        let environment = try project.environment(named: environment)
        let receipt = try Approvals.approve(
            playbook, on: environment, as: approver, note: note, actor: context.actor)
        context.printer.output(
            (receipt.added ? "approved" : "already approved (renewed)")
                + " \(playbook.name) on \(environment.name) as \(receipt.approver): "
                + "\(receipt.approvers.count) of \(receipt.required) approvals (\(receipt.approvers.joined(separator: ", ")))"
        )
        return .success
    }
}
