import Foundation

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
            let tables = snapshot.relations.values.filter {
                $0.name.schema == "public" && $0.isTable
            }
            organizationsTable = snapshot.relation(QualifiedName("public", "organizations")) != nil
            tablesWithOrgID = tables.filter { $0.column("org_id") != nil }.map(\.name.name).sorted()
            tablesWithUserID = tables.filter { $0.column("user_id") != nil }.map(\.name.name)
                .sorted()
        }

        /// One phrase for the table: which model the database is in.
        public var summary: String {
            let organizations = organizationsTable ? "organizations" : "no organizations"
            if tablesWithOrgID.isEmpty {
                return
                    "single-tenant: user_id on \(tablesWithUserID.count) tables, \(organizations)"
            }
            return
                "org_id on \(tablesWithOrgID.count) tables, user_id on \(tablesWithUserID.count), \(organizations)"
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
    /// Why this does not look like the application's database (none of its tables).
    public var foreign: String?
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

    public init(environments: [EnvironmentStatus]) { self.environments = environments }

    /// Where each environment stands, from what was read of it; chain order is kept.
    public init(readings: [EnvironmentReading]) {
        self.init(
            environments: readings.map(EnvironmentStatus.init(reading:)).sorted {
                $0.order < $1.order
            })
    }
}

extension EnvironmentStatus {
    init(environment: Environment, error: String?) {
        self.init(
            environment: environment.name, order: environment.order,
            connection: environment.connection.description,
            target: nil, sandbox: environment.pointsAtSandbox, reachable: error == nil,
            error: error, rollout: [])
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

    /// One environment as read.
    public init(reading: EnvironmentReading) {
        self.init(environment: reading.environment, error: reading.problem?.message)
        reachable = reading.reachable
        if let target = reading.target { self.target = target }
        serverVersion = reading.serverVersion
        supabaseMigrations = reading.supabaseMigrations.map {
            Migrations(count: $0.count, latest: $0.last?.version)
        }
        ledgerPresent = reading.ledgerPresent
        rollout = reading.ledger?.completed ?? []
        if let binding = reading.ledger?.binding, binding.environment != reading.environment.name {
            ledgerBoundTo = binding.environment
        }
        rolloutError = reading.ledgerError.map { "rollout unknown: " + $0 }
        foreign = reading.foreign
        tenancy = reading.snapshot.map(Tenancy.init(snapshot:))
        fingerprint = reading.snapshot?.fingerprint
        objects = reading.snapshot?.objectCount
    }
}
