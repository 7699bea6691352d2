import Foundation
import PostgresClient

/// Everything Tollgate reads from one environment, read once through one connection: the value
/// `status`, `compare` and the gates are computed from.
///
/// Reports never touch a database; they are functions of readings.
public struct EnvironmentReading: Sendable {
    /// Why the environment could not be read (or only partly).
    public enum Problem: Sendable, Equatable {
        /// No connection: libpq's reason, free of passwords.
        case unreachable(String)
        /// Connected, but the database refused a query Tollgate needs (a privilege, a
        /// timeout): the explained error, with the `GRANT` where one helps.
        case refused(String)

        public var message: String {
            switch self {
            case .unreachable(let message), .refused(let message): return message
            }
        }
    }

    /// What was read from Tollgate's ledger.
    public struct LedgerReading: Sendable {
        public var state: Ledger.State
        /// Playbooks that have succeeded here, in the order they first did.
        public var completed: [String]
        /// Who last ran each playbook successfully.
        public var lastRunBy: [String: String]
        public var binding: Ledger.Binding?
        /// The last recorded effect on each object (empty unless asked for).
        public var effects: [Ledger.SchemaEffect]
    }

    public let environment: Environment
    /// Where the live connection went, or, when it could not connect, where the connection
    /// string points.
    public var target: Endpoint?
    public var problem: Problem?
    public var serverVersion: String?
    /// The Supabase CLI's history, sorted by version; nil without one.
    public var supabaseMigrations: [SupabaseMigration]?
    /// Whether the ledger exists; nil when that could not be read.
    public var ledgerPresent: Bool?
    public var ledger: LedgerReading?
    /// Why the ledger could not be read, when it exists but refused (a privilege).
    public var ledgerError: String?
    public var snapshot: CatalogSnapshot?
    /// What `compare` needs of the snapshot, described on the thread that read it so that the
    /// snapshot itself can go (``EnvironmentReader/Request/describe``).
    public var described: Described?
    /// Why this is not the application's database (none of its tables), when it is not.
    public var foreign: String?
    /// The suites asked for, by name; not run on a foreign database.
    public var suites: [String: SuiteRun] = [:]

    public var reachable: Bool {
        if case .unreachable = problem { return false }
        return true
    }

    /// A snapshot as `compare` sets it beside others.
    public struct Described: Sendable {
        public var objects: [SchemaObjects.Key: SchemaObjects.Description]
        /// The objects as an older Tollgate described them, where the ledger recorded effects
        /// to match them against (``LegacyDescriptions``); empty elsewhere.
        var legacy: [SchemaObjects.Key: String]
        public var fingerprint: String
    }
}

/// A migration in the Supabase CLI's history.
public struct SupabaseMigration: Sendable, Equatable {
    public var version: String
    public var name: String
    /// The statements it recorded, one script; empty unless asked for.
    public var sql: String
}

/// Reads environments into ``EnvironmentReading`` values, in parallel, with one
/// classification of what went wrong.
public struct EnvironmentReader: Sendable {
    /// What to read beyond the connection facts.
    public struct Request: Sendable {
        /// The server version and the Supabase CLI's history (checks need neither, and a
        /// gate's role may not read `supabase_migrations`); with them, which of the ledger's
        /// tables exist, so that what status reads of the ledger takes one round trip.
        public var facts = true
        /// Each Supabase migration's recorded statements (for checksums and drift).
        public var migrationStatements = false
        public var ledger = true
        /// The ledger's whole state and who ran what (compare), beyond the rollout (status).
        public var ledgerDetails = false
        /// The ledger's schema effects (for drift).
        public var effects = false
        public var snapshot = true
        /// Suites to run, by name.
        public var suites: [String] = []
        /// Seconds a statement may take; nil for no limit (compare's probes take their time).
        public var statementTimeout: Int? = 30
        /// Describe the snapshot's objects (``EnvironmentReading/described``) and let the
        /// snapshot go: at thousands of tables, several environments' snapshots and
        /// descriptions would otherwise be held at once.
        public var describe = false

        public init(
            migrationStatements: Bool = false, ledger: Bool = true, effects: Bool = false,
            snapshot: Bool = true, suites: [String] = []
        ) {
            self.migrationStatements = migrationStatements
            self.ledger = ledger
            self.effects = effects
            self.snapshot = snapshot
            self.suites = suites
        }

        /// What `status` shows.
        public static let status = Request()
        /// What `compare` shows: history with statements, the ledger with effects, and the two
        /// suites, with no time limit.
        public static let comparison: Request = {
            var request = Request(
                migrationStatements: true, effects: true, suites: ["warden", "verify"])
            request.ledgerDetails = true
            request.statementTimeout = nil
            request.describe = true
            return request
        }()
        /// A gate or check: the snapshot and the suites, nothing of the ledger or the history.
        public static func checks(_ suites: [String]) -> Request {
            var request = Request(ledger: false, suites: suites)
            request.facts = false
            request.statementTimeout = 60
            return request
        }
    }

    public let project: Project
    /// How many environments are read at once (`--jobs`): a fleet of hundreds is read a few
    /// at a time, not with hundreds of connections and threads.
    public let jobs: Int
    /// One runner for every environment read, so that what it reads once per run (the
    /// application's code, for a `code` check) is read once, not once per fleet member.
    let checks: CheckRunner

    public init(project: Project, jobs: Int = Self.defaultJobs) {
        self.project = project
        self.jobs = max(1, jobs)
        checks = CheckRunner(project: project)
    }

    /// Environments read at once unless `--jobs` says otherwise.
    public static let defaultJobs = 16

    /// Reads the environments, up to ``jobs`` at once, each on a thread of its own; the
    /// result keeps the order given.
    public func read(
        _ environments: [Environment], _ request: Request
    ) async -> [EnvironmentReading] {
        await withTaskGroup(of: (Int, EnvironmentReading).self) { group in
            func start(_ index: Int) {
                let environment = environments[index]
                group.addTask {
                    let reading =
                        (try? await runBlocking { self.read(environment, request) })
                        ?? EnvironmentReading(
                            environment: environment, problem: .refused("internal error"))
                    return (index, reading)
                }
            }
            var next = 0
            while next < min(jobs, environments.count) {
                start(next)
                next += 1
            }
            var results: [(Int, EnvironmentReading)] = []
            for await result in group {
                results.append(result)
                if next < environments.count {
                    start(next)
                    next += 1
                }
            }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Reads one environment; what goes wrong becomes its `problem`, never a throw.
    public func read(_ environment: Environment, _ request: Request) -> EnvironmentReading {
        var reading = EnvironmentReading(environment: environment)
        if let problem = environment.membersProblem {
            reading.problem = .unreachable(problem)
            return reading
        }
        // An unset connection variable points nowhere: no "(default host)" for it.
        reading.target =
            environment.unsetConnectionVariable != nil
            ? nil
            : environment.connection.endpoint.map {
                Endpoint(host: $0.host, port: $0.port, database: $0.database, service: $0.service)
            }
        do {
            let db = try environment.connect(timeout: 5)
            if let seconds = request.statementTimeout {
                db.setStatementTimeoutWithNextStatement(.seconds(seconds))
            }
            let reached = db.endpoint
            reading.target = Endpoint(
                host: reached.host, port: reached.port, database: reached.database)
            let wantsSnapshot = request.snapshot || !request.suites.isEmpty
            var loaded: Result<CatalogSnapshot, any Error>?
            var ledgerTables: LedgerTables?
            var history: Query?
            if request.facts {
                // With the snapshot, the facts go in its round trip. The snapshot's own error
                // waits until the facts and the ledger are read, as when it came after them.
                let facts: QueryResult
                if wantsSnapshot {
                    let read = try CatalogSnapshot.load(from: db, after: [Self.facts])
                    loaded = read.snapshot
                    facts = try read.leading[0].get()
                } else {
                    facts = try db.query(Self.facts)
                }
                (ledgerTables, history) = try readFacts(facts.first!, request, into: &reading)
            }
            // The CLI's history goes in the round trip of the ledger's rollout.
            let leading = history.map { [$0] } ?? []
            let read =
                request.ledger
                ? try readLedger(db, request, tables: ledgerTables, after: leading, into: &reading)
                : leading.isEmpty ? [] : try db.pipeline(leading)
            if history != nil { try readHistory(read[0].get(), into: &reading) }
            if wantsSnapshot {
                let snapshot = try loaded?.get() ?? CatalogSnapshot.load(from: db)
                reading.snapshot = snapshot
                reading.foreign = checks.notThisApplication(
                    snapshot, environment: environment, endpoint: reached)
                if reading.foreign == nil {
                    for name in request.suites {
                        guard let suite = project.suites[name] else { continue }
                        reading.suites[name] = try checks.run(
                            suite, on: db, environment: environment.name, snapshot: snapshot)
                    }
                }
            }
            if request.describe, let snapshot = reading.snapshot {
                let effects = reading.ledger?.effects ?? []
                reading.described = .init(
                    objects: SchemaObjects.details(snapshot),
                    legacy: effects.isEmpty ? [:] : LegacyDescriptions.describe(snapshot),
                    fingerprint: snapshot.fingerprint)
                reading.snapshot = nil
                // What decoding and describing freed goes back to the system, not only to the
                // allocator: three threads' transient rows would otherwise stay resident.
                returnFreedMemory()
            }
        } catch {
            reading.problem = Self.classify(error)
            // The sandbox down is the likeliest reason a sandboxed environment is unreachable.
            if case .unreachable(let message)? = reading.problem, environment.pointsAtSandbox {
                reading.problem = .unreachable(
                    message + " (the sandbox is not running: tollgate sandbox up)")
            }
            reading.snapshot = nil
            reading.suites = [:]
        }
        return reading
    }

    /// The one place an error reading an environment becomes words.
    public static func classify(_ error: any Error) -> EnvironmentReading.Problem {
        switch error {
        case let error as ConnectionError: return .unreachable(error.underlying.message)
        case let error as PostgresError where error.kind == .connection:
            return .unreachable(error.message)
        case let error as PostgresError: return .refused(error.explained)
        default: return .refused("\(error)")
        }
    }

    /// The server's version, whether the Supabase CLI's history is there (and its columns),
    /// and which of the ledger's tables exist: one statement.
    static let facts = Query(
        unsafeSQL: """
            select split_part(current_setting('server_version'), ' ', 1) as version,
                   to_regclass('supabase_migrations.schema_migrations') is not null as has_supabase,
                   array(\(SupabaseHistoryTable.columnNames)) as history_columns,
                   -- Not to_regclass: without USAGE on the schema it fails, and a ledger
                   -- that cannot be read is the ledger's problem (rollout unknown), not
                   -- the environment's.
                   exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                           where n.nspname = 'tollgate' and c.relname = 'releases') as has_ledger,
                   exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace
                           where n.nspname = 'tollgate' and c.relname = 'binding') as has_binding
            """)

    /// Which of the ledger's tables exist, as the ``facts`` read them.
    struct LedgerTables {
        var releases: Bool
        var binding: Bool
    }

    /// Takes the server's version from the ``facts`` row, and returns which of the ledger's
    /// tables exist and the query that reads the Supabase CLI's history, where there is one.
    func readFacts(
        _ row: Row, _ request: Request, into reading: inout EnvironmentReading
    ) throws -> (LedgerTables, history: Query?) {
        reading.serverVersion = try row.decode("version")
        let ledger = LedgerTables(
            releases: try row.decode("has_ledger"), binding: try row.decode("has_binding"))
        guard try row.decode("has_supabase", as: Bool.self) else { return (ledger, nil) }
        // The statements are joined on a line of their own: one may end in a -- comment.
        // An older CLI's history has only `version` (then `statements`, then `name`).
        let columns = Set(try row.decode("history_columns", as: [String].self))
        let name = columns.contains("name") ? "coalesce(name, '')" : "''"
        let statements =
            columns.contains("statements") && request.migrationStatements
            ? "coalesce(array_to_string(statements, E'\\n;\\n'), '')" : "''"
        let history = Query(
            unsafeSQL: """
                select version, \(name) as name, \(statements) as sql
                from supabase_migrations.schema_migrations order by version
                """)
        return (ledger, history)
    }

    /// The Supabase CLI's history, from the query ``readFacts(_:_:into:)`` returned.
    func readHistory(_ result: QueryResult, into reading: inout EnvironmentReading) throws {
        reading.supabaseMigrations = try result.rows.map {
            SupabaseMigration(
                version: try $0.decode("version"), name: try $0.decode("name"),
                sql: try $0.decode("sql"))
        }
    }

    /// A ledger that exists but cannot be read is reported beside the rest, never as "not
    /// started".
    ///
    /// `tables` are the ledger's tables that exist, when the facts read them: then what status
    /// shows of it takes one round trip, which carries the `leading` statements too. Their
    /// results are returned whatever becomes of the ledger's read.
    /// - Throws: `PostgresError` when the leading statements could not be run (a lost
    ///   connection).
    func readLedger(
        _ db: Connection, _ request: Request, tables: LedgerTables?, after leading: [Query],
        into reading: inout EnvironmentReading
    ) throws -> [Result<QueryResult, PostgresError>] {
        let ledger = Ledger(db)
        var results: [Result<QueryResult, PostgresError>]?
        do {
            reading.ledgerPresent = try tables?.releases ?? ledger.exists()
            if reading.ledgerPresent == true {
                let (completed, binding): ([String], Ledger.Binding?)
                if let tables {
                    let read = try ledger.rollout(hasBinding: tables.binding, after: leading)
                    results = read.leading
                    (completed, binding) = try read.rollout.get()
                } else {
                    (completed, binding) = (try ledger.completedPlaybooks(), try ledger.binding())
                }
                reading.ledger = EnvironmentReading.LedgerReading(
                    state: request.ledgerDetails ? try ledger.state() : Ledger.State(),
                    completed: completed,
                    lastRunBy: request.ledgerDetails ? try ledger.lastRunBy() : [:],
                    binding: binding,
                    effects: request.effects ? try ledger.schemaEffects() : [])
            }
        } catch {
            reading.ledgerError = Self.classify(error).message
        }
        // Without a ledger (or when its round trip never came back, which fails again here).
        return try results ?? (leading.isEmpty ? [] : db.pipeline(leading))
    }
}

extension CheckReport {
    /// The suites' results on each environment as read, or why it could not be checked.
    public init(readings: [EnvironmentReading], suites: [String]) {
        self.init(environments: readings.map { EnvironmentChecks(reading: $0, suites: suites) })
    }
}

extension CheckReport.EnvironmentChecks {
    public init(reading: EnvironmentReading, suites: [String]) {
        let name = reading.environment.name
        switch reading.problem {
        case .unreachable(let message)?:
            self.init(
                environment: name, reachable: false, error: message, problem: .unreachable,
                suites: [])
        case .refused(let message)?:
            self.init(
                environment: name, reachable: true, error: message, problem: .refused, suites: [])
        case nil:
            if let foreign = reading.foreign {
                self.init(
                    environment: name, reachable: true, error: foreign,
                    problem: .notThisApplication, suites: [])
            } else {
                self.init(
                    environment: name, reachable: true, error: nil,
                    suites: suites.compactMap { reading.suites[$0] })
            }
        }
    }
}

extension CheckRunner {
    /// Runs `suites` on every environment, `jobs` at a time.
    public func run(
        _ suites: [Suite], on environments: [Environment],
        jobs: Int = EnvironmentReader.defaultJobs
    ) async -> CheckReport {
        let readings = await EnvironmentReader(project: project, jobs: jobs).read(
            environments, .checks(suites.map(\.name)))
        return CheckReport(readings: readings, suites: suites.map(\.name))
    }

    /// Runs `suites` on one environment; connection problems are reported, not thrown.
    public func run(_ suites: [Suite], on environment: Environment) -> CheckReport.EnvironmentChecks
    {
        let reading = EnvironmentReader(project: project).read(
            environment, .checks(suites.map(\.name)))
        return CheckReport.EnvironmentChecks(reading: reading, suites: suites.map(\.name))
    }
}

extension EnvironmentReader {
    /// One environment's catalog snapshot with the statements, the round trips and the time it
    /// took: what `tollgate snapshot` (and so the benchmark) reports.
    public func measuredSnapshot(
        _ environment: Environment
    ) throws -> (snapshot: CatalogSnapshot, statements: Int, roundTrips: Int, milliseconds: Double)
    {
        let db = try environment.connect()
        let (statements, roundTrips) = (db.statementCount, db.roundTripCount)
        let clock = ContinuousClock()
        var snapshot: CatalogSnapshot?
        let elapsed = try clock.measure { snapshot = try CatalogSnapshot.load(from: db) }
        return (
            snapshot!, db.statementCount - statements, db.roundTripCount - roundTrips,
            DurationParser.seconds(elapsed) * 1000
        )
    }
}

/// Gives the memory the allocator holds free back to the system, with glibc's `malloc_trim(0)`.
///
/// Looked up at run time (it is declared in `<malloc.h>`, which no module exports); where it
/// is missing, this does nothing.
private func returnFreedMemory() {
    typealias Trim = @convention(c) (Int) -> Int32
    struct Lookup: @unchecked Sendable { let trim: Trim? }
    enum Once {
        static let lookup = Lookup(
            trim: dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map {
                unsafeBitCast($0, to: Trim.self)
            })
    }
    _ = Once.lookup.trim?(0)
}
