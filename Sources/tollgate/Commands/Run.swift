import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate run <playbook> --env E`: check every gate, then apply the steps.
struct Run: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run a playbook (or every playbook up to --through) on an environment, gates first.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate run day-1-organizations --env dev",
                "tollgate run --through day-5-verify --env dev",
                "tollgate run day-2-backfill --env staging --wait 10m",
            ],
            exits: [.success, .blocked, .badConfiguration, .unreachable, .stepFailed])
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The playbook; omit it with --through.", completion: Completion.playbooks)
    var playbook: String?
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @Option(
        help: "Run every playbook of the rollout, in order, up to and including this one.",
        completion: Completion.playbooks)
    var through: String?
    @Flag(help: "Do not ask for confirmation on a protected environment (for CI).") var yes = false
    @Option(
        help: "Wait this long for another runner's lock (e.g. 5m) instead of giving up at once.")
    var wait: String?
    @Flag(help: "Record edited steps that already ran as repaired instead of blocking.")
    var acceptChanged = false
    @Option(help: "Who runs it, for the ledger (default: the OS user).") var actor: String?

    func validate() throws {
        guard (playbook == nil) != (through == nil) else {
            throw ValidationError("name a playbook, or use --through PLAYBOOK (not both)")
        }
        if let wait, DurationParser.parse(wait) == nil {
            throw ValidationError("--wait takes a duration such as 30s or 5m")
        }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let environment = try project.environment(named: environment)
        let playbooks: [Playbook]
        if let through {
            let last = try project.playbook(named: through)
            playbooks = Array(project.playbooks.prefix { $0.name != last.name }) + [last]
        } else {
            playbooks = [try project.playbook(named: playbook!)]
        }
        if environment.protection.isProtected && !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw ConfigurationError(
                    "\(environment.name) is protected: pass --yes to run without a terminal")
            }
            FileHandle.standardError.write(
                Data(
                    "Run \(playbooks.map(\.name).joined(separator: ", ")) on \(environment.name)? [y/N] "
                        .utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                context.printer.info("not run")
                return .blocked
            }
        }
        let options = PlaybookRunner.Options(
            actor: actor ?? ProcessInfo.processInfo.environment["USER"] ?? NSUserName(),
            host: ProcessInfo.processInfo.hostName,
            wait: wait.flatMap(DurationParser.parse) ?? .zero, acceptChanged: acceptChanged)
        let events = RunEventPrinter(printer: context.printer)
        let runner = PlaybookRunner(project: project, options: options, events: events.show)
        for playbook in playbooks {
            context.printer.output("\(playbook.name) on \(environment.name):")
            try runner.run(playbook, on: environment)
            context.printer.output("\(playbook.name) on \(environment.name): succeeded")
        }
        return .success
    }
}
