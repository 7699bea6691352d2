import ArgumentParser
import TollgateKit

/// `tollgate approve <playbook> --env E --as NAME`: one approval, recorded in the ledger.
struct Approve: TollgateCommand {
    static let configuration = CommandConfiguration(abstract: "Record an approval of a playbook on an environment.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The playbook.") var playbook: String
    @Option(name: .customLong("env"), help: "The environment.") var environment: String
    @Option(name: .customLong("as"), help: "Who approves.") var approver: String
    @Option(help: "Why, for the record.") var note: String?

    func validate() throws {
        if Ledger.normalizedApprover(approver) == nil { throw ValidationError("--as needs the approver's name (it was empty)") }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let playbook = try project.playbook(named: playbook)
        let environment = try project.environment(named: environment)
        let db = try environment.connect()
        let ledger = Ledger(db)
        try ledger.open(for: environment, actor: context.actor)
        let added = try ledger.approve(playbook: playbook, approver: approver, note: note)
        let approvers = try ledger.state().approvers(of: playbook).current
        let required = playbook.gates.approvals ?? environment.protection.approvalsRequired
        context.printer.output(
            (added ? "approved" : "already approved") + " \(playbook.name) on \(environment.name) as \(Ledger.normalizedApprover(approver)!): "
                + "\(approvers.count) of \(required) approvals (\(approvers.joined(separator: ", ")))")
        return .success
    }
}
