import Foundation
import PostgresClient

/// An application acting on an environment while a rollout runs, the way Supabase's API does
/// it: each request a transaction with `set local role authenticated` and the JWT's claims in
/// `request.jwt.claims`.
///
/// It plays the old single-tenant backend (rows written with `user_id` only, as the report's
/// application still does), the new backend once Day 4 has deployed it (rows written with the
/// `org_id` of the JWT), and GoTrue's sign-ups (new users in `auth.users`). Tokens live
/// `jwtExpiry`: a user's claims are what `app_metadata` held when the token was issued. Every
/// failed operation is kept with its SQLSTATE, and every operation's latency.
public struct TrafficGenerator: Sendable {
    public struct Options: Sendable {
        /// Concurrent clients, each on a connection of its own.
        public var clients = 2
        /// How long a token lives before the user gets a new one.
        public var jwtExpiry: Duration = .zero
        /// One request in this many is a sign-up.
        public var signUpEvery = 10
        /// A pause between a client's requests.
        public var pause: Duration = .milliseconds(5)
        /// Whether the new backend takes over once Day 4 has deployed it; false keeps the old
        /// one running (an environment the new code never reached).
        public var newBackendAfterDay4 = true
        /// GoTrue's own connection, on which sign-ups run as `supabase_auth_admin`.
        ///
        /// Its role must be able to `set role supabase_auth_admin`, as GoTrue logs in. Sign-ups then run as that role with GoTrue's `search_path` (`auth`), so a
        /// sign-up trigger that needs the application's privileges or its `search_path` fails
        /// here as it would on hosted Supabase. Nil: sign-ups run as the environment's role.
        public var gotrue: ConnectionString? = nil
        /// Each client stops after this many requests, if set (whatever `until` says).
        public var requestsPerClient: Int? = nil
        /// The longest an operation may wait for a lock, if set: one that waits longer fails
        /// (`lock_timeout`, 55P03) and is reported, whatever else slowed it.
        ///
        /// Latency counts every cause, a busy client machine too; this counts only the waits a
        /// rollout can cause: a step's lock, or a batch's rows.
        public var lockWait: Duration? = nil

        public init(
            clients: Int = 2, jwtExpiry: Duration = .zero, signUpEvery: Int = 10,
            pause: Duration = .milliseconds(5), newBackendAfterDay4: Bool = true,
            gotrue: ConnectionString? = nil, requestsPerClient: Int? = nil,
            lockWait: Duration? = nil
        ) {
            self.lockWait = lockWait
            self.gotrue = gotrue
            self.requestsPerClient = requestsPerClient
            self.newBackendAfterDay4 = newBackendAfterDay4
            self.clients = clients
            self.jwtExpiry = jwtExpiry
            self.signUpEvery = signUpEvery
            self.pause = pause
        }
    }

    /// An operation that failed.
    public struct Failure: Sendable, Codable, Equatable {
        public var operation: String
        public var sqlState: String?
        public var message: String
    }

    /// What the application saw.
    public struct Report: Sendable, Codable {
        /// Operations by name, and how many of each succeeded.
        public var operations: [String: Int] = [:]
        /// Operations row level security refused (42501): what the policies are meant to do.
        public var refusals = 0
        public var failures: [Failure] = []
        /// Latencies in milliseconds, sorted.
        public var latencies: [Double] = []
        /// Users who signed up while it ran.
        public var signedUp: [UUID] = []

        public var count: Int { operations.values.reduce(0, +) }
        public func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        public var worst: Double { latencies.last ?? 0 }

        /// The report in one line.
        ///
        /// `1234 operations (0 failed, 0 refused): p50 1.2ms, p99 8.0ms, worst 31.0ms; 12 sign-ups`
        public var summary: String {
            String(
                format:
                    "%d operations (%d failed, %d refused by RLS): p50 %.1fms, p99 %.1fms, worst %.1fms; %d sign-ups",
                count, failures.count, refusals, percentile(0.5), percentile(0.99), worst,
                signedUp.count)
        }

        mutating func merge(_ other: Report) {
            operations.merge(other.operations, uniquingKeysWith: +)
            refusals += other.refusals
            failures += other.failures
            latencies = (latencies + other.latencies).sorted()
            signedUp += other.signedUp
        }
    }

    let environment: Environment
    let options: Options

    public init(environment: Environment, options: Options = Options()) {
        self.environment = environment
        self.options = options
    }

    /// Clients running on threads of their own (not the cooperative pool, which blocking work
    /// elsewhere may hold): ``wait()`` for their report.
    public final class Running: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [Report] = []
        private let group = DispatchGroup()

        func client(_ body: @escaping @Sendable () -> Report) {
            group.enter()
            Thread { [self] in
                let part = body()
                lock.withLock { parts.append(part) }
                group.leave()
            }.start()
        }

        /// Blocks until every client has stopped; their reports merged.
        public func wait() -> Report {
            group.wait()
            return lock.withLock {
                var report = Report()
                for part in parts { report.merge(part) }
                return report
            }
        }
    }

    /// Starts the clients, which run until `stop` says so.
    public func start(until stop: @escaping @Sendable () -> Bool) -> Running {
        let running = Running()
        for number in 0..<options.clients {
            running.client {
                do {
                    return try self.client(number, until: stop)
                } catch {
                    var report = Report()
                    report.failures.append(
                        Failure(operation: "client \(number)", sqlState: nil, message: "\(error)"))
                    return report
                }
            }
        }
        return running
    }

    /// Runs the clients until `stop` says so, then reports.
    public func run(until stop: @escaping @Sendable () -> Bool) async throws -> Report {
        let running = start(until: stop)
        return try await runBlocking { running.wait() }
    }

    /// A token: the claims PostgREST would read from the user's JWT, and when it was issued.
    struct Token {
        var claims: JSONValue
        var issued: ContinuousClock.Instant
        var org: String?
    }

    func client(_ number: Int, until stop: @Sendable () -> Bool) throws -> Report {
        let db = try environment.connect()
        // GoTrue's connection, opened at the first sign-up; without one, the environment's.
        var gotrue: Connection?
        func auth() throws -> Connection {
            guard let string = options.gotrue else { return db }
            if let gotrue { return gotrue }
            let opened = try Connection(string, label: "\(environment.name) (GoTrue)")
            gotrue = opened
            return opened
        }
        var report = Report()
        var users: [(id: UUID, email: String)] = try db.query(
            "select id, email from auth.users where email like '%_@_%' and email not like '%@tollgate.invalid' order by id"
        ).rows.map { (try $0.decode("id"), try $0.decode("email")) }
        guard !users.isEmpty else {
            report.failures.append(
                Failure(
                    operation: "start", sqlState: nil, message: "no users in auth.users to act as"))
            return report
        }
        var tokens: [UUID: Token] = [:]
        let clock = ContinuousClock()
        var request = 0
        var newCodeDeployed = false
        var lastDeployCheck = clock.now - .seconds(60)
        while !stop() && request < (options.requestsPerClient ?? .max) {
            request += 1
            // The new backend is deployed with Day 4: Tollgate's org-id function is its sign.
            if clock.now - lastDeployCheck > .milliseconds(500) {
                let deployed: Bool = try db.query(
                    "select to_regprocedure('public.auth_org_id()') is not null as deployed"
                ).first!.decode("deployed")
                newCodeDeployed = options.newBackendAfterDay4 && deployed
                lastDeployCheck = clock.now
            }
            let started = clock.now
            let operation: String
            do {
                if request % options.signUpEvery == 0 {
                    operation = "sign-up"
                    let user = try signUp(
                        try auth(), client: number, request: request,
                        like: users.randomElement()!.email)
                    users.append(user)
                    report.signedUp.append(user.id)
                } else {
                    let user = users.randomElement()!
                    var token = tokens[user.id]
                    if token == nil || clock.now - token!.issued >= options.jwtExpiry {
                        token = try issueToken(db, for: user.id)
                        tokens[user.id] = token
                    }
                    operation =
                        newCodeDeployed && token!.org != nil
                        ? "new app: write and read" : "old app: write and read"
                    try act(db, user: user.id, token: token!, newCode: newCodeDeployed)
                }
                report.operations[operation, default: 0] += 1
            } catch let error as PostgresError where error.kind == .server {
                _ = try? db.query("rollback")
                _ = try? gotrue?.query("rollback")
                if error.isInsufficientPrivilege && error.message.contains("row-level security") {
                    report.refusals += 1
                } else if error.isLockNotAvailable, let lockWait = options.lockWait {
                    report.failures.append(
                        Failure(
                            operation: "request \(request)", sqlState: error.sqlState,
                            message:
                                "waited longer than \(DurationParser.milliseconds(lockWait))ms for a lock: \(error.message)"
                        ))
                } else {
                    report.failures.append(
                        Failure(
                            operation: "request \(request)", sqlState: error.sqlState,
                            message: error.message))
                }
            }
            report.latencies.append(DurationParser.seconds(clock.now - started) * 1000)
            if options.pause > .zero { sleepThread(for: options.pause) }
        }
        report.latencies.sort()
        return report
    }

    /// Sets the transaction's `lock_timeout` to ``Options/lockWait``, if set.
    func limitLockWait(_ db: Connection) throws {
        guard let lockWait = options.lockWait else { return }
        try db.setSetting(
            "lock_timeout", String(DurationParser.milliseconds(lockWait)), local: true)
    }

    /// What `app_metadata` holds now goes into a new token, as GoTrue issues one.
    func issueToken(_ db: Connection, for user: UUID) throws -> Token {
        let app: JSONValue = try db.query(
            "select coalesce(raw_app_meta_data, '{}'::jsonb) as app from auth.users where id = \(user)"
        ).first!.decode("app")
        let claims = JSONValue.object([
            "sub": .string(user.postgresText), "role": .string("authenticated"),
            "aud": .string("authenticated"),
            "app_metadata": app, "user_metadata": .object([:]),
        ])
        return Token(claims: claims, issued: ContinuousClock.now, org: app["org_id"]?.stringValue)
    }

    /// One request: a lead and a call on it, then the user's leads read back.
    ///
    /// The old backend writes `user_id` only; the new one the JWT's `org_id` too.
    func act(_ db: Connection, user: UUID, token: Token, newCode: Bool) throws {
        try db.withTransaction { db in
            try limitLockWait(db)
            try db.query("set local role authenticated")
            try db.setSetting("request.jwt.claims", token.claims.postgresText, local: true)
            let lead: UUID
            if newCode, let org = token.org {
                lead = try db.query(
                    "insert into public.leads (user_id, org_id, name, source) values (\(user), \(org)::uuid, 'traffic', 'new app') returning id"
                ).first!.decode("id")
                try db.query(
                    "insert into public.call_logs (lead_id, org_id, direction) values (\(lead), \(org)::uuid, 'outbound')"
                )
            } else {
                lead = try db.query(
                    "insert into public.leads (user_id, name, source) values (\(user), 'traffic', 'old app') returning id"
                ).first!.decode("id")
                try db.query(
                    "insert into public.call_logs (lead_id, direction) values (\(lead), 'outbound')"
                )
            }
            try db.query("update public.leads set status = 'contacted' where id = \(lead)")
            // The user reads back what it wrote: a row it cannot see is a failure too.
            let seen: Int = try db.query(
                "select count(*) as n from public.leads where id = \(lead) and status = 'contacted'"
            )
            .first!.decode("n")
            guard seen == 1 else {
                throw PostgresError(
                    kind: .server, message: "the user cannot read back the lead it wrote",
                    sqlState: "TG001")
            }
        }
    }

    /// A sign-up, as GoTrue writes it: a new row in auth.users, in the domain of an existing
    /// user's clinic (so email-domain tenancy has someone to join).
    ///
    /// On GoTrue's own connection the insert runs as `supabase_auth_admin` with `search_path`
    /// `auth`, as GoTrue's does.
    func signUp(
        _ db: Connection, client: Int, request: Int, like email: String
    ) throws -> (id: UUID, email: String) {
        let id = UUID()
        let domain = email.split(separator: "@").last.map(String.init) ?? "example.com"
        let address = "user-signup-\(client)-\(request)-\(id.postgresText.prefix(8))@\(domain)"
        try db.withTransaction { db in
            try limitLockWait(db)
            if options.gotrue != nil {
                try db.query("set local role supabase_auth_admin")
                try db.setSetting("search_path", "auth", local: true)
            }
            try db.query(
                """
                insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
                values (\(id), 'authenticated', 'authenticated', \(address), '{"provider": "email", "providers": ["email"]}'::jsonb,
                        '{}'::jsonb, now(), now())
                """)
        }
        return (id, address)
    }
}
