import Foundation
import PostgresClient

/// Where one environment stands: what `tollgate status` shows for it.
public struct EnvironmentStatus: Sendable, Codable, Equatable {
    /// Migrations recorded by the Supabase CLI in `supabase_migrations.schema_migrations`.
    public struct Migrations: Sendable, Codable, Equatable {
        public var count: Int
        public var latest: String?
    }

    /// The tenancy model the schema is in, read from the catalog.
    public struct Tenancy: Sendable, Codable, Equatable {
        /// Whether `public.organizations` exists.
        public var organizationsTable: Bool
        /// Tables in `public` with an `org_id` column, sorted.
        public var tablesWithOrgID: [String]
        /// Tables in `public` with a `user_id` column, sorted.
        public var tablesWithUserID: [String]

        init(snapshot: CatalogSnapshot) {
            let tables = snapshot.relations.values.filter { $0.name.schema == "public" && $0.isTable }
            organizationsTable = snapshot.relation(QualifiedName("public", "organizations")) != nil
            tablesWithOrgID = tables.filter { $0.column("org_id") != nil }.map(\.name.name).sorted()
            tablesWithUserID = tables.filter { $0.column("user_id") != nil }.map(\.name.name).sorted()
        }

        /// One phrase for the table: which model the database is in.
        public var summary: String {
            let organizations = organizationsTable ? "organizations" : "no organizations"
            if tablesWithOrgID.isEmpty {
                return "single-tenant: user_id on \(tablesWithUserID.count) tables, \(organizations)"
            }
            return "org_id on \(tablesWithOrgID.count) tables, user_id on \(tablesWithUserID.count), \(organizations)"
        }
    }

    public var environment: String
    public var order: Int
    /// The connection with any password replaced by `***`.
    public var connection: String
    /// Where it points: host (or socket folder), port and database, as the live connection
    /// reached them (or as the connection string says, when it could not connect).
    public var target: Endpoint?
    /// True when it resolves to the local sandbox.
    public var sandbox: Bool
    public var reachable: Bool
    /// Why the database could not be reached, in one line, without a password.
    public var error: String?
    public var serverVersion: String?
    /// `nil` when the database has no `supabase_migrations` schema.
    public var supabaseMigrations: Migrations?
    /// Whether Tollgate's ledger (schema `tollgate`) exists here yet.
    public var ledgerPresent: Bool?
    /// Playbooks completed here, in order; empty until playbooks have run.
    public var rollout: [String]
    /// Why the rollout is unknown: the ledger exists but could not be read (a privilege).
    public var rolloutError: String?
    /// The environment the database's ledger is bound to, when it is another one: this
    /// environment points at someone else's database.
    public var ledgerBoundTo: String?
    public var tenancy: Tenancy?
    /// The catalog snapshot's SHA-256; equal fingerprints mean equal schemas.
    public var fingerprint: String?
    /// How many objects the fingerprint covers.
    public var objects: Int?
}

/// `tollgate status`: every environment, checked in parallel.
public struct StatusReport: Sendable, Codable, Equatable {
    /// The JSON shape's version; raised only when a field changes meaning or goes away.
    public var version = 1
    public var environments: [EnvironmentStatus]

    /// Environments that could not be reached.
    public var unreachable: [EnvironmentStatus] { environments.filter { !$0.reachable } }

    /// Connects to every environment at once and reads where each stands.
    /// - Parameter environments: the environments, in chain order; the report keeps it.
    public static func gather(_ environments: [Environment]) async -> StatusReport {
        let results = await withTaskGroup(of: EnvironmentStatus.self) { group in
            for environment in environments {
                group.addTask {
                    (try? await runBlocking { EnvironmentStatus.read(environment) })
                        ?? EnvironmentStatus(environment: environment, error: "internal error")
                }
            }
            var results: [EnvironmentStatus] = []
            for await result in group { results.append(result) }
            return results
        }
        return StatusReport(environments: results.sorted { $0.order < $1.order })
    }
}

extension EnvironmentStatus {
    init(environment: Environment, error: String?) {
        self.init(
            environment: environment.name, order: environment.order,
            connection: environment.connection.description,
            target: environment.connection.endpoint.map { Endpoint(host: $0.host, port: $0.port, database: $0.database, service: $0.service) },
            sandbox: environment.pointsAtSandbox, reachable: error == nil, error: error, rollout: [])
    }

    /// How ROLLOUT reads: the last playbook done, "not started", or "unknown".
    public var rolloutSummary: String {
        guard reachable else { return "" }
        if rolloutError != nil { return "unknown" }
        return rollout.last.map { "\($0) (\(rollout.count) done)" } ?? "not started"
    }

    /// How TARGET reads: `sandbox/dev`, or `host:port/database`.
    public var targetSummary: String {
        guard let target else { return "" }
        return sandbox ? "sandbox/\(target.database ?? "?")" : target.description
    }

    /// Reads one environment; connection errors become the `error` line, never a throw.
    static func read(_ environment: Environment) -> EnvironmentStatus {
        var status = EnvironmentStatus(environment: environment, error: nil)
        do {
            let db = try environment.connect(timeout: 5)
            try db.setStatementTimeout(.seconds(30))
            let reached = db.endpoint
            status.target = Endpoint(host: reached.host, port: reached.port, database: reached.database)
            let facts = try DatabaseFacts.read(db)
            status.serverVersion = facts.serverVersion
            status.supabaseMigrations = facts.supabaseMigrations.map {
                Migrations(count: $0.count, latest: $0.last?.version)
            }
            let ledger = Ledger(db)
            do {
                status.ledgerPresent = try ledger.exists()
                status.rollout = try ledger.completedPlaybooks()
                if let binding = try ledger.binding(), binding.environment != environment.name {
                    status.ledgerBoundTo = binding.environment
                }
            } catch let error as PostgresError where error.kind == .server {
                // "not started" next to a ledger nobody could read would be a false report.
                status.rolloutError = "rollout unknown: " + error.explained
            }
            let snapshot = try CatalogSnapshot.load(from: db)
            status.tenancy = Tenancy(snapshot: snapshot)
            status.fingerprint = snapshot.fingerprint
            status.objects = snapshot.objectCount
        } catch let error as ConnectionError {
            status.reachable = false
            status.error = error.underlying.message
        } catch let error as PostgresError {
            status.error = error.summary
        } catch {
            status.reachable = false
            status.error = "\(error)"
        }
        return status
    }
}
