import Foundation
import PostgresClient
import Testing
import TollgateKit

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct PostgresClientIntegrationTests {
    @Test func connectsWithURIKeyValueAndServiceName() throws {
        let db = try PostgresTestServer.connect()
        let facts = try db.query(
            "select current_setting('unix_socket_directories') as dir, current_setting('port') as port"
        ).first!
        let dir: String = try facts.decode("dir")
        let port: String = try facts.decode("port")
        let encodedDir = dir.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let uri = try Connection(
            ConnectionString("postgresql://postgres@/postgres?host=\(encodedDir)&port=\(port)"))
        #expect(
            try uri.query("select current_user as u").first!.decode("u", as: String.self)
                == "postgres")
        #expect(uri.serverVersionNumber >= 150_000)

        let serviceFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pg_service_\(UUID().uuidString).conf")
        try
            "[tollgate_test]\nhost=\(dir)\nport=\(port)\nuser=postgres\ndbname=postgres\napplication_name=from_service\n"
            .write(to: serviceFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: serviceFile) }
        setenv("PGSERVICEFILE", serviceFile.path, 1)
        defer { unsetenv("PGSERVICEFILE") }
        let service = try Connection(ConnectionString("service=tollgate_test"))
        #expect(
            try service.query("select current_setting('application_name') as a").first!.decode(
                "a", as: String.self) == "from_service")
        // The default application name applies when the string names none.
        #expect(
            try db.query("select current_setting('application_name') as a").first!.decode(
                "a", as: String.self) == "tollgate")
    }

    @Test func parametersAndTypedDecodingRoundTrip() throws {
        let db = try PostgresTestServer.connect()
        let id = UUID()
        let when = try Date(postgresText: "2025-01-10 09:30:00.123456+00")
        let meta = JSONValue.object([
            "org_id": .string(id.uuidString.lowercased()), "providers": .array([.string("email")]),
        ])
        let tags = ["a", "b c", "d,e", "f\"g", "h\\i", "NULL", ""]
        let none: String? = nil
        let row = try db.query(
            """
            select \("it's; drop table x --")::text as t, \(42)::int as i, \(Int64.max)::bigint as b,
                   \(true)::bool as yes, \(id)::uuid as id, \(when)::timestamptz as at,
                   \(meta)::jsonb as meta, \(tags)::text[] as tags, \(none)::text as nothing,
                   array['x', null]::text[] as holes, '{}'::text[] as empty
            """
        ).first!
        #expect(try row.decode("t", as: String.self) == "it's; drop table x --")
        #expect(try row.decode("i", as: Int.self) == 42)
        #expect(try row.decode("b", as: Int64.self) == Int64.max)
        #expect(try row.decode("yes", as: Bool.self))
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("at", as: Date.self) == when)
        #expect(try row.decode("meta", as: JSONValue.self) == meta)
        #expect(try row.decode("tags", as: [String].self) == tags)
        #expect(try row.decodeIfPresent("nothing", as: String.self) == nil)
        #expect(try row.decode("empty", as: [String].self) == [])
        #expect(throws: PostgresError.self) { try row.decode("nothing", as: String.self) }
        #expect(throws: PostgresError.self) { try row.decode("holes", as: [String].self) }
        #expect(throws: PostgresError.self) { try row.decode("t", as: Int.self) }
    }

    @Test func identifiersAreQuotedByOneHelper() throws {
        try withTestDatabase { db, _ in
            let table = "Odd \"name\"; drop"
            try db.query("create table \(identifier: table) (n int)")
            try db.query("insert into \(identifier: "public", table) values (\(7))")
            #expect(
                try db.query("select n from \(identifier: table)").first!.decode("n", as: Int.self)
                    == 7)
            #expect(try db.quoteIdentifier(table) == "\"Odd \"\"name\"\"; drop\"")
        }
    }

    @Test func transactionsRollBackOnAnyThrownError() throws {
        struct Boom: Error {}
        try withTestDatabase { db, _ in
            try db.query("create table t (n int primary key)")
            #expect(throws: Boom.self) {
                try db.withTransaction { db in
                    try db.query("insert into t values (1)")
                    throw Boom()
                }
            }
            #expect(throws: PostgresError.self) {
                try db.withTransaction { db in
                    try db.query("insert into t values (2)")
                    try db.query("insert into t values (2)")
                }
            }
            try db.withTransaction { db in
                try db.query("insert into t values (3)")
                // A failing inner transaction rolls back to its savepoint only.
                _ = try? db.withTransaction { db in
                    try db.query("insert into t values (4)")
                    throw Boom()
                }
            }
            let probe = try db.withRolledBackTransaction { db in
                try db.query("insert into t values (5)")
                return try db.query("select count(*) as n from t").first!.decode("n", as: Int.self)
            }
            #expect(probe == 2)
            let rows = try db.query(
                "select coalesce(array_agg(n::text order by n), '{}') as ns from t"
            ).first!
            #expect(try rows.decode("ns", as: [String].self) == ["3"])
        }
    }

    /// Decoding relies on ISO dates, UTC and the postgres interval style: a session that
    /// starts with them costs no statement, and one that does not is set to them.
    @Test func sessionsStartWithTheSettingsDecodingReliesOn() throws {
        let settings =
            "select current_setting('datestyle') as d, current_setting('intervalstyle') as i, now()::text ~ '\\+00$' as utc"
        let standard = try PostgresTestServer.connect()
        #expect(standard.statementCount == 0)
        let other = try Connection(
            ConnectionString(
                try PostgresTestServer.connectionString().rawValue
                    + " options='-c TimeZone=America/New_York -c DateStyle=SQL,DMY -c IntervalStyle=iso_8601'"
            ))
        #expect(other.statementCount == 1)
        for db in [standard, other] {
            let row = try db.query(Query(unsafeSQL: settings)).first!
            #expect(row.values == ["ISO, MDY", "postgres", "t"])
        }
        try other.resetSession()
        #expect(
            try other.query(Query(unsafeSQL: settings)).first!.values == [
                "ISO, MDY", "postgres", "t",
            ])
    }

    /// Another connection like this one: same server, database, user and settings, its own
    /// session.
    @Test func anotherConnectionGoesWhereThisOneWent() throws {
        let db = try PostgresTestServer.connect(label: "dev")
        let other = try db.openAnother()
        let facts =
            "select current_database() as d, current_user as u, current_setting('application_name') as a"
        #expect(
            try other.query(Query(unsafeSQL: facts)).first!.values
                == db.query(Query(unsafeSQL: facts)).first!.values)
        #expect(other.backendPID != db.backendPID && other.label == "dev")

        // Over TCP with a password full of what quoting must survive; the password is in
        // libpq's parameters, never in what is printed.
        let role = "tollgate_sibling_\(UUID().uuidString.prefix(8).lowercased())"
        let password = #"p\a'q s@:/w%"#
        try db.query(
            Query(
                unsafeSQL:
                    "create role \(role) login password '\(password.replacingOccurrences(of: "'", with: "''"))'"
            ))
        defer { _ = try? db.query("drop role \(identifier: role)") }
        let escaped = password.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "'", with: "\\'")
        let remote = try Connection(
            ConnectionString(
                "host=127.0.0.1 port=\(try PostgresTestServer.port()) dbname=postgres user=\(role) password='\(escaped)'"
            ))
        let sibling = try remote.openAnother()
        #expect(
            try sibling.query("select current_user as u").first!.decode("u", as: String.self)
                == role)
        #expect(sibling.endpoint.host == "127.0.0.1")
    }

    /// A setting sent with the next statement costs no round trip of its own.
    @Test func aSettingGoesWithTheNextStatement() throws {
        let db = try PostgresTestServer.connect()
        let trips = db.roundTripCount
        db.setStatementTimeoutWithNextStatement(.seconds(7))
        #expect(db.roundTripCount == trips)
        let shown = try db.query("select current_setting('statement_timeout') as t").first!
        #expect(try shown.decode("t", as: String.self) == "7s")
        #expect(db.roundTripCount == trips + 1)
        db.setSettingWithNextStatement("statement_timeout", "not a duration")
        #expect(throws: PostgresError.self) { try db.query("select 1") }
        // Only once: the statement after works, with the setting before it.
        #expect(
            try db.query("select current_setting('statement_timeout') as t").first!.values == ["7s"]
        )
    }

    /// Writes sent with a transaction's COMMIT cost no round trip of their own and commit with
    /// it; one that fails makes the COMMIT throw its error, and nothing of the transaction
    /// stays, neither what ran before nor the other writes.
    @Test func writesGoWithTheCommitAndFailWithIt() throws {
        try withTestDatabase { db, _ in
            try db.query("create table t (n int primary key)")
            try db.withTransaction { db in
                try db.query("insert into t values (\(1))")
                let trips = db.roundTripCount
                db.sendWithNextStatement("insert into t values (\(2))")
                db.sendWithNextStatement("insert into t values (\(3))")
                #expect(db.roundTripCount == trips)
            }
            #expect(try db.query("select count(*) as n from t").first!.values == ["3"])
            var thrown: PostgresError?
            do {
                try db.withTransaction { db in
                    try db.query("insert into t values (\(4))")
                    db.sendWithNextStatement("insert into t values (\(1))")  // a duplicate
                    db.sendWithNextStatement("insert into t values (\(5))")
                }
            } catch let error as PostgresError { thrown = error }
            #expect(thrown?.sqlState == "23505")
            #expect(!db.isInTransaction)
            #expect(try db.query("select count(*) as n from t").first!.values == ["3"])
        }
    }

    /// A transaction's BEGIN goes with its first statement.
    ///
    /// Two statements and the COMMIT are three round trips. Before the BEGIN is sent the
    /// session already counts as inside the transaction, so a rolled-back group run first takes a savepoint and leaves the
    /// transaction's work alone.
    @Test func aTransactionBeginsWithItsFirstStatement() throws {
        try withTestDatabase { db, _ in
            try db.query("create table t (n int primary key)")
            let trips = db.roundTripCount
            try db.withTransaction { db in
                #expect(db.isInTransaction)
                try db.query("insert into t values (\(1))")
                #expect(try db.query("select count(*) as n from t").first!.values == ["1"])
            }
            #expect(db.roundTripCount == trips + 3)
            #expect(!db.isInTransaction)
            try db.withTransaction { db in
                // A snapshot is such a group: read, rolled back, the transaction still open.
                _ = try CatalogSnapshot.load(from: db)
                #expect(db.isInTransaction)
                try db.query("insert into t values (\(2))")
            }
            #expect(try db.query("select count(*) as n from t").first!.values == ["2"])
            // And the work after it rolls back with the transaction, not alone.
            struct Undo: Error {}
            #expect(throws: Undo.self) {
                try db.withTransaction { db in
                    _ = try CatalogSnapshot.load(from: db)
                    try db.query("insert into t values (\(3))")
                    throw Undo()
                }
            }
            #expect(try db.query("select count(*) as n from t").first!.values == ["2"])
            // Nothing sent in the body: the BEGIN goes with the COMMIT, and nothing is left open.
            try db.withTransaction { _ in }
            #expect(!db.isInTransaction)
        }
    }

    /// A pipeline is one round trip whose statements end as they would one by one.
    @Test func aPipelineRunsEachStatementAsItWouldAlone() throws {
        try withTestDatabase { db, _ in
            try db.query("create table t (n int primary key)")
            let statements: [Query] = [
                "begin", "insert into t values (\(1))", "insert into t values (1)",
                "select count(*) as n from t", "rollback", "insert into t values (\(2))",
                "select n, \("a'b") as text from t order by n", "select 1 / \(0) as boom",
                "select 'after an error' as still",
            ]
            let trips = db.roundTripCount
            let together = try db.pipeline(statements)
            #expect(db.roundTripCount == trips + 1)
            try db.query("truncate t")
            var alone: [Result<QueryResult, PostgresError>] = []
            for statement in statements {
                do { alone.append(.success(try db.query(statement))) } catch let error
                    as PostgresError
                { alone.append(.failure(error)) }
            }
            func outcome(_ result: Result<QueryResult, PostgresError>) -> String {
                switch result {
                case .success(let rows):
                    "\(rows.columns) \(rows.rows.map(\.values)) \(rows.affectedRows ?? -1)"
                case .failure(let error): "\(error.sqlState ?? "?") \(error.message)"
                }
            }
            #expect(together.map(outcome) == alone.map(outcome))
            #expect(together.map(outcome)[2].hasPrefix("23505"))
            // After the unique violation the transaction is aborted, as it would be alone.
            #expect(together.map(outcome)[3].hasPrefix("25P02"))
            #expect(together.map(outcome)[8] == "[\"still\"] [[Optional(\"after an error\")]] 1")
            #expect(!db.isInTransaction)
            if case .failure(let error) = together[7] {
                #expect(error.statement == "select 1 / $1 as boom" && error.sqlState == "22012")
            } else {
                Issue.record("the division by zero did not fail")
            }
        }
    }

    /// Results handed over one by one; whatever the reader leaves, or throws on, is drained,
    /// and the connection goes on.
    @Test func aPipelineCanBeReadOneResultAtATime() throws {
        struct Stop: Error {}
        let db = try PostgresTestServer.connect()
        let first = try db.pipeline(["select 1 as n", "select 2 as n", "select 3 as n"]) {
            results in try results.next().get().first!.decode("n", as: Int.self)
        }
        #expect(first == 1)
        #expect(throws: Stop.self) {
            try db.pipeline(["select 4 as n", "select pg_sleep(0.05)", "select 6 as n"]) { _ in
                throw Stop()
            }
        }
        #expect(try db.query("select 7 as n").first!.decode("n", as: Int.self) == 7)
        let all = try db.pipeline(["select 8 as n"]) { results in
            (try results.next().get(), try? results.next())
        }
        #expect(all.1 == nil)
    }

    /// Megabytes each way in one pipeline: libpq reads while it waits to send, so neither the
    /// client nor the server waits on the other for ever.
    @Test func aLongPipelineOfLargeValuesNeitherSideWaitsOn() throws {
        let db = try PostgresTestServer.connect()
        let value = String(repeating: "x", count: 65_536)
        let results = try db.pipeline(
            (0..<400).map { index in "select \(value) || \(index) as echo" })
        #expect(results.count == 400)
        #expect(try results[399].get().first!.decode("echo", as: String.self) == value + "399")
    }

    @Test func failingStatementCarriesSQLStateAndLabel() throws {
        let db = try PostgresTestServer.connect(label: "staging")
        do {
            try db.query("select id from organizations where id = \(1)")
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.kind == .server)
            #expect(error.sqlState == "42P01")
            #expect(error.message == "relation \"organizations\" does not exist")
            #expect(error.position == 16)
            #expect(error.label == "staging")
            #expect(error.statement == "select id from organizations where id = $1")
            #expect(
                error.callSite?.hasPrefix("IntegrationTests/PostgresClientIntegrationTests.swift:")
                    == true)
            #expect(
                error.summary
                    == "environment 'staging': ERROR 42P01: relation \"organizations\" does not exist"
            )
        }
        do {
            try db.execute(
                script:
                    "do $$ begin raise exception 'nope' using detail = 'the detail', hint = 'the hint', errcode = '22023'; end $$"
            )
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22023")
            #expect(error.detail == "the detail")
            #expect(error.hint == "the hint")
            #expect(error.description.contains("\n  hint: the hint"))
        }
        // The connection stays usable after an error.
        #expect(try db.query("select 1 as one").first!.decode("one", as: Int.self) == 1)
    }

    @Test func statementAndLockTimeouts() throws {
        try withTestDatabase { db, name in
            try db.setStatementTimeout(.milliseconds(100))
            do {
                try db.query("select pg_sleep(5)")
                Issue.record("expected a timeout")
            } catch let error as PostgresError {
                #expect(error.isQueryCanceled)
                #expect(error.message == "canceling statement due to statement timeout")
            }
            try db.setStatementTimeout(nil)
            try db.query("create table busy (n int)")

            let holder = try PostgresTestServer.connect(database: name)
            try holder.query("begin")
            try holder.query("lock table busy in access exclusive mode")
            try db.setLockTimeout(.milliseconds(100))
            let clock = ContinuousClock()
            let started = clock.now
            do {
                try db.query("alter table busy add column x int")
                Issue.record("expected a lock timeout")
            } catch let error as PostgresError {
                #expect(error.isLockNotAvailable)
            }
            #expect(clock.now - started < .seconds(3))
            try holder.query("rollback")
            try db.query("alter table busy add column x int")
        }
    }

    @Test func advisoryLockContentionBetweenTwoConnections() throws {
        let key: Int64 = 0x746F_6C6C_6761_7465
        let first = try PostgresTestServer.connect()
        let second = try PostgresTestServer.connect()
        #expect(try first.tryAdvisoryLock(key: key))
        #expect(try !second.tryAdvisoryLock(key: key))
        var waitedFor: String?
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try second.advisoryLock(key: key, timeout: .milliseconds(400)) { waitedFor = $0 }
            Issue.record("expected the wait to time out")
        } catch let error as PostgresError {
            #expect(error.message.contains("is held by pid \(first.backendPID)"))
        }
        #expect(clock.now - started >= .milliseconds(400))
        #expect(
            waitedFor?.hasPrefix("pid \(first.backendPID) (user postgres, application tollgate")
                == true)

        // Released while the second waits: it gets the lock before its deadline.
        // The lock belongs to `first`'s session, so `first` must release it; the test owns
        // both connections and the main thread does not touch `first` until the thread ends.
        let owner = UncheckedBox(first)
        let releaser = Thread {
            usleep(200_000)
            _ = try? owner.value.advisoryUnlock(key: key)
        }
        releaser.start()
        try second.withAdvisoryLock(key: key, timeout: .seconds(5)) { db in
            let holder = try db.advisoryLockHolder(key: key)
            #expect(
                holder == "pid \(db.backendPID) (user postgres, application tollgate, from local)")
        }
        while !releaser.isFinished { usleep(1000) }
        #expect(try first.tryAdvisoryLock(key: key))
        #expect(try first.advisoryUnlock(key: key))
    }

    @Test func noticesAreCaptured() throws {
        let db = try PostgresTestServer.connect()
        try db.execute(
            script:
                "do $$ begin raise notice 'relation % already exists, skipping', 'organizations'; raise warning 'careful'; end $$"
        )
        let notices = db.takeNotices()
        #expect(
            notices.map(\.description) == [
                "NOTICE: relation organizations already exists, skipping", "WARNING: careful",
            ])
        #expect(notices[1].sqlState == "01000")
        #expect(db.notices.isEmpty)
    }

    @Test func aRunningQueryCanBeCancelled() throws {
        let db = try PostgresTestServer.connect()
        let handle = try db.makeCancelHandle()
        let canceller = Thread {
            usleep(300_000)
            try? handle.cancel()
        }
        canceller.start()
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try db.query("select pg_sleep(30)")
            Issue.record("expected the cancel to end the query")
        } catch let error as PostgresError {
            #expect(error.isQueryCanceled)
            #expect(error.message == "canceling statement due to user request")
        }
        #expect(clock.now - started < .seconds(10))
        #expect(try db.query("select 2 as two").first!.decode("two", as: Int.self) == 2)
    }

    @Test func wrongPasswordFailsWithoutEchoingIt() throws {
        let admin = try PostgresTestServer.connect()
        let port = try PostgresTestServer.port()
        try admin.execute(
            script:
                "drop role if exists tollgate_canary; create role tollgate_canary login password 'the-right-one'"
        )
        let connection = ConnectionString(
            "postgresql://tollgate_canary:sekrit-canary@127.0.0.1:\(port)/postgres")
        do {
            _ = try Connection(connection, label: "production")
            Issue.record("expected authentication to fail")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(
                error.message.contains(
                    "password authentication failed for user \"tollgate_canary\""))
            #expect(!error.description.contains("sekrit-canary"))
        }
        // A malformed conninfo never reaches libpq, which would quote it.
        do {
            _ = try Connection(
                ConnectionString("host=127.0.0.1 password=sekrit-canary sekrit-canary"))
            Issue.record("expected a parse error")
        } catch let error as PostgresError {
            #expect(!error.description.contains("sekrit-canary"))
            #expect(error.description.contains("cannot be read by libpq"))
        }
        let right = try Connection(
            ConnectionString(
                "postgresql://tollgate_canary:the-right-one@127.0.0.1:\(port)/postgres"))
        #expect(
            try right.query("select current_user as u").first!.decode("u", as: String.self)
                == "tollgate_canary")
    }

    /// Passwords are redacted exactly: a short one, one equal to the user name and one full of
    /// URI delimiters leave the rest of the message whole, and the delimiters get a hint.
    @Test func passwordsAreRedactedExactly() throws {
        let admin = try PostgresTestServer.connect()
        let port = try PostgresTestServer.port()
        try admin.execute(
            script: """
                drop role if exists tollgate_short; create role tollgate_short login password 'right';
                drop role if exists tollgate_same; create role tollgate_same login password 'right';
                drop role if exists tollgate_delims; create role tollgate_delims login password 'p@ss:w/rd';
                """)
        func failure(_ text: String) -> String {
            do {
                _ = try Connection(ConnectionString(text), label: "production")
                return "connected"
            } catch let error as PostgresError {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        // A one-letter password: the message keeps every word.
        let short = failure("postgresql://tollgate_short:e@127.0.0.1:\(port)/postgres")
        #expect(short.contains("connection to server at \"127.0.0.1\""), "\(short)")
        #expect(short.contains("password authentication failed for user \"tollgate_short\""))
        // A password equal to the user name: the user is still named.
        let same = failure("postgresql://tollgate_same:tollgate_same@127.0.0.1:\(port)/postgres")
        #expect(same.contains("for user \"tollgate_same\""), "\(same)")
        // Unencoded delimiters: refused with a hint, nothing of the password shown.
        let raw = failure("postgresql://tollgate_delims:p@ss:w/rd@127.0.0.1:\(port)/postgres")
        #expect(raw.contains("unencoded '@'") && raw.contains("%40"), "\(raw)")
        #expect(!raw.contains("ss:w") && !raw.contains("rd@") && !raw.contains("\"w\""))
        // Percent-encoded, the same password works.
        let encoded = try Connection(
            ConnectionString(
                "postgresql://tollgate_delims:p%40ss%3Aw%2Frd@127.0.0.1:\(port)/postgres"))
        #expect(
            try encoded.query("select current_user as u").first!.decode("u", as: String.self)
                == "tollgate_delims")
        // Through an environment, the message names the setting to fix.
        var environment = Environment(
            name: "production", order: 3,
            connection: ConnectionString("https://abcdefgh.supabase.co"),
            location: .init(file: "Environments/production.yml", line: 4, column: 13))
        environment.connectionVariables = ["PRODUCTION_DATABASE_URL"]
        do {
            _ = try environment.connect()
            Issue.record("expected a refusal")
        } catch let error as ConnectionError {
            #expect(
                error.description
                    == "cannot connect to environment 'production': PRODUCTION_DATABASE_URL is not a PostgreSQL connection string: it is the Supabase project's API URL; use the database connection string from the project's settings (Connect, then Connection string)"
            )
        }
    }
}
