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
                "tollgate run day-1-organizations --env tenants --wave 10% --yes",
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
    @Option(
        help: ArgumentHelp(
            "On a fleet: members per wave, a count or a share (10%); a wave's members run at once, up to --jobs (default: 1, member by member).",
            valueName: "N|P%"))
    var wave: String?
    @Flag(help: "On a fleet: go on with the next waves after a member fails.")
    var keepGoing = false
    @OptionGroup var fleetOptions: FleetOptions

    func validate() throws {
        guard (playbook == nil) != (through == nil) else {
            throw ValidationError("name a playbook, or use --through PLAYBOOK (not both)")
        }
        if let wait, DurationParser.parse(wait) == nil {
            throw ValidationError("--wait takes a duration such as 30s or 5m")
        }
        if let wave, FleetRollout.WaveSize.parse(wave) == nil {
            throw ValidationError("--wave takes a count such as 5 or a share such as 10%")
        }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let (fleet, environments) = try project.environmentOrFleet(named: environment)
        if fleet == nil && (wave != nil || keepGoing || fleetOptions.shard != nil) {
            throw ConfigurationError(
                "--wave, --keep-going and --shard are for a fleet; \(environment) is one database")
        }
        let environment = fleet ?? environments[0]
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
        if fleet != nil {
            return await runFleet(
                environment, members: fleetOptions.apply(environments), playbooks: playbooks,
                project: project, options: options, context: context)
        }
        let runner = PlaybookRunner(project: project, options: options, events: events.show)
        for playbook in playbooks {
            context.printer.output("\(playbook.name) on \(environment.name):")
            try runner.run(playbook, on: environment)
            context.printer.output("\(playbook.name) on \(environment.name): succeeded")
        }
        return .success
    }

    /// A fleet, wave by wave: each member's lines together (held back while members run at
    /// once), then each failed member's error and the fleet's tally.
    func runFleet(
        _ fleet: Environment, members: [Environment], playbooks: [Playbook], project: Project,
        options: PlaybookRunner.Options, context: CommandContext
    ) async -> ExitStatus {
        // One memo for the run: what every member plans against is read once.
        var shared = options
        shared.memo = Memo()
        let options = shared
        let rollout = FleetRollout(
            wave: wave.flatMap(FleetRollout.WaveSize.parse) ?? .count(1), jobs: fleetOptions.jobs,
            keepGoing: keepGoing)
        let waves = rollout.waves(of: members)
        let printer = context.printer
        let names = playbooks.map(\.name).joined(separator: ", ")
        let size = waves.first?.count ?? 0
        printer.output(
            "\(names) on \(fleet.name): \(members.count) member\(members.count == 1 ? "" : "s")"
                + (size > 1 ? ", in \(waves.count) waves of up to \(size)" : ", one at a time"))
        let together = size > 1 && rollout.jobs > 1
        let streaming = RunEventPrinter(printer: printer)
        let result = await rollout.run(
            members,
            waveStarting: { index, count, wave in
                guard wave.count > 1 else { return }
                printer.output(
                    "wave \(index) of \(count): \(FleetSummary.list(wave.map(\.name)))")
            }
        ) { member in
            let log = together ? MemberLog() : nil
            let say: @Sendable (String) -> Void = { line in
                if let log { log.append(line) } else { printer.output(line) }
            }
            let runner = PlaybookRunner(
                project: project, options: options,
                events: { event in
                    if let log {
                        switch event {
                        case .backfill(let progress):
                            // Progress as a normal run shows it, on stderr: the last line.
                            if progress.finished {
                                printer.info("\(member.name):     " + progress.line())
                            }
                        case .waitingForLock, .waiting, .retrying:
                            // Said at once: a member waiting must not look like a hang.
                            if let line = RunEventPrinter.line(for: event) {
                                printer.info(
                                    "\(member.name): " + line.trimmingCharacters(in: .whitespaces))
                                log.append(line)
                            }
                        default:
                            if let line = RunEventPrinter.line(for: event) { log.append(line) }
                        }
                    } else {
                        streaming.show(event)
                    }
                })
            defer { if let log { MemberLog.print(log.text, with: printer) } }
            for playbook in playbooks {
                say("\(playbook.name) on \(member.name):")
                do {
                    try runner.run(playbook, on: member)
                } catch {
                    say("\(playbook.name) on \(member.name): failed")
                    throw error
                }
                say("\(playbook.name) on \(member.name): succeeded")
            }
        }
        for failure in result.failed {
            printer.report(message: failure.message)
        }
        printer.output(FleetSummary.run(result, fleet: fleet.name, keepGoing: keepGoing))
        return result.exitStatus
    }
}

/// A member's lines while members run at once, printed together when it is done.
final class MemberLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    /// One member's block at a time: a pipe splits writes over 4 KB, and two members' lines
    /// must not interleave.
    static func print(_ text: String, with printer: Printer) {
        output.withLock { printer.output(text) }
    }
    private static let output = NSLock()
}

/// How a fleet's run reads at its end.
enum FleetSummary {
    static func list(_ names: [String]) -> String { Environment.nameList(names, first: 8) }

    static func run(_ result: FleetRollout.Result, fleet: String, keepGoing: Bool) -> String {
        let total = result.members.count
        var lines = [
            "\(fleet): \(result.succeeded.count) of \(total) member\(total == 1 ? "" : "s") succeeded"
                + (result.failed.isEmpty ? "" : ", \(result.failed.count) failed")
                + (result.notRun.isEmpty ? "" : ", \(result.notRun.count) not run")
        ]
        if !result.failed.isEmpty {
            lines.append("  failed: \(list(result.failed.map { $0.environment.name }))")
        }
        if !result.notRun.isEmpty {
            lines.append(
                "  not run: \(list(result.notRun.map(\.name))) (stopped after the wave where \(result.failed.first?.environment.name ?? "a member") failed; fix it and run again, or pass --keep-going)"
            )
        }
        return lines.joined(separator: "\n")
    }
}
