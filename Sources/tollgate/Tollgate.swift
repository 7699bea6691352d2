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
            Rehearse.self, Rebind.self, Compare.self, Traffic.self, Sandbox.self, Snapshot.self,
        ]
    )

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
        do {
            var command = try parseAsRoot()
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
