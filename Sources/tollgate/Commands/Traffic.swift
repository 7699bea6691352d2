import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate traffic --env dev --duration 1m`: an application acting on an environment, to
/// watch a rollout under load (run it beside `tollgate run` in another terminal).
struct Traffic: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "traffic",
        abstract:
            "Act as the application on an environment (old backend, new backend from Day 4, sign-ups) and report what failed.",
        discussion: CommandHelp.discussion(
            "Each request is a transaction as Supabase's API makes it (role authenticated, the JWT's claims). Tokens live the environment's jwt_expiry. Exit 1 when any operation failed (refusals by row level security are counted apart).",
            examples: [
                "tollgate traffic --env dev --duration 1m",
                "tollgate traffic --env dev --stop-file /tmp/stop --json",
                "tollgate traffic --env dev --duration 5m --lock-wait 1s",
            ],
            exits: [.success, .blocked, .badConfiguration, .unreachable]))

    @OptionGroup var global: GlobalOptions
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @Option(help: "How long to run, such as 30s or 5m.") var duration = "30s"
    @Option(help: "Concurrent clients.") var clients = 2
    @Option(
        help:
            "Fail any operation that waits longer than this for a lock (lock_timeout), such as 1s: the waits a rollout can cause, apart from a slow machine."
    )
    var lockWait: String?
    @Option(help: "Stop as soon as this file exists (for scripts), whatever --duration says.")
    var stopFile: String?
    @Flag(help: "Print the report as JSON (latencies in milliseconds).") var json = false

    func validate() throws {
        guard DurationParser.parse(duration) != nil else {
            throw ValidationError("--duration takes a duration such as 30s or 5m")
        }
        guard (1...64).contains(clients) else {
            throw ValidationError("--clients must be between 1 and 64")
        }
        if let lockWait {
            guard let wait = DurationParser.parse(lockWait) else {
                throw ValidationError("--lock-wait takes a duration such as 500ms or 1s")
            }
            // lock_timeout takes whole milliseconds, at most 2^31 - 1.
            guard (1...Int64(Int32.max)).contains(DurationParser.milliseconds(wait)) else {
                throw ValidationError("--lock-wait must be between 1ms and 24 days")
            }
        }
    }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let environment = try project.environment(named: environment)
        let jwtExpiry =
            environment.variables["jwt_expiry"].flatMap(DurationParser.parse) ?? .seconds(3600)
        let until = ContinuousClock.now + DurationParser.parse(duration)!
        context.printer.info(
            "traffic on \(environment.name) for \(duration) with \(clients) clients (tokens live \(DurationParser.format(jwtExpiry)))"
        )
        // On the sandbox, sign-ups run as GoTrue's role, as on hosted Supabase.
        let gotrue =
            environment.pointsAtSandbox
            ? environment.connection.endpoint?.database.flatMap {
                context.sandbox(root: project.root).gotrueConnectionString(database: $0)
            } : nil
        let report = try await TrafficGenerator(
            environment: environment,
            options: .init(
                clients: clients, jwtExpiry: jwtExpiry, gotrue: gotrue,
                lockWait: lockWait.flatMap(DurationParser.parse))
        )
        .run(until: { [stopFile] in
            ContinuousClock.now >= until
                || stopFile.map { FileManager.default.fileExists(atPath: $0) } ?? false
        })
        if json {
            struct Document: Encodable {
                let version = 1
                let environment: String
                let operations: Int
                let failed: Int
                let refused: Int
                let p50: Double
                let p99: Double
                let worst: Double
            }
            context.printer.output(
                try ReportJSON.encode(
                    Document(
                        environment: environment.name, operations: report.count,
                        failed: report.failures.count,
                        refused: report.refusals, p50: report.percentile(0.5),
                        p99: report.percentile(0.99), worst: report.worst)))
            return report.failures.isEmpty ? .success : .blocked
        }
        context.printer.output("traffic on \(environment.name): " + report.summary)
        for failure in report.failures.prefix(10) {
            context.printer.output(
                "  ✗ \(failure.operation): \(failure.sqlState ?? "?") \(failure.message)")
        }
        return report.failures.isEmpty ? .success : .blocked
    }
}
