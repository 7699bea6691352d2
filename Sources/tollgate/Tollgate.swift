import ArgumentParser
import Foundation
import Logging
import TollgateKit

@main
struct Tollgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract:
            "Take a PostgreSQL/Supabase schema rollout through dev, staging and production, gate by gate.",
        discussion: """
            Exit codes: 0 success, 1 a gate or check failed, 2 bad configuration or arguments,
            3 a database could not be reached, 4 a step failed while running.
            """,
        version: "0.1.0",
        subcommands: [
            Status.self, Check.self, Gate.self, Plan.self, Run.self, Approve.self, History.self,
            Rehearse.self, Rebind.self, Compare.self, Expectations.self, Traffic.self, Sandbox.self,
            Snapshot.self, Init.self,
        ]
    )

    /// The path of subcommand names that `arguments` starts with (`sandbox up`).
    static func commandPath(_ arguments: [String]) -> [String] {
        var path: [String] = []
        var names = subcommandNames(of: Tollgate.self)
        for argument in arguments {
            guard let next = names[argument] else { break }
            path.append(argument)
            names = subcommandNames(of: next)
        }
        return path
    }

    /// The subcommands of `command`, by name.
    static func subcommandNames(
        of command: ParsableCommand.Type
    ) -> [String: ParsableCommand.Type] {
        var names: [String: ParsableCommand.Type] = [:]
        for subcommand in command.configuration.subcommands {
            names[subcommand._commandName] = subcommand
        }
        return names
    }

    /// Global options (`--project`, `--color`) written before the subcommand move after it,
    /// where its parser looks for them: `tollgate --project app status` works like
    /// `tollgate status --project app`.
    static func arranged(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            if first.hasPrefix("--project=") || first.hasPrefix("--color=") {
                globals.append(first)
                rest = rest.dropFirst()
            } else if first == "--project" || first == "--color", rest.count >= 2 {
                globals += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !globals.isEmpty else { return arguments }
        let path = commandPath(Array(rest))
        // Only commands that run take them: before `help`, a group (`sandbox`) or nothing,
        // they have nothing to say.
        var command: ParsableCommand.Type = Tollgate.self
        for name in path { command = subcommandNames(of: command)[name] ?? command }
        guard !path.isEmpty, command.configuration.subcommands.isEmpty else {
            return Array(rest)
        }
        return path + globals + rest.dropFirst(path.count)
    }

    /// `tollgate help nope`: an error naming the commands there are, instead of the root help
    /// with exit 0.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.first == "help", arguments.count >= 2, arguments[1] != "help" else {
            return nil
        }
        let topic = Array(arguments.dropFirst())
        let path = commandPath(topic)
        guard path.count < topic.count, !topic[path.count].hasPrefix("-") else { return nil }
        var command: ParsableCommand.Type = Tollgate.self
        for name in path { command = subcommandNames(of: command)[name] ?? command }
        var known: [String] = []
        for subcommand in command.configuration.subcommands
        where subcommand.configuration.shouldDisplay {
            known.append(subcommand._commandName)
        }
        let place = (["tollgate"] + path).joined(separator: " ")
        return
            "error: '\(topic[path.count])' is not a command of \(place) (commands: \(known.joined(separator: ", ")))"
    }

    /// Parses with `parseAsRoot()` so that a usage error exits 2, as the exit-code contract
    /// promises, instead of argument-parser's `EX_USAGE` (64).
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel =
                ProcessInfo.processInfo.environment["TOLLGATE_LOG_LEVEL"].flatMap(
                    Logger.Level.init(rawValue:))
                ?? .warning
            return handler
        }
        let arguments = Self.arranged(Array(CommandLine.arguments.dropFirst()))
        if let unknown = Self.unknownHelpTopic(arguments) {
            FileHandle.standardError.write(Data((unknown + "\n").utf8))
            Foundation.exit(ExitStatus.badConfiguration.rawValue)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.badConfiguration.rawValue)
            }
            exit(withError: error)
        }
    }
}
