/// The process exit codes, a contract documented in the README.
public enum ExitStatus: Int32, Sendable, Codable {
    /// Success; every check passed.
    case success = 0
    /// A gate or check failed: the deployment is blocked.
    case blocked = 1
    /// Bad configuration or arguments.
    case badConfiguration = 2
    /// A database could not be reached or refused the credentials.
    case unreachable = 3
    /// A step failed while running.
    case stepFailed = 4
}

/// An error Tollgate reports to a person: a one-line-first description and an exit status.
public protocol TollgateError: Error, CustomStringConvertible {
    /// The exit status the process ends with when this error ends a command.
    var exitStatus: ExitStatus { get }
    /// What the user reads; the description unless the error explains itself better (a
    /// privilege error with its `GRANT`).
    var userMessage: String { get }
}

extension TollgateError {
    public var userMessage: String { description }
}
