/// A message the server sent alongside a result: `NOTICE`, `WARNING`, `INFO`, `DEBUG`.
///
/// PostgreSQL sends these for things an operator may want to see, for example
/// `relation "organizations" already exists, skipping` from `CREATE TABLE IF NOT EXISTS`.
public struct Notice: Sendable, Equatable, CustomStringConvertible {
    /// The non-localized severity, such as `NOTICE` or `WARNING`.
    public let severity: String
    /// The SQLSTATE code (`00000` for plain notices, `01xxx` for warnings).
    public let sqlState: String
    /// The primary message.
    public let message: String
    /// The optional detail line.
    public let detail: String?
    /// The optional hint.
    public let hint: String?

    public var description: String { "\(severity): \(message)" }
}
