import Foundation
import PostgresClient

/// One database in the promotion chain: dev → staging → production.
public struct Environment: Sendable, Identifiable {
    /// The name used on the command line (`--env production`).
    public let name: String
    /// Position in the promotion chain; lower runs first.
    public let order: Int
    /// A sentence for reports.
    public let description: String?
    /// The resolved connection; print it only through its redacting `description`.
    public let connection: ConnectionString
    /// Rules that guard this environment.
    public let protection: Protection
    /// Values playbooks can read (`jwt_expiry`, `tenant_model`, …), after interpolation.
    public let variables: [String: String]
    /// Where `name` was defined.
    public let location: SourceLocation
    /// The variables `connection` names (`PRODUCTION_DATABASE_URL`), Tollgate's built-ins
    /// left out: what to set to point the environment elsewhere.
    public var connectionVariables: [String] = []
    /// The variable `connection` needs and that is not set: the environment loads (a CI job
    /// that gates production sets only production's), and connecting to it is the error.
    public var unsetConnectionVariable: String?
    /// Where `connection` is written.
    public var connectionLocation: SourceLocation?
    /// True when the connection resolves to the local sandbox (its socket folder), usually
    /// because the `*_DATABASE_URL` variable was not set.
    public var pointsAtSandbox = false

    public var id: String { name }

    /// What to change to point this environment at its real database, for messages:
    /// `PRODUCTION_DATABASE_URL`, or the file and line of its `connection`.
    public var connectionSetting: String {
        connectionVariables.first ?? "the connection in \(location)"
    }

    public init(
        name: String, order: Int, description: String? = nil, connection: ConnectionString,
        protection: Protection = Protection(), variables: [String: String] = [:],
        location: SourceLocation
    ) {
        self.name = name
        self.order = order
        self.description = description
        self.connection = connection
        self.protection = protection
        self.variables = variables
        self.location = location
    }
}

/// What must happen before a playbook may run on an environment.
public struct Protection: Sendable, Equatable {
    /// Distinct approvals (`tollgate approve`) needed before a run.
    public var approvalsRequired: Int
    /// How long a playbook must have succeeded on the previous environment before it may run
    /// here.
    public var soakAfterPrevious: Duration?

    public init(approvalsRequired: Int = 0, soakAfterPrevious: Duration? = nil) {
        self.approvalsRequired = approvalsRequired
        self.soakAfterPrevious = soakAfterPrevious
    }

    /// A protected environment asks for confirmation on a terminal and needs approvals.
    public var isProtected: Bool { approvalsRequired > 0 }
}

/// Reads `Environments/*.yml`.
enum EnvironmentFile {
    /// The highest `version:` this build reads.
    ///
    /// Raise it only for a change that an older Tollgate would misread (a key whose meaning
    /// changes, a default that changes); new optional keys do not need a new version.
    static let highestSupportedVersion = 1

    enum Key {
        static let all = [
            "version", "name", "order", "description", "connection", "protection", "variables",
        ]
        static let required = ["version", "name", "order", "connection"]
        static let protection = ["approvals_required", "soak_after_previous"]
    }

    /// Parses one file; problems go to `reader.diagnostics`.
    static func read(
        _ text: String, reader: YAMLReader, lookup: (String) -> String?
    ) -> Environment? {
        guard let root = reader.compose(text),
            let entries = reader.mapping(
                root, "the environment", allowed: Key.all, required: Key.required)
        else { return nil }

        reader.checkVersion(entries["version"]?.value, highestSupported: highestSupportedVersion)
        let name = entries["name"].flatMap { reader.string($0.value, key: "name") }
        if let name, let node = entries["name"]?.value, !isValidName(name) {
            reader.diagnostics.error(
                "environment name '\(name)' must be lowercase letters, digits, '-' or '_'",
                at: reader.location(node))
        }
        let order = entries["order"].flatMap { reader.integer($0.value, key: "order", minimum: 1) }
        let description = entries["description"].flatMap {
            reader.string($0.value, key: "description")
        }
        var unsetConnectionVariable: String?
        let connection = entries["connection"].flatMap { entry -> String? in
            // Only an unset (or empty: CI sets a secret it cannot read to "") variable waits
            // until the environment is used; a syntax error is reported now, whatever is set.
            guard let raw = reader.string(entry.value, key: "connection") else { return nil }
            guard (try? Interpolation.expand(raw, lookup: { _ in "x" })) != nil else {
                return reader.interpolated(entry.value, key: "connection", lookup: lookup)
            }
            do {
                let value = try Interpolation.expand(raw, lookup: lookup)
                if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                    let variable = Interpolation.variables(in: raw).first
                {
                    unsetConnectionVariable = variable
                }
                return value
            } catch {
                unsetConnectionVariable = (error as? Interpolation.Failure)?.unset
                return unsetConnectionVariable == nil
                    ? reader.interpolated(entry.value, key: "connection", lookup: lookup) : ""
            }
        }
        if unsetConnectionVariable == nil, let connection,
            connection.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            let node = entries["connection"]?.value
        {
            reader.diagnostics.error(
                "'connection' is empty after interpolation", at: reader.location(node))
        }

        var protection = Protection()
        if let node = entries["protection"]?.value,
            let fields = reader.mapping(node, "'protection'", allowed: Key.protection)
        {
            if let value = fields["approvals_required"].flatMap({
                reader.integer($0.value, key: "approvals_required")
            }) {
                protection.approvalsRequired = value
            }
            protection.soakAfterPrevious = fields["soak_after_previous"].flatMap {
                reader.duration($0.value, key: "soak_after_previous")
            }
        }

        var variables: [String: String] = [:]
        if let node = entries["variables"]?.value, case .mapping(let mapping) = node {
            for (key, value) in mapping {
                guard let name = reader.string(key, key: "variables") else { continue }
                if case .scalar = value {
                    if let text = reader.interpolated(value, key: name, lookup: lookup) {
                        variables[name] = text
                    }
                } else {
                    reader.diagnostics.error(
                        "expected a single value for variable '\(name)', found \(reader.kind(of: value))",
                        at: reader.location(value))
                }
            }
        } else if let node = entries["variables"]?.value {
            reader.diagnostics.error(
                "expected a mapping for 'variables', found \(reader.kind(of: node))",
                at: reader.location(node))
        }

        guard let name, let order, let connection, let nameNode = entries["name"]?.value else {
            return nil
        }
        var environment = Environment(
            name: name, order: order, description: description,
            connection: ConnectionString(connection), protection: protection, variables: variables,
            location: reader.location(nameNode))
        environment.unsetConnectionVariable = unsetConnectionVariable
        environment.connectionLocation = entries["connection"].map { reader.location($0.value) }
        if let node = entries["connection"]?.value, let raw = reader.string(node, key: "connection")
        {
            environment.connectionVariables = Interpolation.variables(in: raw).filter {
                !$0.hasPrefix("TOLLGATE_")
            }
        }
        return environment
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}

/// Where an environment points (host, port, database; never a password), so that reports
/// can name it without importing the database client.
public typealias Endpoint = PostgresClient.Endpoint

extension Environment {
    /// Opens a connection to this environment's database, labelled with its name.
    /// - Throws: ``ConnectionError`` (exit 3) when it cannot be reached or refuses the login.
    public func connect(timeout: Int = 10) throws -> Connection {
        if let variable = unsetConnectionVariable {
            throw ConnectionError(
                environment: name,
                underlying: PostgresError(
                    kind: .connection,
                    message:
                        "\(variable) is not set (or is empty): set it to the database's connection string (the connection in \(connectionLocation ?? location))",
                    label: name),
                badString: true)
        }
        if let problem = connection.problem {
            throw ConnectionError(
                environment: name,
                underlying: PostgresError(
                    kind: .connection, message: "\(connectionSetting) \(problem)", label: name),
                badString: true)
        }
        do {
            return try Connection(connection, label: name, connectTimeout: timeout)
        } catch let error as PostgresError where error.kind == .connection {
            throw ConnectionError(environment: name, underlying: error)
        }
    }
}
