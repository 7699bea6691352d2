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

extension Environment {
    /// Opens a connection to this environment's database, labelled with its name.
    /// - Throws: ``ConnectionError`` (exit 3) when it cannot be reached or refuses the login.
    public func connect(timeout: Int = 10) throws -> Connection {
        do {
            return try Connection(connection, label: name, connectTimeout: timeout)
        } catch let error as PostgresError where error.kind == .connection {
            throw ConnectionError(environment: name, underlying: error)
        }
    }
}
