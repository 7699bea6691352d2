import ArgumentParser
import TollgateKit

/// `tollgate rebind --env E --as NAME`: bind E's ledger to the database E now points at, on
/// purpose and on the record (a restored copy, a renamed environment).
struct Rebind: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebind",
        abstract:
            "Bind an environment's ledger to the database it now points at (a restored copy, a renamed environment).",
        discussion: CommandHelp.discussion(
            "Each ledger is bound on first use to its environment's name and database (cluster system identifier and database name); Tollgate refuses to write when either differs. This records the new binding, with the old one, in the ledger's history.",
            examples: [
                "tollgate rebind --env staging --as alice --note \"restored from last night's backup\""
            ],
            exits: [.success, .badConfiguration, .unreachable]))

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @Option(name: .customLong("as"), help: "Who rebinds it, for the record.") var actor: String
    @Option(help: "Why, for the record.") var note: String?

    func validate() throws {
        if Ledger.normalizedApprover(actor) == nil {
            throw ValidationError("--as needs a name (it was empty)")
        }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let environment = try project.environment(named: environment)
        let ledger = Ledger(try environment.connect())
        let old = try ledger.rebind(to: environment, actor: actor, note: note)
        let identity = try ledger.identity()
        context.printer.output(
            "the ledger at \(identity) is now bound to \(environment.name)"
                + (old.map { " (it was bound to \($0.environment), \($0.identity))" } ?? ""))
        return .success
    }
}
