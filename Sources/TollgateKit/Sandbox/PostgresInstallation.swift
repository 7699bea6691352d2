import Foundation

/// The PostgreSQL server programs the sandbox runs (`initdb`, `pg_ctl`, `postgres`).
public struct PostgresInstallation: Sendable {
    /// The folder holding the programs, such as `/usr/lib/postgresql/15/bin`.
    public let binDirectory: String

    public var initdb: String { binDirectory + "/initdb" }
    public var pgCtl: String { binDirectory + "/pg_ctl" }

    /// Finds the programs: `TOLLGATE_PG_BINDIR`, then Debian's `/usr/lib/postgresql/<newest>/bin`,
    /// then `PATH`.
    /// - Throws: ``SandboxError/postgresNotInstalled`` with the install command.
    public static func find(
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws(SandboxError) -> PostgresInstallation
    {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let explicit = environment["TOLLGATE_PG_BINDIR"] { candidates.append(explicit) }
        let debian = "/usr/lib/postgresql"
        let versions = ((try? fileManager.contentsOfDirectory(atPath: debian)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        candidates += versions.map { "\(debian)/\($0)/bin" }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for folder in candidates
        where fileManager.isExecutableFile(atPath: folder + "/initdb")
            && fileManager.isExecutableFile(atPath: folder + "/pg_ctl")
        {
            return PostgresInstallation(binDirectory: folder)
        }
        throw .postgresNotInstalled
    }
}

/// Why the sandbox could not do what was asked.
public enum SandboxError: TollgateError {
    case postgresNotInstalled
    case unreachableFolder(String)
    case socketPathTooLong(String)
    case commandFailed(command: String, output: String)
    case notRunning(String)
    case scenarioMismatch(existing: String, requested: String)
    /// Another program listens on the port; `free` is the next one that is free.
    case portTaken(port: Int, free: Int)

    public var exitStatus: ExitStatus {
        switch self {
        case .postgresNotInstalled, .unreachableFolder, .socketPathTooLong, .scenarioMismatch,
            .portTaken:
            return .badConfiguration
        case .commandFailed, .notRunning: return .unreachable
        }
    }

    public var description: String {
        switch self {
        case .postgresNotInstalled:
            return
                "PostgreSQL's server programs (initdb, pg_ctl) were not found; install them with 'apt-get install postgresql' (or set TOLLGATE_PG_BINDIR)"
        case .unreachableFolder(let folder):
            return
                "the postgres OS user cannot enter '\(folder)' (a parent folder is not searchable); set TOLLGATE_SANDBOX_DIR to a folder it can reach, such as /tmp/tollgate-sandbox"
        case .socketPathTooLong(let path):
            return
                "the sandbox socket path '\(path)' is longer than the 107 bytes a Unix socket allows; set TOLLGATE_SANDBOX_DIR to a shorter folder"
        case .commandFailed(let command, let output):
            return "\(command) failed:\n\(output)"
        case .notRunning(let folder):
            return "the sandbox in '\(folder)' is not running; start it with 'tollgate sandbox up'"
        case .scenarioMismatch(let existing, let requested):
            return
                "the sandbox already holds the '\(existing)' scenario, not '\(requested)'; 'tollgate sandbox up' without --scenario starts it as it is, and 'tollgate sandbox reset --scenario \(requested)' rebuilds it (its data is lost)"
        case .portTaken(let port, let free):
            return
                "another program listens on 127.0.0.1:\(port); nothing was stopped or changed. Use another port: tollgate sandbox up --port \(free)"
        }
    }
}
