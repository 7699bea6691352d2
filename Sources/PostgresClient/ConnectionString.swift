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
    /// The string as libpq receives it. Never print this; print ``description``.
    public let rawValue: String

    /// Wraps a conninfo string or URI.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The string with its password replaced by `***`.
    public var description: String { Redaction.redact(rawValue) }
    /// Same as ``description``: a debugger or `dump` must not reveal the password either.
    public var debugDescription: String { "ConnectionString(\(description))" }

    /// Passwords this string carries, plus `PGPASSWORD`; used to scrub libpq messages.
    var secrets: [String] {
        var secrets = Redaction.passwords(in: rawValue)
        if let fromEnvironment = ProcessInfo.processInfo.environment["PGPASSWORD"],
            !fromEnvironment.isEmpty
        {
            secrets.append(fromEnvironment)
        }
        return secrets
    }
}
