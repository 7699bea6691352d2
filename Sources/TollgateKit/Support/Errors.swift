import PostgresClient

/// A database could not be reached, or refused to authenticate.
public struct ConnectionError: TollgateError {
    /// The environment whose database it was.
    public let environment: String
    /// libpq's reason, already free of passwords.
    public let underlying: PostgresError

    /// The connection string itself is wrong (``ConnectionString/problem``): a configuration
    /// error, not an unreachable server.
    public var badString = false

    public init(environment: String, underlying: PostgresError, badString: Bool = false) {
        self.environment = environment
        self.underlying = underlying
        self.badString = badString
    }

    public var exitStatus: ExitStatus { badString ? .badConfiguration : .unreachable }
    public var description: String {
        "cannot connect to environment '\(environment)': \(underlying.message)"
    }
}

/// A run through Supabase's transaction pooler (Supavisor, port 6543): the runner lock and
/// session settings would not hold from one statement to the next.
public struct PoolerError: TollgateError {
    public let environment: String
    /// The variable or file line that sets the connection.
    public let setting: String

    public init(environment: String, setting: String) {
        self.environment = environment
        self.setting = setting
    }

    public var exitStatus: ExitStatus { .badConfiguration }
    public var description: String {
        "environment '\(environment)': \(setting) points at Supabase's transaction pooler (port 6543), where the runner's lock and session settings do not hold between statements; nothing was run. Use the direct connection (db.<ref>.supabase.co:5432) or the session pooler (port 5432 of the pooler host)"
    }
}

/// The database refused Tollgate something it needs outside a step: a privilege (42501), with the
/// `GRANT` that gives it.
///
/// Exit 3, like a refused login: nothing ran, and the database's owner must act.
public struct PrivilegeError: TollgateError {
    public let underlying: PostgresError

    public init(_ underlying: PostgresError) { self.underlying = underlying }

    public var exitStatus: ExitStatus { .unreachable }

    public var description: String {
        let environment = underlying.label.map { "environment '\($0)': " } ?? ""
        let role = underlying.role ?? "the role in the connection"
        var text =
            "\(environment)the role \(role) lacks a privilege Tollgate needs: \(underlying.message) (SQLSTATE 42501)"
        if let grant = Self.grant(for: underlying.message, role: underlying.role ?? "ROLE") {
            text += "\n  grant it with: \(grant)"
        }
        return text
    }

    /// The `GRANT` that answers `permission denied for <kind> <name>`, as PostgreSQL words it.
    static func grant(for message: String, role: String) -> String? {
        let prefix = "permission denied for "
        guard message.hasPrefix(prefix) else { return nil }
        let rest = message.dropFirst(prefix.count).split(separator: " ", maxSplits: 1).map(
            String.init)
        guard rest.count == 2 else { return nil }
        var (kind, object) = (rest[0], rest[1])
        if kind == "materialized", object.hasPrefix("view ") {
            (kind, object) = ("view", String(object.dropFirst(5)))
        }
        func quoted(_ name: String) -> String {
            "\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\""
        }
        let grantee = quoted(role)
        switch kind {
        case "database":
            // Creating the ledger's schema needs CREATE on the database.
            return "GRANT CREATE ON DATABASE \(quoted(object)) TO \(grantee);"
        case "schema" where object == "tollgate":
            return
                "GRANT USAGE ON SCHEMA tollgate TO \(grantee); GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tollgate TO \(grantee); GRANT USAGE ON ALL SEQUENCES IN SCHEMA tollgate TO \(grantee);"
        case "schema":
            return "GRANT USAGE ON SCHEMA \(quoted(object)) TO \(grantee);"
        case "table", "view":
            // PostgreSQL names the relation without its schema; the ledger's tables live in
            // tollgate, and Tollgate reads the application's (checks need SELECT only).
            let ledgerTables = [
                "releases", "runs", "step_runs", "approvals", "events", "backfill_cursors",
                "schema_effects", "binding",
            ]
            if ledgerTables.contains(object) {
                return
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tollgate TO \(grantee);"
            }
            return "GRANT SELECT ON TABLE \(quoted(object)) TO \(grantee);"
        case "sequence":
            return "GRANT USAGE ON SEQUENCE \(quoted(object)) TO \(grantee);"
        default:
            return nil
        }
    }
}

extension PostgresError: TollgateError {
    /// A server error that reaches a command outside a step means the database could not serve
    /// Tollgate (unreachable, or it refused a query such as a privilege): exit 3.
    ///
    /// A failing step is wrapped as ``RunError/stepFailed`` (exit 4) before it gets here; a
    /// decoding or client error is Tollgate's own failure (exit 4).
    public var exitStatus: ExitStatus {
        switch kind {
        case .connection, .connectionLost, .server: return .unreachable
        case .decoding, .client: return .stepFailed
        }
    }

    /// The error as a user reads it: a privilege error with its `GRANT`.
    public var explained: String {
        isInsufficientPrivilege ? PrivilegeError(self).description : description
    }

    public var userMessage: String { explained }
}

/// An error none of Tollgate's layers described (a file the system would not write…): shown as what
/// it is, so that nothing but a ``TollgateError`` reaches the screen.
///
/// Exit 2: the command's input could not be used; never "a step failed".
public struct InternalError: TollgateError {
    public let underlying: any Error
    public init(_ underlying: any Error) { self.underlying = underlying }
    public var exitStatus: ExitStatus { .badConfiguration }
    public var description: String { "\(underlying)" }
}
