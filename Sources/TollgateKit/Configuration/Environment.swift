import Foundation
import PostgresClient
import Yams

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
    /// A fleet's databases (`members:`), each with its own ledger; empty for one database.
    ///
    /// Commands act on ``Project/environments(named:)``, where a fleet stands for one
    /// environment per member.
    public var members: [Member] = []
    /// The fleet this environment is a member of (`tenants` for `tenants/acme`).
    public var fleet: String?
    /// A fleet whose members a query returns (`members: {query:, connection:}`): read when a
    /// command first needs them (``Project/members(of:)``), not when the project loads.
    public var memberQuery: Environment.MemberQuery?
    /// Why a fleet's query could not say who its members are, when every environment was
    /// asked for: the fleet then stands as itself, unreachable.
    public var membersProblem: String?

    /// `members: {query: SQL, connection: CONN}`: a query, run read-only on another database
    /// (a control plane), whose rows (`name`, `connection`) are the fleet's members.
    public struct MemberQuery: Sendable {
        public let sql: String
        public let connection: ParsedConnection
        public let location: SourceLocation
    }

    /// One database of a fleet.
    public struct Member: Sendable {
        public let name: String
        public let connection: ParsedConnection
        public let location: SourceLocation
        /// As ``Environment/pointsAtSandbox``, for this member's connection.
        public var pointsAtSandbox = false
    }

    /// True for a fleet: an environment that stands for many databases.
    public var isFleet: Bool { !members.isEmpty || memberQuery != nil }

    /// Names for one line: the first `first`, then how many more (`m02, m03 and 12 more`);
    /// with `short`, a member's own name (`acme` for `tenants/acme`).
    public static func nameList(_ names: [String], first: Int = 10, short: Bool = false) -> String {
        let shown = names.prefix(first).map { short ? (fleetMember($0)?.member ?? $0) : $0 }
            .joined(separator: ", ")
        return names.count > first ? "\(shown) and \(names.count - first) more" : shown
    }

    /// The fleet and the member a member's environment name holds (`tenants/acme`), or nil
    /// for an environment of one database: names have no other `/`.
    public static func fleetMember(_ name: String) -> (fleet: String, member: String)? {
        guard let slash = name.firstIndex(of: "/") else { return nil }
        return (String(name[..<slash]), String(name[name.index(after: slash)...]))
    }

    /// The environment of each member, named `fleet/member`, or itself when it is not a fleet.
    ///
    /// A query's members are in ``Project/members(of:)``.
    public var expanded: [Environment] {
        guard isFleet else { return [self] }
        return members.map { member in
            var environment = Environment(
                name: "\(name)/\(member.name)", order: order, description: description,
                connection: member.connection.value, protection: protection,
                variables: variables, location: member.location)
            environment.fleet = name
            environment.pointsAtSandbox = member.pointsAtSandbox
            member.connection.apply(to: &environment)
            return environment
        }
    }

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
            "version", "name", "order", "description", "connection", "members", "protection",
            "variables",
        ]
        static let required = ["version", "name", "order"]
        static let protection = ["approvals_required", "soak_after_previous"]
    }

    /// Parses one file; problems go to `reader.diagnostics`.
    /// - Parameter memberFile: a `members: {file:}` path's text (nil when it cannot be read)
    ///   and the path to show.
    static func read(
        _ text: String, reader: YAMLReader, lookup: (String) -> String?,
        memberFile: (String) -> (text: String?, path: String) = { (nil, $0) }
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
        let connection = entries["connection"].flatMap {
            ParsedConnection.read($0.value, reader: reader, lookup: lookup)
        }
        var memberQuery: Environment.MemberQuery?
        let members = entries["members"].map {
            readMembers(
                $0.value, reader: reader, lookup: lookup, memberFile: memberFile,
                query: &memberQuery)
        }
        switch (entries["connection"], entries["members"]) {
        case (nil, nil):
            reader.diagnostics.error(
                "missing required key 'connection' (or 'members', for a fleet) in the environment",
                at: reader.location(root))
        case (_?, let members?):
            reader.diagnostics.error(
                "'connection' and 'members' both given: an environment is one database or a fleet of them, not both",
                at: reader.location(members.key))
        default: break
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

        // An environment whose connection was refused is kept (the error already fails the
        // load), so that the checks after this one still report on it.
        guard let name, let order, let nameNode = entries["name"]?.value,
            entries["connection"] != nil || !(members ?? []).isEmpty || memberQuery != nil
        else { return nil }
        var environment = Environment(
            name: name, order: order, description: description,
            connection: connection?.value ?? ConnectionString(""), protection: protection,
            variables: variables, location: reader.location(nameNode))
        connection?.apply(to: &environment)
        environment.members = members ?? []
        environment.memberQuery = memberQuery
        return environment
    }

    /// `members:` as a list of `{name, connection}`, or `{file: PATH}`: a file in the project
    /// with one member a line, `NAME CONNECTION` (blank lines and `#` comments skipped), or
    /// `{query: SQL, connection: CONN}` (set in `query`, the members left empty).
    static func readMembers(
        _ node: Node, reader: YAMLReader, lookup: (String) -> String?,
        memberFile: (String) -> (text: String?, path: String), query: inout Environment.MemberQuery?
    ) -> [Environment.Member] {
        var members: [Environment.Member] = []
        /// - Parameter quoted: whether an invalid name may be quoted back: not a file's first
        ///   word, which may be a connection string (and its password) written first.
        func add(
            _ name: String, _ connection: ParsedConnection?, at location: SourceLocation,
            quoted: Bool = true
        ) {
            if !isValidName(name) {
                reader.diagnostics.error(
                    quoted
                        ? "member name '\(name)' must be lowercase letters, digits, '-' or '_'"
                        : "a line's first word is the member's name, which must be lowercase letters, digits, '-' or '_' (then its connection string)",
                    at: location)
            } else if let first = members.first(where: { $0.name == name }) {
                reader.diagnostics.error(
                    "duplicate member '\(name)' (also at \(first.location))", at: location)
            } else if let connection {
                members.append(.init(name: name, connection: connection, location: location))
            }
        }
        switch node {
        case .sequence(let items):
            for item in items {
                guard
                    let fields = reader.mapping(
                        item, "a member", allowed: ["name", "connection"],
                        required: ["name", "connection"]),
                    let nameNode = fields["name"]?.value,
                    let name = reader.string(nameNode, key: "name"),
                    let connectionNode = fields["connection"]?.value
                else { continue }
                add(
                    name, ParsedConnection.read(connectionNode, reader: reader, lookup: lookup),
                    at: reader.location(nameNode))
            }
        case .mapping:
            guard
                let fields = reader.mapping(
                    node, "'members'", allowed: ["file", "query", "connection"])
            else { return [] }
            if fields["query"] != nil || fields["connection"] != nil {
                guard fields["file"] == nil else {
                    reader.diagnostics.error(
                        "'members' takes {file: PATH} or {query: SQL, connection: CONN}, not both",
                        at: reader.location(node))
                    return []
                }
                guard let sqlNode = fields["query"]?.value,
                    let connectionNode = fields["connection"]?.value
                else {
                    reader.diagnostics.error(
                        "'members' with a query needs both 'query' (SQL returning name and connection) and 'connection' (the database to run it on)",
                        at: reader.location(node))
                    return []
                }
                guard let sql = reader.string(sqlNode, key: "query"),
                    let connection = ParsedConnection.read(
                        connectionNode, reader: reader, lookup: lookup)
                else { return [] }
                if sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    reader.diagnostics.error(
                        "'query' is empty", at: reader.location(sqlNode))
                    return []
                }
                query = Environment.MemberQuery(
                    sql: sql, connection: connection, location: reader.location(sqlNode))
                return []
            }
            guard let fileNode = fields["file"]?.value else {
                reader.diagnostics.error(
                    "'members' takes a list, {file: PATH} or {query: SQL, connection: CONN}",
                    at: reader.location(node))
                return []
            }
            guard let file = reader.string(fileNode, key: "file") else { return [] }
            let (text, path) = memberFile(file)
            guard let text else {
                reader.diagnostics.error(
                    "cannot read the members file '\(path)' (a path relative to the project folder, or absolute)",
                    at: reader.location(fileNode))
                return []
            }
            // Any line ending (a file saved on Windows ends its lines with CRLF), and no byte
            // order mark.
            let lines = text.drop { $0 == "\u{FEFF}" }
                .split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            for (index, raw) in lines.enumerated() {
                let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !line.isEmpty, !line.hasPrefix("#") else { continue }
                let location = SourceLocation(file: path, line: index + 1, column: 1)
                let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count == 2 else {
                    reader.diagnostics.error(
                        "expected 'NAME CONNECTION' (a member's name, then its connection string)",
                        at: location)
                    continue
                }
                let connection = ParsedConnection.expand(
                    String(parts[1]).trimmingCharacters(in: .whitespaces), at: location,
                    reader: reader, lookup: lookup)
                add(String(parts[0]), connection, at: location, quoted: false)
            }
        default:
            reader.diagnostics.error(
                "expected a list of members ({name, connection}) or {file: PATH} for 'members', found \(reader.kind(of: node))",
                at: reader.location(node))
            return []
        }
        if members.isEmpty, reader.diagnostics.diagnostics.allSatisfy({ $0.severity != .error }) {
            reader.diagnostics.error("a fleet needs at least one member", at: reader.location(node))
        }
        return members
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }
}

/// A `connection` after interpolation, with what messages need to say where it came from.
public struct ParsedConnection: Sendable {
    public let value: ConnectionString
    /// The variable it needs that is not set (or is empty): the environment loads (a CI job
    /// that gates production sets only production's), and connecting to it is the error.
    let unsetVariable: String?
    /// The variables it names, Tollgate's built-ins left out.
    let variables: [String]
    let location: SourceLocation

    func apply(to environment: inout Environment) {
        environment.unsetConnectionVariable = unsetVariable
        environment.connectionVariables = variables
        environment.connectionLocation = location
    }

    /// A `connection:` value; problems go to `reader.diagnostics`.
    static func read(
        _ node: Node, reader: YAMLReader, lookup: (String) -> String?
    ) -> ParsedConnection? {
        guard let raw = reader.string(node, key: "connection") else { return nil }
        guard (try? Interpolation.expand(raw, lookup: { _ in "x" })) != nil else {
            // A syntax error, reported at its own column.
            _ = reader.interpolated(node, key: "connection", lookup: lookup)
            return nil
        }
        return expand(raw, at: reader.location(node), reader: reader, lookup: lookup)
    }

    /// `raw` interpolated; an error at `location` when it cannot be, or is empty.
    static func expand(
        _ raw: String, at location: SourceLocation, reader: YAMLReader,
        lookup: (String) -> String?
    ) -> ParsedConnection? {
        // Only an unset (or empty: CI sets a secret it cannot read to "") variable waits until
        // the environment is used; a syntax error is reported now, whatever is set.
        do {
            _ = try Interpolation.expand(raw, lookup: { _ in "x" })
        } catch {
            reader.diagnostics.error("in 'connection': \(error.message)", at: location)
            return nil
        }
        var unset: String?
        let value: String
        do {
            value = try Interpolation.expand(raw, lookup: lookup)
            if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                unset = Interpolation.variables(in: raw).first
            }
        } catch {
            guard let variable = error.unset else {
                reader.diagnostics.error("in 'connection': \(error.message)", at: location)
                return nil
            }
            unset = variable
            value = ""
        }
        if unset == nil, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reader.diagnostics.error("'connection' is empty after interpolation", at: location)
            return nil
        }
        return ParsedConnection(
            value: ConnectionString(value), unsetVariable: unset,
            variables: Interpolation.variables(in: raw).filter { !$0.hasPrefix("TOLLGATE_") },
            location: location)
    }
}

/// Where an environment points (host, port, database; never a password), so that reports
/// can name it without importing the database client.
public typealias Endpoint = PostgresClient.Endpoint

extension Environment {
    /// Opens a connection to this environment's database, labelled with its name.
    /// - Throws: ``ConnectionError`` (exit 3) when it cannot be reached or refuses the login.
    public func connect(timeout: Int = 10) throws -> Connection {
        // A fleet has no connection of its own: an empty one would reach libpq's defaults.
        if isFleet {
            throw ConnectionError(
                environment: name,
                underlying: PostgresError(
                    kind: .connection,
                    message: membersProblem
                        ?? "\(name) is a fleet: its members have the connections", label: name),
                badString: membersProblem == nil)
        }
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
