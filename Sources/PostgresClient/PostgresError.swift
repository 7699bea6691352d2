/// An error from PostgreSQL or from libpq, with everything an operator needs to act on it.
///
/// Server errors carry the fields PostgreSQL sends (SQLSTATE, message, detail, hint,
/// position); every error carries the label of the connection it came from (Tollgate uses
/// the environment name) and the call site that ran the statement. The description never
/// contains a password: messages that libpq builds from a conninfo string are scrubbed with
/// ``Redaction`` before they are stored.
///
/// ```
/// environment 'dev': ERROR 42P01: relation "organizations" does not exist
/// ```
public struct PostgresError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, at the level a caller branches on.
    public enum Kind: String, Sendable, Equatable {
        /// The connection could not be opened (unreachable host, bad credentials, bad conninfo).
        case connection
        /// The connection was lost while a statement ran.
        case connectionLost
        /// The server reported an error for a statement.
        case server
        /// A value in a result could not be decoded to the requested Swift type.
        case decoding
        /// A client-side misuse or failure (for example, a lock wait that timed out).
        case client
    }

    /// What went wrong.
    public var kind: Kind
    /// The five-character SQLSTATE code, for server errors (`42P01`, `57014`, ...).
    public var sqlState: String?
    /// The primary message: the server's, or libpq's with the redundant prefix removed.
    public var message: String
    /// The server's optional detail line.
    public var detail: String?
    /// The server's optional hint.
    public var hint: String?
    /// The 1-based character offset into the statement where the error was detected.
    public var position: Int?
    /// The non-localized severity (`ERROR`, `FATAL`, `PANIC`).
    public var severity: String?
    /// The label of the connection, for Tollgate the environment name.
    public var label: String?
    /// The statement text (never its parameter values), when a statement failed.
    public var statement: String?
    /// Where in Swift the statement was issued, as `file:line`.
    public var callSite: String?
    /// The role the session logged in as, for server errors: a privilege error's `GRANT`
    /// names it.
    public var role: String?
    /// Where in the server the error arose (`PL/pgSQL function … line 4 at RAISE`): nil for
    /// an error the statement itself caused, set when a function or trigger raised it.
    public var context: String?

    /// Creates an error; ``Connection`` fills these in from libpq.
    public init(
        kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil,
        hint: String? = nil, position: Int? = nil, severity: String? = nil,
        label: String? = nil, statement: String? = nil, callSite: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.severity = severity
        self.label = label
        self.statement = statement
        self.callSite = callSite
    }

    /// The one-line form: label, severity, SQLSTATE and message.
    public var summary: String {
        var parts: [String] = []
        if let label { parts.append("environment '\(label)':") }
        if let sqlState {
            parts.append("\(severity ?? "ERROR") \(sqlState):")
        }
        parts.append(message)
        return parts.joined(separator: " ")
    }

    /// The summary, then detail and hint on their own lines when the server sent them.
    public var description: String {
        var text = summary
        if let detail { text += "\n  detail: \(detail)" }
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }

    /// True when the server cancelled the statement (SQLSTATE 57014: a statement timeout or
    /// a cancel request).
    public var isQueryCanceled: Bool { sqlState == "57014" }
    /// True when the role lacks a privilege (SQLSTATE 42501: `permission denied for …`).
    public var isInsufficientPrivilege: Bool { sqlState == "42501" }
    /// True when a lock could not be taken within `lock_timeout` (SQLSTATE 55P03).
    public var isLockNotAvailable: Bool { sqlState == "55P03" }
}
