import CLibPQ
import Foundation
import Logging

/// One open connection to a PostgreSQL server, through libpq.
///
/// A `Connection` owns its `PGconn` and closes it in `deinit`; no libpq pointer leaves this
/// module. It is used from one thread at a time (like `PGconn` itself); to run several
/// databases in parallel, open one connection per task. Only ``CancelHandle`` may be used
/// from another thread.
///
/// Every connection is set up the same way after it opens, so decoding is predictable:
/// `DateStyle=ISO`, `TimeZone=UTC`, `IntervalStyle=postgres`, and `application_name`
/// `tollgate` unless the connection string names one.
///
/// ```swift
/// let db = try Connection(ConnectionString("postgresql:///dev?host=/tmp"), label: "dev")
/// let n = try db.query("select count(*) from leads where user_id = \(id)").first!
///     .decode(at: 0, as: Int.self)
/// ```
public final class Connection {
    private let handle: OpaquePointer
    private let noticeSink: NoticeSink
    private let logger: Logger
    private var transactionDepth = 0
    /// Settings and writes that go to the server with the next statement, each with what reads
    /// its result, if anything does.
    private var pendingStatements: [(query: Query, reading: ((QueryResult) -> Void)?)] = []

    /// The label put on every error from this connection; Tollgate uses the environment name.
    public let label: String?

    /// Opens a connection.
    ///
    /// - Parameters:
    ///   - connectionString: a URI, a `key=value` conninfo, or `service=NAME`.
    ///   - label: a name for errors and logs (the environment name).
    ///   - connectTimeout: seconds libpq waits per host, unless the string sets
    ///     `connect_timeout` itself.
    ///   - logger: where statements are logged at `trace` level (never with their values).
    /// - Throws: `PostgresError` of kind `.connection`, with libpq's reason and no password.
    public init(
        _ connectionString: ConnectionString, label: String? = nil, connectTimeout: Int = 10,
        logger: Logger = Logger(label: "tollgate.postgres")
    ) throws {
        self.label = label
        self.logger = logger
        // A string libpq would misread never reaches it: its messages would quote fragments.
        if let problem = connectionString.problem {
            throw PostgresError(
                kind: .connection, message: "the connection string \(problem)", label: label)
        }
        // Keywords listed before `dbname` are defaults: with expand_dbname set, the settings
        // inside the user's string override them (libpq's PQconnectdbParams documentation).
        // But an explicit keyword also beats PG* variables and pg_service.conf, so the
        // application name goes in as `fallback_application_name` (which loses to every
        // other source), and the connect timeout only when neither PGCONNECT_TIMEOUT nor a
        // service could set it.
        let environment = ProcessInfo.processInfo.environment
        var keywords = ["fallback_application_name"]
        var values = ["tollgate"]
        let namesService =
            connectionString.rawValue.range(of: "service", options: .caseInsensitive) != nil
            || environment["PGSERVICE"] != nil
        if environment["PGCONNECT_TIMEOUT"] == nil && !namesService {
            keywords.append("connect_timeout")
            values.append(String(connectTimeout))
        }
        keywords.append("dbname")
        values.append(connectionString.rawValue)
        let connection: OpaquePointer? = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, message: "out of memory", label: label)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.cleanMessage(PQerrorMessage(connection))
            PQfinish(connection)
            // libpq names the host, port and user it tried, never the password; a string it
            // could misread was refused above. So no substring scrubbing, which would garble
            // the message for a short password or one equal to the user name.
            throw PostgresError(kind: .connection, message: Redaction.redact(message), label: label)
        }
        handle = connection
        RoundTrips.countConnection()
        noticeSink = NoticeSink()
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
                sink.notices.append(
                    Notice(
                        severity: field(result, CLibPQ_DIAG_SEVERITY_NONLOCALIZED) ?? "NOTICE",
                        sqlState: field(result, CLibPQ_DIAG_SQLSTATE) ?? "00000",
                        message: field(result, CLibPQ_DIAG_MESSAGE_PRIMARY) ?? "",
                        detail: field(result, CLibPQ_DIAG_MESSAGE_DETAIL),
                        hint: field(result, CLibPQ_DIAG_MESSAGE_HINT)))
            }, Unmanaged.passUnretained(noticeSink).toOpaque())
        try applyStandardSettings()
    }

    /// `DateStyle=ISO`, `TimeZone=UTC`, `IntervalStyle=postgres`: what decoding relies on.
    ///
    /// The server reports all three when the session starts and whenever they change, so a
    /// session that already has them (the defaults of most servers, Supabase's among them)
    /// costs no round trip.
    private func applyStandardSettings() throws {
        func reported(_ name: String) -> String? {
            PQparameterStatus(handle, name).map { String(cString: $0) }
        }
        if reported("DateStyle") == "ISO, MDY", reported("IntervalStyle") == "postgres",
            ["UTC", "Etc/UTC"].contains(reported("TimeZone"))
        {
            return
        }
        _ = try query(
            """
            select set_config('datestyle', 'ISO, MDY', false),
                   set_config('timezone', 'UTC', false),
                   set_config('intervalstyle', 'postgres', false)
            """)
    }

    /// `RESET ALL`, then the settings every connection starts with.
    ///
    /// What SQL run on the session set with `SET` or `set_config(…, false)` (a `search_path`
    /// of `''`) is undone.
    /// Settings from the connection string (`application_name`, `options`) are defaults, which
    /// `RESET` keeps.
    public func resetSession() throws {
        // RESET ALL leaves SET SESSION AUTHORIZATION in place.
        try execute(script: "set session authorization default; reset all")
        try applyStandardSettings()
    }

    /// Opens another connection to the same server and database as the same user, with the
    /// settings this one was opened with (libpq's `PQconninfo`, password included, which
    /// never leaves libpq's parameters): for work that runs beside this connection's.
    public func openAnother(label: String? = nil) throws -> Connection {
        guard let options = PQconninfo(handle) else {
            throw PostgresError(kind: .client, message: "out of memory", label: self.label)
        }
        defer { PQconninfoFree(options) }
        // The host and port this connection reached, not the list it was given: with several
        // hosts, another try could land on another server (a standby).
        let reached = endpoint
        var values: [String: String] = [:]
        var order: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val, value.pointee != 0 {
                values[String(cString: keyword)] = String(cString: value)
            }
            order.append(String(cString: keyword))
            option += 1
        }
        if let host = reached.host, let port = reached.port {
            values["host"] = host
            values["port"] = port
            values["hostaddr"] = PQhostaddr(handle).map { String(cString: $0) }.flatMap {
                $0.isEmpty ? nil : $0
            }
        }
        var parts: [String] = []
        for keyword in order {
            if let text = values[keyword] {
                let quoted = text.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "'", with: "\\'")
                parts.append("\(keyword)='\(quoted)'")
            }
        }
        return try Connection(
            ConnectionString(parts.joined(separator: " ")), label: label ?? self.label,
            logger: logger)
    }

    deinit {
        PQfinish(handle)
    }

    // MARK: - Facts about the session

    /// `server_version_num`, for example `150018` for 15.18.
    public var serverVersionNumber: Int { Int(PQserverVersion(handle)) }

    /// The backend process id, as `pg_backend_pid()` returns it.
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Where this connection really went, after `PG*` variables and service files: host
    /// (or socket folder), port, database and user.
    public var endpoint: Endpoint {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
            pointer.map { String(cString: $0) }
        }
        return Endpoint(
            host: text(PQhost(handle)), port: text(PQport(handle)), database: text(PQdb(handle)),
            user: text(PQuser(handle)))
    }

    /// True while the connection is usable.
    public var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Statements sent on this connection so far (queries and scripts), for tests and
    /// benchmarks that assert how many round trips an operation takes.
    public private(set) var statementCount = 0

    /// Exchanges with the server on this connection so far: a statement sent alone is one, and
    /// so is a whole ``pipeline(_:file:line:)``.
    public private(set) var roundTripCount = 0

    /// True while the session is inside a transaction block (`BEGIN` was sent, or queued by
    /// ``withTransaction(_:)`` to go with the next statement, and neither `COMMIT` nor
    /// `ROLLBACK` yet), whoever sent it: Tollgate or the SQL of a migration.
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return beginPending || status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// A `BEGIN` waits to go with the next statement (``withTransaction(_:)``): the session is
    /// in a transaction already, as far as what is sent next is concerned.
    private var beginPending = false

    /// Notices the server has sent on this connection, oldest first.
    public var notices: [Notice] { noticeSink.notices }

    /// Returns the notices received so far and forgets them.
    public func takeNotices() -> [Notice] {
        defer { noticeSink.notices.removeAll() }
        return noticeSink.notices
    }

    // MARK: - Statements

    /// Runs one statement with its interpolated values as `$n` parameters.
    ///
    /// - Parameters:
    ///   - query: the statement; see ``Query``.
    ///   - file: the call site, recorded in errors.
    ///   - line: the call site, recorded in errors.
    /// - Returns: the rows, copied out of libpq.
    /// - Throws: `PostgresError` of kind `.server` (with SQLSTATE) when the statement fails,
    ///   `.connectionLost` when the connection dropped.
    @discardableResult
    public func query(
        _ query: Query, file: String = #fileID, line: Int = #line
    ) throws
        -> QueryResult
    {
        if !pendingStatements.isEmpty {
            let results = try pipeline([query], file: file, line: line)
            return try results[0].get()
        }
        let sql = try query.sql(quotingIdentifiersWith: quoteIdentifier)
        logger.trace("query", metadata: ["sql": "\(sql)", "label": "\(label ?? "")"])
        statementCount += 1
        roundTripCount += 1
        RoundTrips.count(statements: 1)
        let result: OpaquePointer? = withOptionalCStrings(query.binds) { values in
            PQexecParams(handle, sql, Int32(query.binds.count), nil, values, nil, nil, 0)
        }
        return try consume(result, statement: sql, callSite: "\(file):\(line)")
    }

    /// Runs a script of one or more statements with no parameters (a migration file, the sandbox's
    /// seed).
    ///
    /// The statements run in one implicit transaction unless the script manages its own.
    ///
    /// - Parameter sql: trusted SQL text owned by the program or the project.
    /// - Throws: `PostgresError` for the first failing statement.
    public func execute(script sql: String, file: String = #fileID, line: Int = #line) throws {
        // A script is sent as a simple query, which no pipeline can carry.
        if !pendingStatements.isEmpty { _ = try pipeline([], file: file, line: line) }
        logger.trace("script", metadata: ["bytes": "\(sql.utf8.count)"])
        statementCount += 1
        roundTripCount += 1
        RoundTrips.count(statements: 1)
        _ = try consume(PQexec(handle, sql), statement: sql, callSite: "\(file):\(line)")
    }

    /// Runs statements in libpq's pipeline mode: all of them are sent before any result is read,
    /// so over a network they cost one round trip instead of one each.
    ///
    /// Each statement is followed by a sync point, so each runs as it would if sent alone: one
    /// that fails fails by itself, and the ones after it still run (inside a transaction
    /// block, they find it aborted until a `ROLLBACK`, exactly as they would one by one). The
    /// results come back in order, one per statement.
    ///
    /// ```swift
    /// let results = try db.pipeline(["begin", "select 1 as n", "rollback"])
    /// let n: Int = try results[1].get().first!.decode("n")
    /// ```
    ///
    /// - Throws: `PostgresError` of kind `.connectionLost` or `.client` when the exchange
    ///   itself fails; a statement's own error is its result, never thrown.
    public func pipeline(
        _ queries: [Query], file: String = #fileID, line: Int = #line
    ) throws -> [Result<QueryResult, PostgresError>] {
        try pipeline(queries, file: file, line: line) { results in
            try queries.map { _ in try results.next() }
        }
    }

    /// Runs statements in one pipeline like ``pipeline(_:file:line:)``, handing each result to
    /// `body` as it arrives: a large result is decoded and let go before the next is read.
    ///
    /// Results `body` does not read are read and dropped after it returns or throws, so the
    /// connection is ready for the next statement either way.
    public func pipeline<T>(
        _ queries: [Query], file: String = #fileID, line: Int = #line,
        reading body: (PipelineResults) throws -> T
    ) throws -> T {
        let settings = pendingStatements
        pendingStatements = []
        beginPending = false
        let queries = settings.map(\.query) + queries
        let statements = try queries.map { try $0.sql(quotingIdentifiersWith: quoteIdentifier) }
        let results = PipelineResults(
            connection: self, statements: statements, file: file, line: line)
        guard !queries.isEmpty else { return try body(results) }
        let callSite = "\(file):\(line)"
        logger.trace("pipeline", metadata: ["statements": "\(queries.count)"])
        statementCount += queries.count
        roundTripCount += 1
        RoundTrips.count(statements: queries.count)
        guard PQenterPipelineMode(handle) == 1 else {
            throw connectionError(statement: statements[0], callSite: callSite)
        }
        // Blocking mode is safe with a long pipeline: while libpq waits to send, it reads what
        // the server sends back into its buffer, so neither side waits on the other.
        defer { PQexitPipelineMode(handle) }
        // Whatever happens from here, the results of what was sent are read before the pipeline
        // ends, so the connection is left ready for the next statement.
        defer { results.drain() }
        for (query, sql) in zip(queries, statements) {
            let sent = withOptionalCStrings(query.binds) { values in
                PQsendQueryParams(handle, sql, Int32(query.binds.count), nil, values, nil, nil, 0)
            }
            guard sent == 1, PQpipelineSync(handle) == 1 else {
                throw connectionError(statement: sql, callSite: callSite)
            }
        }
        for setting in settings {
            let result = try results.next().get()
            setting.reading?(result)
        }
        return try body(results)
    }

    /// The next result of a pipeline: the statement's, then its sync point.
    fileprivate func nextPipelineResult(
        statement sql: String, callSite: String
    ) throws -> Result<QueryResult, PostgresError> {
        guard let result = PQgetResult(handle) else {
            throw connectionError(statement: sql, callSite: callSite)
        }
        let outcome: Result<QueryResult, PostgresError>
        do {
            outcome = .success(try consume(result, statement: sql, callSite: callSite))
        } catch let error as PostgresError where error.kind == .server {
            outcome = .failure(error)
        }
        // The statement's end (a null), then its sync point.
        var synced = false
        while let next = PQgetResult(handle) {
            synced = PQresultStatus(next) == PGRES_PIPELINE_SYNC
            PQclear(next)
            if synced { break }
        }
        if !synced {
            guard let sync = PQgetResult(handle) else {
                throw connectionError(statement: sql, callSite: callSite)
            }
            defer { PQclear(sync) }
            guard PQresultStatus(sync) == PGRES_PIPELINE_SYNC else {
                throw connectionError(statement: sql, callSite: callSite)
            }
        }
        return outcome
    }

    /// Quotes an identifier with `PQescapeIdentifier`: the one place identifiers are quoted.
    ///
    /// - Throws: `PostgresError` of kind `.client` when libpq rejects the text (for example
    ///   invalid encoding).
    public func quoteIdentifier(_ name: String) throws -> String {
        guard let escaped = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(
                kind: .client, message: Self.cleanMessage(PQerrorMessage(handle)), label: label)
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    private func consume(
        _ result: OpaquePointer?, statement: String, callSite: String
    ) throws
        -> QueryResult
    {
        guard let result else {
            throw connectionError(statement: statement, callSite: callSite)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            let columnCount = Int(PQnfields(result))
            var columns: [String] = []
            var index: [String: Int] = [:]
            for column in 0..<columnCount {
                let name = String(cString: PQfname(result, Int32(column)))
                columns.append(name)
                if index[name] == nil { index[name] = column }
            }
            let rowCount = Int(PQntuples(result))
            var rows: [Row] = []
            rows.reserveCapacity(rowCount)
            for row in 0..<rowCount {
                var values: [String?] = []
                values.reserveCapacity(columnCount)
                for column in 0..<columnCount {
                    if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                        values.append(nil)
                    } else {
                        let bytes = UnsafeRawPointer(
                            PQgetvalue(result, Int32(row), Int32(column))!
                        ).assumingMemoryBound(to: UInt8.self)
                        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                        values.append(
                            String(
                                decoding: UnsafeBufferPointer(start: bytes, count: length),
                                as: UTF8.self))
                    }
                }
                rows.append(Row(columns: columns, columnIndex: index, values: values))
            }
            let affected = String(cString: PQcmdTuples(result))
            return QueryResult(columns: columns, rows: rows, affectedRows: Int(affected))
        default:
            guard let sqlState = field(result, CLibPQ_DIAG_SQLSTATE) else {
                throw connectionError(statement: statement, callSite: callSite)
            }
            var error = PostgresError(
                kind: isOpen ? .server : .connectionLost,
                message: field(result, CLibPQ_DIAG_MESSAGE_PRIMARY)
                    ?? Self.cleanMessage(PQresultErrorMessage(result)),
                sqlState: sqlState,
                detail: field(result, CLibPQ_DIAG_MESSAGE_DETAIL),
                hint: field(result, CLibPQ_DIAG_MESSAGE_HINT),
                position: field(result, CLibPQ_DIAG_STATEMENT_POSITION).flatMap { Int($0) },
                severity: field(result, CLibPQ_DIAG_SEVERITY_NONLOCALIZED),
                label: label, statement: statement, callSite: callSite)
            error.role = PQuser(handle).map { String(cString: $0) }
            error.context = field(result, CLibPQ_DIAG_CONTEXT)
            throw error
        }
    }

    private func connectionError(statement: String, callSite: String) -> PostgresError {
        PostgresError(
            kind: isOpen ? .client : .connectionLost,
            message: Redaction.redact(Self.cleanMessage(PQerrorMessage(handle))),
            label: label, statement: statement, callSite: callSite)
    }

    /// libpq messages end in a newline and sometimes repeat `ERROR:  `; keep the text.
    static func cleanMessage(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "unknown libpq error" }
        var text = String(cString: pointer).trimmingCharacters(in: .whitespacesAndNewlines)
        for prefix in ["ERROR:  ", "FATAL:  "] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
        }
        // Multi-line libpq messages (one line per host tried) read better joined, and the
        // server's "FATAL:  " inside them with one space.
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "; ").replacingOccurrences(of: ":  ", with: ": ")
    }

    // MARK: - Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// Nested calls use savepoints, so an inner failure rolls back only the inner work. The
    /// `BEGIN` (or `SAVEPOINT`) goes with the body's first statement, in its round trip
    /// (``sendWithNextStatement(_:)``): over a network, a transaction costs one round trip
    /// less. A script (``execute(script:)``) cannot carry it: it then goes just before, alone.
    /// Since `now()` is the time the `BEGIN` runs, it reads a round trip later than it did
    /// when the `BEGIN` went alone.
    /// - Throws: whatever `body` throws (after rolling back), or the `COMMIT` failure.
    public func withTransaction<T>(_ body: (Connection) throws -> T) throws -> T {
        let savepoint = "tollgate_sp_\(transactionDepth)"
        beginPending = beginPending || transactionDepth == 0
        sendWithNextStatement(
            transactionDepth == 0 ? "begin" : "savepoint \(identifier: savepoint)")
        transactionDepth += 1
        let value: T
        do {
            value = try body(self)
        } catch {
            transactionDepth -= 1
            _ = try? query(
                transactionDepth == 0
                    ? "rollback" : "rollback to savepoint \(identifier: savepoint)"
            )
            throw error
        }
        transactionDepth -= 1
        guard transactionDepth > 0 else {
            // A write sent with the COMMIT that failed leaves the transaction rolled back.
            try query("commit")
            return value
        }
        do {
            try query("release savepoint \(identifier: savepoint)")
        } catch {
            // A write sent with the release that failed: the inner work is undone and the
            // outer transaction goes on, as when the body throws.
            _ = try? query("rollback to savepoint \(identifier: savepoint)")
            throw error
        }
        return value
    }

    /// Runs `body` in a transaction that is always rolled back, even when it succeeds.
    ///
    /// Checks and probes run here so that they can never change data. The `BEGIN` goes with
    /// the body's first statement, as in ``withTransaction(_:)``.
    public func withRolledBackTransaction<T>(_ body: (Connection) throws -> T) throws -> T {
        let savepoint = "tollgate_probe_\(transactionDepth)"
        beginPending = beginPending || transactionDepth == 0
        sendWithNextStatement(
            transactionDepth == 0 ? "begin" : "savepoint \(identifier: savepoint)")
        transactionDepth += 1
        defer {
            transactionDepth -= 1
            _ = try? query(
                transactionDepth == 0
                    ? "rollback" : "rollback to savepoint \(identifier: savepoint)"
            )
        }
        return try body(self)
    }

    // MARK: - Session settings

    /// Sets `statement_timeout` for the rest of the session (`nil` or zero: no limit).
    public func setStatementTimeout(_ timeout: Duration?) throws {
        try setSetting("statement_timeout", milliseconds(timeout))
    }

    /// Sets `lock_timeout` for the rest of the session (`nil` or zero: no limit).
    public func setLockTimeout(_ timeout: Duration?) throws {
        try setSetting("lock_timeout", milliseconds(timeout))
    }

    /// Sets a run-time parameter for the session in the same round trip as the next statement,
    /// just before it, instead of in a round trip of its own.
    ///
    /// For the start of a session: a setting sent inside a transaction that then rolls back
    /// would be undone with it. An invalid value makes the next call throw its error, though
    /// the statement itself has run.
    public func setSettingWithNextStatement(_ name: String, _ value: String) {
        pendingStatements.append(("select set_config(\(name), \(value), false)", nil))
    }

    /// Sends a statement whose result nobody reads (an insert) with the next statement, in the
    /// same round trip and just before it.
    ///
    /// Inside a transaction, the writes that must commit with it then go with its `COMMIT`:
    /// over a network, the locks the transaction holds are released a round trip after the
    /// last statement that needed an answer, not one round trip per write later. When a write
    /// fails, the next call throws its error, though the statement itself has run: a `COMMIT`
    /// after a failed write ends the transaction rolled back.
    public func sendWithNextStatement(_ query: Query) {
        pendingStatements.append((query, nil))
    }

    /// Sends a statement with the next statement, as ``sendWithNextStatement(_:)`` does, and
    /// hands its result to `reading` when that statement runs, before the statement's own
    /// result is read (a `COMMIT` that then fails has still run it, and rolled it back).
    public func sendWithNextStatement(
        _ query: Query, reading: @escaping (QueryResult) -> Void
    ) {
        pendingStatements.append((query, reading))
    }

    /// Runs a write whose result nobody reads: now, or with the next statement
    /// (``sendWithNextStatement(_:)``).
    public func write(_ query: Query, withNextStatement: Bool) throws {
        if withNextStatement { sendWithNextStatement(query) } else { try self.query(query) }
    }

    /// Sets `statement_timeout` like ``setStatementTimeout(_:)``, with the next statement
    /// (``setSettingWithNextStatement(_:_:)``).
    public func setStatementTimeoutWithNextStatement(_ timeout: Duration?) {
        setSettingWithNextStatement("statement_timeout", milliseconds(timeout))
    }

    /// Sets a run-time parameter with `set_config`, so the value is a `$n` parameter.
    /// - Parameters:
    ///   - name: the setting, for example `statement_timeout`.
    ///   - value: its new value in text form.
    ///   - local: `true` for the current transaction only (`SET LOCAL`).
    public func setSetting(_ name: String, _ value: String, local: Bool = false) throws {
        try query("select set_config(\(name), \(value), \(local))")
    }

    private func milliseconds(_ duration: Duration?) -> String {
        guard let duration else { return "0" }
        let (seconds, attoseconds) = duration.components
        return String(max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    // MARK: - Cancellation

    /// A handle that cancels whatever statement this connection is running, from any
    /// thread.
    /// - Throws: `PostgresError` of kind `.client` when libpq cannot make one.
    public func makeCancelHandle() throws -> CancelHandle {
        guard let cancel = PQgetCancel(handle) else {
            throw PostgresError(
                kind: .client, message: "cannot create a cancel handle", label: label)
        }
        return CancelHandle(cancel)
    }
}

/// The results of a pipeline, read one by one in the order the statements were sent.
public final class PipelineResults {
    private let connection: Connection
    private let statements: [String]
    private let callSite: String
    private var read = 0
    private var broken = false

    fileprivate init(connection: Connection, statements: [String], file: String, line: Int) {
        self.connection = connection
        self.statements = statements
        self.callSite = "\(file):\(line)"
    }

    /// The next statement's result: its rows, or its error.
    /// - Throws: `PostgresError` when the exchange itself fails, or when every result was read.
    public func next() throws -> Result<QueryResult, PostgresError> {
        guard read < statements.count, !broken else {
            throw PostgresError(
                kind: .client, message: "no more results in this pipeline",
                label: connection.label)
        }
        do {
            let result = try connection.nextPipelineResult(
                statement: statements[read], callSite: callSite)
            read += 1
            return result
        } catch {
            broken = true
            throw error
        }
    }

    /// Reads and drops what is left, so that the pipeline can end.
    fileprivate func drain() {
        while read < statements.count, !broken { _ = try? next() }
    }
}

/// Sends a cancel request for a connection's running statement; safe from any thread.
///
/// The cancelled statement fails with SQLSTATE `57014` (`canceling statement due to user
/// request`). Cancelling when nothing runs does nothing.
public final class CancelHandle: @unchecked Sendable {
    // PQcancel is documented as thread-safe; the handle is immutable after creation.
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQfreeCancel(handle) }

    /// Asks the server to cancel the running statement.
    /// - Throws: `PostgresError` of kind `.client` when the request could not be sent.
    public func cancel() throws {
        var buffer = [CChar](repeating: 0, count: 256)
        if PQcancel(handle, &buffer, Int32(buffer.count)) == 0 {
            throw PostgresError(
                kind: .client,
                message: "cancel request failed: "
                    + String(
                        decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                        as: UTF8.self))
        }
    }
}

private final class NoticeSink {
    var notices: [Notice] = []
}

private func field(_ result: OpaquePointer, _ code: Int32) -> String? {
    guard let value = PQresultErrorField(result, code) else { return nil }
    return String(cString: value)
}

private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withOptionalCStrings(strings) { pointers in
        body(pointers + [nil])
    }
}

private func withOptionalCStrings<R>(
    _ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R
) -> R {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
