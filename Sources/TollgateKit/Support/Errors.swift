import PostgresClient

/// A database could not be reached, or refused to authenticate.
public struct ConnectionError: TollgateError {
    /// The environment whose database it was.
    public let environment: String
    /// libpq's reason, already free of passwords.
    public let underlying: PostgresError

    public init(environment: String, underlying: PostgresError) {
        self.environment = environment
        self.underlying = underlying
    }

    public var exitStatus: ExitStatus { .unreachable }
    public var description: String {
        "cannot connect to environment '\(environment)': \(underlying.message)"
    }
}

extension PostgresError: TollgateError {
    public var exitStatus: ExitStatus {
        switch kind {
        case .connection, .connectionLost: return .unreachable
        case .server, .decoding, .client: return .stepFailed
        }
    }
}
