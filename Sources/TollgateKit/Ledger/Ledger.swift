import Foundation
import PostgresClient

/// Tollgate's record inside one environment's database (schema `tollgate`).
///
/// Created on first use. Queries are named after the questions operators ask
/// (`lastSuccess(of:)`, `approvers(of:)`), after GRDB.
public struct Ledger {
    let db: Connection

    /// The advisory lock every runner takes on an environment: the first 8 bytes of
    /// SHA-256("tollgate runner"), so that no other application picks it by chance.
    public static let runnerLockKey: Int64 = {
        let digest = SHA256.digest(Array("tollgate runner".utf8))
        return digest.prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }()

    /// The key that serialises creating the ledger schema.
    static let installLockKey: Int64 = runnerLockKey ^ 1

    public init(_ db: Connection) { self.db = db }

    /// Whether the ledger exists in this database.
    public func exists() throws -> Bool {
        try db.query("select to_regclass('tollgate.releases') is not null as present").first!.decode("present")
    }

    /// The installed ledger version (0 when there is none).
    public func version() throws -> Int {
        guard try exists() else { return 0 }
        return try db.query("select coalesce(max(version), 0) as v from tollgate.releases").first!.decode("v")
    }

    /// Creates the ledger, or upgrades it to the newest version (idempotent; concurrent
    /// callers take turns).
    /// - Throws: `PostgresError`, such as permission denied when the role cannot create schemas.
    public func install() throws {
        if try version() >= LedgerSchema.version { return }
        try db.withTransaction { db in
            try db.query("select pg_advisory_xact_lock(\(Self.installLockKey))")
            let installed = try Ledger(db).version()
            for script in LedgerSchema.scripts.dropFirst(installed) { try db.execute(script: script) }
        }
    }

    /// One step's recorded state.
    public struct StepRecord: Sendable, Codable, Equatable {
        public var playbook: String
        public var step: String
        public var kind: String
        public var checksum: String?
        public var status: String
        public var transactional: Bool
        public var startedAt: Date
        public var finishedAt: Date?
        public var error: String?
        public var actor: String
    }

    /// What the planner needs to know about this environment.
    public struct State: Sendable {
        public var steps: [String: [String: StepRecord]] = [:]
        public var lastSuccess: [String: Date] = [:]
        public var approvers: [String: [String]] = [:]

        public init() {}

        public func record(_ playbook: String, _ step: String) -> StepRecord? { steps[playbook]?[step] }
    }

    /// Reads the whole state (empty when the ledger does not exist yet).
    public func state() throws -> State {
        var state = State()
        guard try exists() else { return state }
        for row in try db.query(
            """
            select playbook, step, kind, checksum, status, transactional, started_at, finished_at, error, actor
            from tollgate.step_runs
            """
        ).rows {
            let record = StepRecord(
                playbook: try row.decode("playbook"), step: try row.decode("step"), kind: try row.decode("kind"),
                checksum: try row.decodeIfPresent("checksum"), status: try row.decode("status"),
                transactional: try row.decode("transactional"), startedAt: try row.decode("started_at"),
                finishedAt: try row.decodeIfPresent("finished_at"), error: try row.decodeIfPresent("error"),
                actor: try row.decode("actor"))
            state.steps[record.playbook, default: [:]][record.step] = record
        }
        for row in try db.query(
            "select playbook, max(finished_at) as at from tollgate.runs where outcome = 'succeeded' group by playbook"
        ).rows {
            state.lastSuccess[try row.decode("playbook")] = try row.decode("at")
        }
        for row in try db.query("select playbook, array_agg(approver order by approver) as who from tollgate.approvals group by playbook").rows {
            state.approvers[try row.decode("playbook")] = try row.decode("who")
        }
        return state
    }

    /// Playbooks that have succeeded here, in the order they first did.
    public func completedPlaybooks() throws -> [String] {
        guard try exists() else { return [] }
        return try db.query(
            "select playbook from tollgate.runs where outcome = 'succeeded' group by playbook order by min(finished_at)"
        ).rows.map { try $0.decode("playbook") }
    }

    // MARK: - Writing

    public func startRun(playbook: String, environment: String, actor: String, host: String) throws -> Int64 {
        let id: Int64 = try db.query(
            "insert into tollgate.runs (playbook, environment, actor, host) values (\(playbook), \(environment), \(actor), \(host)) returning id"
        ).first!.decode("id")
        try event(run: id, playbook: playbook, step: nil, "started", actor: actor)
        return id
    }

    public func finishRun(_ id: Int64, outcome: String) throws {
        try db.query("update tollgate.runs set outcome = \(outcome), finished_at = clock_timestamp() where id = \(id)")
    }

    /// Records a step's state; for a transactional step, call inside the step's transaction.
    public func recordStep(
        run: Int64, playbook: String, step: Playbook.Step, status: String, error: String? = nil, output: String? = nil,
        actor: String, host: String
    ) throws {
        try db.query(
            """
            insert into tollgate.step_runs
              (playbook, step, run_id, kind, checksum, transactional, status, error, output, actor, host, started_at, finished_at)
            values (\(playbook), \(step.id), \(run), \(step.kind), \(step.checksum), \(step.transactional), \(status),
                    \(error), \(output), \(actor), \(host), clock_timestamp(), case when \(status != "started") then clock_timestamp() end)
            on conflict (playbook, step) do update set
              run_id = excluded.run_id, checksum = excluded.checksum, transactional = excluded.transactional,
              status = excluded.status, error = excluded.error, output = excluded.output, actor = excluded.actor,
              host = excluded.host, finished_at = excluded.finished_at,
              started_at = case when excluded.status = 'started' then excluded.started_at else tollgate.step_runs.started_at end
            """)
        try event(run: run, playbook: playbook, step: step.id, status, actor: actor, detail: error)
    }

    public func event(run: Int64?, playbook: String, step: String?, _ event: String, actor: String, detail: String? = nil) throws {
        try db.query(
            "insert into tollgate.events (run_id, playbook, step, event, actor, detail) values (\(run), \(playbook), \(step), \(event), \(actor), \(detail))"
        )
    }

    /// Records an approval; approving twice is one approval.
    /// - Returns: false when this approver had already approved.
    @discardableResult
    public func approve(playbook: String, approver: String, note: String?) throws -> Bool {
        try db.withTransaction { db in
            let inserted = try db.query(
                "insert into tollgate.approvals (playbook, approver, note) values (\(playbook), \(approver), \(note)) on conflict (playbook, approver) do nothing"
            ).affectedRows ?? 0
            if inserted > 0 { try Ledger(db).event(run: nil, playbook: playbook, step: nil, "approved", actor: approver, detail: note) }
            return inserted > 0
        }
    }

    /// An object as a step left it (ledger version 3 and later).
    public struct SchemaEffect: Sendable, Codable, Equatable {
        public var playbook: String
        public var step: String
        /// The Supabase migration version the step recorded, if any.
        public var migration: String?
        public var kind: String
        public var object: String
        /// `nil` when the step removed the object.
        public var description: String?
    }

    /// Appends a step's effects in one statement.
    func recordEffects(_ effects: [SchemaEffect], run: Int64) throws {
        guard !effects.isEmpty else { return }
        let encoder = JSONEncoder()
        let json = String(decoding: try encoder.encode(effects), as: UTF8.self)
        try db.query(
            """
            insert into tollgate.schema_effects (run_id, playbook, step, migration, kind, object, description)
            select \(run), e.playbook, e.step, e.migration, e.kind, e.object, e.description
            from jsonb_to_recordset(\(json)::jsonb)
                 as e(playbook text, step text, migration text, kind text, object text, description text)
            """)
    }

    /// The last recorded effect on each object, oldest first; empty before ledger version 3.
    public func schemaEffects() throws -> [SchemaEffect] {
        guard try version() >= 3 else { return [] }
        return try db.query(
            """
            select distinct on (kind, object) playbook, step, migration, kind, object, description
            from tollgate.schema_effects order by kind, object, id desc
            """
        ).rows.map { row in
            SchemaEffect(
                playbook: try row.decode("playbook"), step: try row.decode("step"), migration: try row.decodeIfPresent("migration"),
                kind: try row.decode("kind"), object: try row.decode("object"), description: try row.decodeIfPresent("description"))
        }
    }

    /// One line of `tollgate history`.
    public struct Event: Sendable, Codable, Equatable {
        public var at: Date
        public var run: Int64?
        public var playbook: String
        public var step: String?
        public var event: String
        public var actor: String
        public var detail: String?
    }

    public func events(limit: Int = 200) throws -> [Event] {
        guard try exists() else { return [] }
        return try db.query(
            "select at, run_id, playbook, step, event, actor, detail from tollgate.events order by id desc limit \(limit)"
        ).rows.reversed().map { row in
            Event(
                at: try row.decode("at"), run: try row.decodeIfPresent("run_id"), playbook: try row.decode("playbook"),
                step: try row.decodeIfPresent("step"), event: try row.decode("event"), actor: try row.decode("actor"),
                detail: try row.decodeIfPresent("detail"))
        }
    }
}

