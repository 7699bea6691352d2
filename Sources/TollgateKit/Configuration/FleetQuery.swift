import Foundation
import PostgresClient

/// A fleet's members query (`members: {query:, connection:}`) failed, or returned rows that
/// are not members: a configuration error (exit 2) naming the query's file and line.
///
/// A control plane that cannot be reached is a ``ConnectionError`` (exit 3) instead.
public struct FleetQueryError: TollgateError {
    public let fleet: String
    public let location: SourceLocation
    public let message: String
    public var exitStatus: ExitStatus { .badConfiguration }
    public var description: String {
        "\(location): the members query of fleet '\(fleet)': \(message)"
    }
}

extension Project {
    /// A fleet's members, each an environment of its own (`tenants/acme`); for a fleet whose
    /// members a query returns, the query runs (read-only, once per process) on its database.
    /// - Throws: ``ConnectionError`` when that database cannot be reached,
    ///   ``FleetQueryError`` when the query fails or returns something other than members.
    public func members(of fleet: Environment) throws -> [Environment] {
        guard let query = fleet.memberQuery else { return fleet.expanded }
        let members: [Environment.Member] = try memo.value(for: "members\u{0}\(fleet.name)") {
            try readMembers(of: fleet, query)
        }
        var resolved = fleet
        resolved.members = members
        return resolved.expanded
    }

    /// Every environment, fleets as their members.
    ///
    /// A fleet whose control plane cannot be reached stands as itself with the failure as its
    /// ``Environment/membersProblem``, so that a report on every environment still shows the
    /// others, and that fleet as unreachable. A query that is wrong is the configuration's
    /// error (exit 2), as when the fleet is named.
    public func allEnvironments() throws -> [Environment] {
        try environments.flatMap { environment in
            do {
                return try members(of: environment)
            } catch let error as ConnectionError {
                var fleet = environment
                fleet.membersProblem = error.userMessage
                return [fleet]
            }
        }
    }

    func readMembers(
        of fleet: Environment, _ query: Environment.MemberQuery
    ) throws -> [Environment.Member] {
        var control = Environment(
            name: "\(fleet.name) (members query)", order: fleet.order,
            connection: query.connection.value, location: query.location)
        query.connection.apply(to: &control)
        let db = try control.connect()
        func fail(_ message: String) -> FleetQueryError {
            FleetQueryError(fleet: fleet.name, location: query.location, message: message)
        }
        let result: QueryResult
        do {
            // Read-only and bounded: the query cannot change the control plane, nor hang a gate.
            _ = try db.query("begin transaction read only")
            _ = try db.query("set local statement_timeout = '30s'")
            result = try db.query(Query(unsafeSQL: query.sql))
            _ = try? db.query("rollback")
        } catch let error as PostgresError where error.kind == .connection {
            // The control plane went away mid-query: unreachable (exit 3), not a bad query.
            throw ConnectionError(environment: control.name, underlying: error)
        } catch let error as PostgresError {
            throw fail(error.explained)
        }
        guard result.columns.contains("name"), result.columns.contains("connection") else {
            throw fail(
                "it returned the columns \(result.columns.map { "'\($0)'" }.joined(separator: ", ")); it must return 'name' and 'connection' (select slug as name, database_url as connection …)"
            )
        }
        var members: [Environment.Member] = []
        var seen: [String: Int] = [:]
        for (index, row) in result.rows.enumerated() {
            let number = index + 1
            // Neither value is quoted back unchecked: a connection string in the wrong column
            // holds a password.
            guard let name = try? row.decode("name", as: String.self),
                EnvironmentFile.isValidName(name)
            else {
                throw fail(
                    "row \(number): 'name' must be lowercase letters, digits, '-' or '_' (and not NULL)"
                )
            }
            if let first = seen[name] {
                throw fail("rows \(first) and \(number) both name member '\(name)'")
            }
            seen[name] = number
            guard let connection = try? row.decode("connection", as: String.self),
                !connection.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            else {
                throw fail("row \(number) ('\(name)'): 'connection' is empty or NULL")
            }
            var member = Environment.Member(
                name: name,
                connection: ParsedConnection(
                    value: ConnectionString(connection), unsetVariable: nil, variables: [],
                    location: query.location),
                location: query.location)
            member.pointsAtSandbox = Self.pointsAtSandbox(
                member.connection.value.endpoint, builtins: sandboxBuiltins)
            members.append(member)
        }
        guard !members.isEmpty else { throw fail("it returned no rows: a fleet needs a member") }
        return members
    }
}
