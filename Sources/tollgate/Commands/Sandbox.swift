import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate sandbox up|down|reset|status`: a local cluster with dev, staging and production.
struct Sandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run a local PostgreSQL cluster holding dev, staging and production in the report's starting state.",
        subcommands: [Up.self, Down.self, Reset.self, Show.self])

    struct SeedOptions: ParsableArguments {
        @Option(help: "TCP port on 127.0.0.1 (default: the last one used, else 54329).")
        var port: Int?
        @Option(help: "Rows in leads; the other tables scale from it.")
        var rows: Int = 1000
        @Option(help: "Seed of the data generator: the same seed gives the same data.")
        var seed: Int = 42
        @Option(
            help:
                "baseline (all three in the report's state) or drifted (dev and staging differ); up keeps the scenario a sandbox holds, reset builds baseline unless told."
        )
        var scenario: TollgateKit.Sandbox.Scenario?

        func validate() throws {
            guard rows >= 10 else { throw ValidationError("--rows must be at least 10") }
            if let port, !(1024...65535).contains(port) {
                throw ValidationError("--port must be between 1024 and 65535")
            }
        }

        /// The data to seed: the scenario asked for, else the one `existing` holds, else
        /// baseline.
        func options(
            keeping existing: TollgateKit.Sandbox.State? = nil
        )
            -> TollgateKit.Sandbox.Options
        {
            .init(
                rows: rows, seed: seed,
                scenario: scenario ?? existing?.options.scenario ?? .baseline)
        }
    }

    struct Up: TollgateCommand {
        static let configuration = CommandConfiguration(
            commandName: "up",
            abstract: "Create, start and seed the sandbox (only what is missing).",
            discussion: CommandHelp.discussion(
                nil,
                examples: [
                    "tollgate sandbox up",
                    "tollgate sandbox up --port 54331 --rows 5000",
                ],
                exits: [.success, .badConfiguration, .unreachable])
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var seed: SeedOptions

        func run(in context: CommandContext) async throws -> ExitStatus {
            let sandbox = context.sandbox(root: try context.projectRoot())
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                try sandbox.up(port: seed.port, options: seed.options(keeping: sandbox.state())) {
                    context.printer.info("  \($0)")
                }
            }
            context.printer.output(
                try describe(sandbox, note: "up in \(DurationParser.format(elapsed.rounded()))"))
            return .success
        }
    }

    struct Down: TollgateCommand {
        static let configuration = CommandConfiguration(
            commandName: "down",
            abstract: "Stop the sandbox, keeping its data.",
            discussion: CommandHelp.discussion(
                nil,
                examples: [
                    "tollgate sandbox down",
                    "tollgate sandbox down --purge",
                ],
                exits: [.success, .unreachable])
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Also delete the sandbox folder and all its data.") var purge = false

        func run(in context: CommandContext) async throws -> ExitStatus {
            let sandbox = context.sandbox(root: try context.projectRoot())
            if purge { try sandbox.destroy() } else { try sandbox.down() }
            context.printer.output(
                purge
                    ? "sandbox removed: \(sandbox.folder.path)"
                    : "sandbox stopped (data kept in \(sandbox.folder.path))")
            return .success
        }
    }

    struct Reset: TollgateCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset",
            abstract: "Delete the sandbox and build it again from scratch.",
            discussion: CommandHelp.discussion(
                nil,
                examples: [
                    "tollgate sandbox reset",
                    "tollgate sandbox reset --scenario drifted",
                ],
                exits: [.success, .badConfiguration, .unreachable])
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var seed: SeedOptions

        func run(in context: CommandContext) async throws -> ExitStatus {
            let sandbox = context.sandbox(root: try context.projectRoot())
            let port = seed.port ?? sandbox.state()?.port
            // The port is checked before the sandbox is destroyed.
            if let port, try !sandbox.isRunning() || sandbox.state()?.port != port,
                !TollgateKit.Sandbox.isFree(port: port)
            {
                throw SandboxError.portTaken(
                    port: port, free: TollgateKit.Sandbox.firstFreePort(from: port + 1))
            }
            try sandbox.destroy()
            try sandbox.up(port: port, options: seed.options()) { context.printer.info("  \($0)") }
            context.printer.output(try describe(sandbox, note: "rebuilt"))
            return .success
        }
    }

    struct Show: TollgateCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Say whether the sandbox runs, where, and with what data.",
            discussion: CommandHelp.discussion(
                nil,
                examples: [
                    "tollgate sandbox status"
                ],
                exits: [.success, .unreachable])
        )
        @OptionGroup var global: GlobalOptions

        func run(in context: CommandContext) async throws -> ExitStatus {
            let sandbox = context.sandbox(root: try context.projectRoot())
            guard try sandbox.isRunning() else {
                context.printer.output(
                    "sandbox: not running (\(sandbox.folder.path)); start it with 'tollgate sandbox up'"
                )
                return .unreachable
            }
            context.printer.output(try describe(sandbox, note: "running"))
            return .success
        }
    }

    static func describe(_ sandbox: TollgateKit.Sandbox, note: String) throws -> String {
        guard let state = sandbox.state() else { return "sandbox: \(note)" }
        var lines = [
            "sandbox: \(note), PostgreSQL on 127.0.0.1:\(state.port) and \(sandbox.folder.path)",
            "data: \(state.options.scenario.rawValue) scenario, \(state.options.rows) leads, seed \(state.options.seed)",
        ]
        for database in TollgateKit.Sandbox.databases {
            lines.append(
                "  \(database.padding(toLength: 10, withPad: " ", startingAt: 0)) \(sandbox.connectionString(database: database, port: state.port))"
            )
        }
        lines.append(
            "TCP clients: user \(TollgateKit.Sandbox.applicationRole), password in \(sandbox.passFile.path) (PGPASSFILE)"
        )
        return lines.joined(separator: "\n")
    }
}

extension TollgateKit.Sandbox.Scenario: ExpressibleByArgument {}

extension Duration {
    func rounded() -> Duration {
        let (seconds, attoseconds) = components
        return seconds >= 10
            ? .seconds(seconds)
            : .milliseconds(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
