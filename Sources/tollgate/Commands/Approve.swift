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
                "tollgate approve day-4-warden --env production --as alice --note \"reviewed the policies\"",
                "tollgate approve day-4-warden --env tenants --as alice",
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
        let (fleet, environments) = try project.environmentOrFleet(named: environment)
        if let fleet {
            return approveFleet(fleet, members: environments, playbook: playbook, context: context)
        }
        let environment = environments[0]
        let receipt = try Approvals.approve(
            playbook, on: environment, as: approver, note: note, actor: context.actor)
        context.printer.output(
            (receipt.added ? "approved" : "already approved (renewed)")
                + " \(playbook.name) on \(environment.name) as \(receipt.approver): "
                + "\(receipt.approvers.count) of \(receipt.required) approvals (\(receipt.approvers.joined(separator: ", ")))"
        )
        return .success
    }

    /// The same approval on every member (each ledger keeps its own), a line per member; one
    /// member that cannot be reached does not stop the others, and fails the command.
    func approveFleet(
        _ fleet: Environment, members: [Environment], playbook: Playbook, context: CommandContext
    ) -> ExitStatus {
        let (approver, note, actor) = (approver, note, context.actor)
        let results = blockingMap(members, jobs: EnvironmentReader.defaultJobs) { member in
            Result {
                try Approvals.approve(
                    playbook, on: member, as: approver, note: note, actor: actor)
            }
        }
        var worst = ExitStatus.success
        for (member, result) in zip(members, results) {
            switch result {
            case .success(let receipt):
                context.printer.output(
                    (receipt.added ? "approved" : "already approved (renewed)")
                        + " \(playbook.name) on \(member.name) as \(receipt.approver): "
                        + "\(receipt.approvers.count) of \(receipt.required) approvals")
            case .failure(let error):
                let wrapped = (error as? any TollgateError) ?? InternalError(error)
                context.printer.report(message: "\(member.name): \(wrapped.userMessage)")
                if wrapped.exitStatus.rawValue > worst.rawValue { worst = wrapped.exitStatus }
            }
        }
        let approved = results.filter { if case .success = $0 { true } else { false } }.count
        context.printer.output(
            "\(fleet.name): approved on \(approved) of \(members.count) member\(members.count == 1 ? "" : "s")"
        )
        return worst
    }
}
