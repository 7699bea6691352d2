import CLibPQ
import Foundation

/// A libpq connection string: a `postgresql://` URI, a `key=value` conninfo, or
/// `service=NAME` for an entry of `pg_service.conf`.
///
/// libpq parses it, so every libpq convention keeps working: `PGHOST`, `PGPASSWORD` and the
/// other `PG*` variables fill what the string leaves out, `.pgpass` and `passfile` supply
/// passwords, and `sslmode` and friends are honoured. Both ``description`` and
/// ``debugDescription`` print `***` in place of a password, so a `ConnectionString` can be
/// logged or interpolated safely.
public struct ConnectionString: Sendable, Hashable, CustomStringConvertible,
    CustomDebugStringConvertible
{
    /// The string as libpq receives it.
    ///
    /// Never print this; print ``description``.
    public let rawValue: String

    /// Wraps a conninfo string or URI.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The string with its password replaced by `***`; a string libpq would misread is not
    /// shown at all (where its password ends cannot be told).
    public var description: String {
        problem == nil ? Redaction.redact(rawValue) : "(not shown: \(Self.unreadable))"
    }

    /// What stands in for a string that cannot be read as meant.
    static let unreadable = "a connection string that cannot be read as it is"
    /// Same as ``description``: a debugger or `dump` must not reveal the password either.
    public var debugDescription: String { "ConnectionString(\(description))" }

    /// Passwords this string carries, plus `PGPASSWORD`: what a shell step's output must not
    /// show.
    public var secrets: [String] {
        var secrets = Redaction.passwords(in: rawValue)
        if let fromEnvironment = ProcessInfo.processInfo.environment["PGPASSWORD"],
            !fromEnvironment.isEmpty
        {
            secrets.append(fromEnvironment)
        }
        return secrets
    }
}

/// Where a connection points: host (or socket folder), port and database, never the password.
///
/// `status` shows it for every environment, so that a wrong URL is seen.
public struct Endpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A host name, an address, or the folder of a Unix socket; nil for libpq's default.
    public var host: String?
    public var port: String?
    public var database: String?
    public var user: String?
    /// A `pg_service.conf` service, when the string names one.
    public var service: String?

    public init(
        host: String? = nil, port: String? = nil, database: String? = nil, user: String? = nil,
        service: String? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.service = service
    }

    /// `127.0.0.1:5432/dev`, `/tmp/sock:5432/dev` or `service=staging`.
    public var description: String {
        if let service, host == nil, database == nil { return "service=\(service)" }
        return "\(host ?? "(default host)"):\(port ?? "5432")/\(database ?? "(default database)")"
    }
}

extension ConnectionString {
    /// What the string itself says about where it points, read with libpq's own parser
    /// (`PQconninfoParse`, URIs and key=value alike); nil when libpq cannot parse it.
    ///
    /// Values from `PG*` variables or a service file are not included: ``Connection/endpoint`` has
    /// what a live connection really reached.
    public var endpoint: Endpoint? {
        // A misread string's "host" or "port" may be part of its password.
        guard problem == nil else { return nil }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(rawValue, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var endpoint = Endpoint()
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val.map({ String(cString: $0) }), !value.isEmpty {
                switch String(cString: keyword) {
                case "host": endpoint.host = value
                case "hostaddr": endpoint.host = endpoint.host ?? value
                case "port": endpoint.port = value
                case "dbname": endpoint.database = value
                case "user": endpoint.user = value
                case "service": endpoint.service = value
                default: break
                }
            }
            option += 1
        }
        // A URI whose password holds an unencoded '@' is split at the first one, which would
        // show the rest of the password as the host: show no host rather than that.
        if let host = endpoint.host, host.contains("@") {
            endpoint.host = "(unreadable host: check the URI's encoding)"
        }
        return endpoint
    }
}

extension ConnectionString {
    /// Whether the string points at Supabase's pooler (Supavisor) in transaction mode, port
    /// 6543 of a `*.pooler.supabase.com` host: each transaction may run on another server
    /// session, so a session advisory lock and session settings do not hold between
    /// statements.
    public var isSupabaseTransactionPooler: Bool {
        guard let endpoint else { return false }
        let hosts = (endpoint.host ?? "").split(separator: ",").map {
            $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        let portSetting =
            endpoint.port ?? ProcessInfo.processInfo.environment["PGPORT"] ?? "5432"
        let ports = portSetting.split(separator: ",").map(String.init)
        for (index, host) in hosts.enumerated() {
            // One port for all hosts, or one per host.
            let port = ports.count == 1 ? ports[0] : index < ports.count ? ports[index] : "5432"
            // Supavisor's shared pooler, and the dedicated PgBouncer beside each database.
            let pooler =
                host.hasSuffix(".pooler.supabase.com")
                || (host.hasPrefix("db.") && host.hasSuffix(".supabase.co"))
            if pooler && port == "6543" { return true }
        }
        return false
    }

    /// Why libpq would misread this string or cannot use it, worded to follow the name of its
    /// setting (`PRODUCTION_DATABASE_URL is not a PostgreSQL connection string: …`); nil when it
    /// reads as meant.
    ///
    /// Never quotes the string: a misread URI would show part of its password as a host or a
    /// port (`invalid integer value "w" for connection option "port"`).
    public var problem: String? {
        let text = rawValue.trimmingCharacters(in: .whitespacesAndNewlines)
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            let rest = text[schemeEnd.upperBound...]
            if !scheme.isEmpty,
                scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
            {
                if scheme != "postgres" && scheme != "postgresql" {
                    let authority = rest.prefix { $0 != "/" && $0 != "?" }
                    let host = authority.split(separator: "@").last.map(String.init) ?? ""
                    if scheme.hasPrefix("http"), host.lowercased().contains(".supabase.") {
                        return
                            "is not a PostgreSQL connection string: it is the Supabase project's API URL; use the database connection string from the project's settings (Connect, then Connection string)"
                    }
                    return
                        "is not a PostgreSQL connection string: it is a \(scheme):// URL; use a postgresql:// URL or key=value string (for Supabase, the database connection string from the project's settings)"
                }
                let unencoded =
                    "holds an unencoded '@' or '/' in its user name or password: percent-encode it (@ as %40, : as %3A, / as %2F)"
                // As libpq reads a URI: user info runs to the first '@' met before any '/' ('?',
                // spaces and quotes may be in a password); hosts and ports follow, up to '/' or
                // '?'. An '@' among them, or a port that is not a number (`u:p@ss:w/rd@h`:
                // host "ss", port "w"; `u:se/cret@h`: host "u", port "se"), means a password
                // was split.
                let userEnd = rest.firstIndex { $0 == "@" || $0 == "/" }
                let afterUser =
                    userEnd.map { rest[$0] == "@" ? rest[rest.index(after: $0)...] : rest } ?? rest
                let hosts = afterUser.prefix { $0 != "/" && $0 != "?" }
                if hosts.contains("@") { return unencoded }
                for host in hosts.split(separator: ",") where !host.hasPrefix("[") {
                    guard let colon = host.lastIndex(of: ":") else { continue }
                    let port = host[host.index(after: colon)...]
                    if !port.isEmpty && !port.allSatisfy(\.isNumber) { return unencoded }
                }
            }
        }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(rawValue, &error) else {
            // libpq's message quotes what it could not read, which may be part of a
            // password: none of it is repeated.
            if let error { PQfreemem(error) }
            return
                "cannot be read by libpq: check that every key has a value (key=value), that values with spaces are quoted (key='a b'), and that a URI's special characters are percent-encoded"
        }
        PQconninfoFree(options)
        return nil
    }

}
