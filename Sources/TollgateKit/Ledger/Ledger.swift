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
        try db.query("select to_regclass('tollgate.releases') is not null as present").first!
            .decode("present")
    }

    /// The installed ledger version (0 when there is none).
    public func version() throws -> Int {
        guard try exists() else { return 0 }
        return try db.query("select coalesce(max(version), 0) as v from tollgate.releases").first!
            .decode("v")
    }

    /// Creates the ledger, or upgrades it to the newest version (idempotent; concurrent
    /// callers take turns).
    /// - Throws: `PostgresError`, such as permission denied when the role cannot create schemas.
    public func install() throws {
        if try version() >= LedgerSchema.version { return }
        try db.withTransaction { db in
            try db.query("select pg_advisory_xact_lock(\(Self.installLockKey))")
            let installed = try Ledger(db).version()
            for script in LedgerSchema.scripts.dropFirst(installed) {
                try db.execute(script: script)
            }
        }
    }

    /// One step's recorded state.
    public struct StepRecord: Sendable, Codable, Equatable {
        public var playbook: String
        public var step: String
        public var kind: String
        public var checksum: String?
        public var status: StepStatus
        public var transactional: Bool
        public var startedAt: Date
        public var finishedAt: Date?
        public var error: String?
        public var actor: String
        /// The strongest lock it held on a tenant table (ledger version 5 and later).
        public var lock: LockHold? = nil
    }

    /// An approval as recorded: who (normalised) and the playbook content it was given for.
    public struct Approval: Sendable, Equatable {
        public var approver: String
        /// ``Playbook/contentChecksum`` when it was approved; nil before ledger version 4.
        public var playbookChecksum: String?
        /// When it was given (or last renewed).
        public var approvedAt: Date?
        public init(approver: String, playbookChecksum: String?, approvedAt: Date? = nil) {
            self.approver = approver
            self.playbookChecksum = playbookChecksum
            self.approvedAt = approvedAt
        }
    }

    /// What the planner needs to know about this environment.
    public struct State: Sendable {
        public var steps: [String: [String: StepRecord]] = [:]
        /// When each playbook's soak starts: the first successful run since the last run that
        /// applied one of its steps.
        ///
        /// A rerun that applied nothing does not move it.
        public var lastSuccess: [String: Date] = [:]
        public var approvals: [String: [Approval]] = [:]

        public init() {}

        public func record(_ playbook: String, _ step: String) -> StepRecord? {
            steps[playbook]?[step]
        }

        /// The people whose approval counts for `playbook` as it is now, and those whose
        /// approval was given for other content (an edited step), each once, sorted.
        public func approvers(
            of playbook: Playbook, since: Date? = nil
        ) -> (current: [String], outdated: [String]) {
            let all = approvals[playbook.name] ?? []
            let current = Set(
                all.filter { approval in
                    approval.playbookChecksum == playbook.contentChecksum
                        && since.map { since in (approval.approvedAt ?? .distantPast) >= since }
                            ?? true
                }.map(\.approver))
            let outdated = Set(all.map(\.approver)).subtracting(current)
            return (current.sorted(), outdated.sorted())
        }
    }

    /// Reads the whole state (empty when the ledger does not exist yet).
    public func state() throws -> State {
        var state = State()
        guard try exists() else { return state }
        let lockColumns =
            try version() >= 5
            ? "lock_mode, lock_relations, lock_held_ms, lock_budget_ms"
            : "null::text as lock_mode, null::text[] as lock_relations, null::bigint as lock_held_ms, null::bigint as lock_budget_ms"
        for row in try db.query(
            Query(
                unsafeSQL: """
                    select playbook, step, kind, checksum, status, transactional, started_at, finished_at, error, actor, \(lockColumns)
                    from tollgate.step_runs
                    """)
        ).rows {
            let record = StepRecord(
                playbook: try row.decode("playbook"), step: try row.decode("step"),
                kind: try row.decode("kind"),
                checksum: try row.decodeIfPresent("checksum"),
                status: try row.decode("status"),
                transactional: try row.decode("transactional"),
                startedAt: try row.decode("started_at"),
                finishedAt: try row.decodeIfPresent("finished_at"),
                error: try row.decodeIfPresent("error"),
                actor: try row.decode("actor"))
            var withLock = record
            if let mode: String = try row.decodeIfPresent("lock_mode") {
                withLock.lock = LockHold(
                    mode: mode, relations: try row.decodeIfPresent("lock_relations") ?? [],
                    heldMilliseconds: try row.decodeIfPresent("lock_held_ms") ?? 0,
                    budgetMilliseconds: try row.decodeIfPresent("lock_budget_ms"))
            }
            state.steps[record.playbook, default: [:]][record.step] = withLock
        }
        // A run applied something when one of its steps succeeded (a repair only accepts an
        // edited checksum, and applies nothing); the soak runs from the first success at or
        // after the last such run.
        for row in try db.query(
            """
            with applied as (
              select playbook, max(run_id) as run_id from tollgate.events
              where step is not null and event = 'succeeded' and run_id is not null
              group by playbook)
            select r.playbook, min(r.finished_at) as at
            from tollgate.runs r left join applied a on a.playbook = r.playbook
            where r.outcome = 'succeeded' and r.id >= coalesce(a.run_id, 0)
            group by r.playbook
            """
        ).rows {
            state.lastSuccess[try row.decode("playbook")] = try row.decode("at")
        }
        let checksum = try version() >= 4 ? "playbook_checksum" : "null::text"
        for row in try db.query(
            Query(
                unsafeSQL:
                    "select playbook, approver, \(checksum) as checksum, extract(epoch from now() - approved_at)::float8 as age from tollgate.approvals order by id"
            )
        ).rows {
            // Rows written before names were normalised are read the same way.
            guard let approver = Self.normalizedApprover(try row.decode("approver")) else {
                continue
            }
            state.approvals[try row.decode("playbook"), default: []].append(
                Approval(
                    approver: approver, playbookChecksum: try row.decodeIfPresent("checksum"),
                    // As an age on this server's clock, placed on ours: times from two
                    // servers are compared only through the clock that reads them both.
                    approvedAt: Date(
                        timeIntervalSinceNow: -(try row.decode("age", as: Double.self)))))
        }
        return state
    }

    /// An approver's name as the ledger counts it: trimmed, inner white space collapsed and
    /// case-folded, so `bob` and ` BOB ` are one person; nil for an empty name.
    public static func normalizedApprover(_ name: String) -> String? {
        let words = name.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        return words.joined(separator: " ").lowercased()
    }

    /// Playbooks that have succeeded here, in the order they first did.
    public func completedPlaybooks() throws -> [String] {
        guard try exists() else { return [] }
        return try db.query(Self.completedQuery).rows.map { try $0.decode("playbook") }
    }

    static let completedQuery: Query =
        "select playbook from tollgate.runs where outcome = 'succeeded' group by playbook order by min(finished_at)"

    /// What `status` shows of an existing ledger, in one round trip: the playbooks that have
    /// succeeded, in order (``completedPlaybooks()``), and the binding (``binding()``), read
    /// when `hasBinding` says `tollgate.binding` exists (version 4 and later).
    ///
    /// `leading` statements are sent first in the same round trip, and their results come back
    /// whatever becomes of the ledger's: its failure is the `rollout` result.
    /// - Throws: `PostgresError` when the exchange itself fails (a lost connection), or a
    ///   setting sent with it (``Connection/setSettingWithNextStatement(_:_:)``) fails.
    public func rollout(
        hasBinding: Bool, after leading: [Query] = []
    ) throws -> (
        rollout: Result<(completed: [String], binding: Binding?), any Error>,
        leading: [Result<QueryResult, PostgresError>]
    ) {
        let results = try db.pipeline(
            leading + [Self.completedQuery] + (hasBinding ? [Self.bindingQuery] : []))
        let own = results.dropFirst(leading.count)
        let rollout = Result { () throws -> (completed: [String], binding: Binding?) in
            let completed: [String] = try own[own.startIndex].get().rows.map {
                try $0.decode("playbook")
            }
            let binding =
                try hasBinding ? own[own.startIndex + 1].get().first.map(Binding.init(row:)) : nil
            return (completed, binding)
        }
        return (rollout, Array(results.prefix(leading.count)))
    }

    /// The steps of `playbook` whose last run held a strong lock longer than its budget.
    public func locksOverBudget(
        of playbook: String
    ) throws -> [(step: String, hold: LockHold, at: Date, run: Int64)] {
        guard try version() >= 5 else { return [] }
        return try db.query(
            """
            select step, lock_mode, lock_relations, lock_held_ms, lock_budget_ms, run_id,
                   extract(epoch from now() - coalesce(finished_at, started_at))::float8 as age
            from tollgate.step_runs
            where playbook = \(playbook) and lock_budget_ms is not null and lock_held_ms > lock_budget_ms order by step
            """
        ).rows.map { row in
            (
                try row.decode("step"),
                LockHold(
                    mode: try row.decode("lock_mode"), relations: try row.decode("lock_relations"),
                    heldMilliseconds: try row.decode("lock_held_ms"),
                    budgetMilliseconds: try row.decodeIfPresent("lock_budget_ms")),
                // An age on this server's clock, placed on ours (see `state()`).
                Date(timeIntervalSinceNow: -(try row.decode("age", as: Double.self))),
                try row.decode("run_id")
            )
        }
    }

    /// Who last ran each playbook successfully.
    public func lastRunBy() throws -> [String: String] {
        guard try exists() else { return [:] }
        var actors: [String: String] = [:]
        for row in try db.query(
            "select playbook, (array_agg(actor order by finished_at desc))[1] as actor from tollgate.runs where outcome = 'succeeded' group by playbook"
        ).rows {
            actors[try row.decode("playbook")] = try row.decode("actor")
        }
        return actors
    }

    // MARK: - Writing

    public func startRun(
        playbook: String, environment: String, actor: String, host: String
    ) throws -> Int64 {
        let id: Int64 = try db.query(
            "insert into tollgate.runs (playbook, environment, actor, host) values (\(playbook), \(environment), \(actor), \(host)) returning id"
        ).first!.decode("id")
        try event(run: id, playbook: playbook, step: nil, .started, actor: actor)
        return id
    }

    public func finishRun(_ id: Int64, outcome: RunOutcome) throws {
        try db.query(
            "update tollgate.runs set outcome = \(outcome.rawValue), finished_at = clock_timestamp() where id = \(id)"
        )
    }

    /// Records a step's state; for a transactional step, call inside the step's transaction.
    ///
    /// - Parameters:
    ///   - measuring: how the server measures the strongest lock the step held, as it records
    ///     the step (see ``LockMeasurement``); the hold goes to `measured` once the rows are
    ///     written. Without it, a finished step records no hold.
    ///   - withNextStatement: the rows go with the connection's next statement (a
    ///     transactional step's `COMMIT`) instead of in round trips of their own; a failure is
    ///     then that statement's error.
    public func recordStep(
        run: Int64, playbook: String, step: StepIdentity, status: StepStatus, error: String? = nil,
        output: String? = nil, measuring: LockMeasurement? = nil,
        measured: @escaping (LockHold?) -> Void = { _ in },
        actor: String, host: String, withNextStatement: Bool = false
    ) throws {
        let status = status.rawValue
        func send(_ query: Query) throws {
            try db.write(query, withNextStatement: withNextStatement)
        }
        try send(
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
        // A finished step replaces its lock record, so a rerun that held no strong lock does
        // not keep an earlier run's hold (and its over-budget gate).
        if status != StepStatus.started.rawValue, let measuring {
            // The hold, its record and the event that tells it, in one statement: the server
            // measures what it holds as the rows arrive, so no round trip of the client's
            // comes between the step's SQL and its COMMIT.
            let statement: Query = """
                with hold as (
                  -- The strongest of the modes that block writers held on a tenant table by
                  -- this transaction, the tables it is held on, and the transaction's time.
                  select l.mode::text as mode, array_agg(distinct n.nspname || '.' || c.relname) as relations,
                         (extract(epoch from clock_timestamp() - now()) * 1000)::bigint as held
                  from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
                  where l.pid = pg_backend_pid() and l.locktype = 'relation' and l.granted
                    and l.mode in ('AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock')
                    and (n.nspname || '.' || c.relname) = any(\(measuring.tables))
                  group by l.mode
                  order by array_position(array['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock'], l.mode::text)
                  limit 1),
                measured as (
                  select h.mode, h.relations, h.held,
                         case when h.mode is not null
                              then coalesce(\(measuring.budgetMilliseconds)::bigint,
                                            case when h.mode = 'AccessExclusiveLock' then 200 end)
                         end as budget
                  from (select) one left join hold h on true),
                recorded as (
                  update tollgate.step_runs set lock_mode = m.mode, lock_relations = m.relations,
                    lock_held_ms = m.held, lock_budget_ms = m.budget
                  from measured m where playbook = \(playbook) and step = \(step.id)),
                told as (
                  insert into tollgate.events (run_id, playbook, step, event, actor, detail)
                  select \(run), \(playbook), \(step.id), \(status), \(actor),
                         coalesce(\(error), 'held ' || m.mode || ' on ' || array_to_string(m.relations, ', ')
                                  || ' for ' || m.held || 'ms' || coalesce(' (budget ' || m.budget || 'ms)', ''))
                  from measured m)
                select mode, relations, held, budget from measured
                """
            let read = { (result: QueryResult) in
                let row = result.first
                measured(
                    try? row?.decodeIfPresent("mode", as: String.self).map { mode in
                        LockHold(
                            mode: mode, relations: try row!.decode("relations"),
                            heldMilliseconds: try row!.decode("held"),
                            budgetMilliseconds: try row!.decodeIfPresent("budget"))
                    })
            }
            if withNextStatement {
                db.sendWithNextStatement(statement, reading: read)
            } else {
                read(try db.query(statement))
            }
            return
        }
        if status != StepStatus.started.rawValue {
            try send(
                """
                update tollgate.step_runs set lock_mode = null, lock_relations = null,
                  lock_held_ms = null, lock_budget_ms = null
                where playbook = \(playbook) and step = \(step.id)
                """)
        }
        try event(
            run: run, playbook: playbook, step: step.id, LedgerEvent(rawValue: status)!,
            actor: actor, detail: error, withNextStatement: withNextStatement)
    }

    public func event(
        run: Int64?, playbook: String, step: String?, _ event: LedgerEvent, actor: String,
        detail: String? = nil, withNextStatement: Bool = false
    ) throws {
        let insert: Query =
            "insert into tollgate.events (run_id, playbook, step, event, actor, detail) values (\(run), \(playbook), \(step), \(event.rawValue), \(actor), \(detail))"
        try db.write(insert, withNextStatement: withNextStatement)
    }

    /// Accepts an edited step's new checksum without running it (`--accept-changed`), on the
    /// record.
    public func acceptChecksum(
        run: Int64, playbook: String, step: String, from recorded: String, to checksum: String,
        actor: String
    ) throws {
        try db.withTransaction { db in
            try db.query(
                "update tollgate.step_runs set checksum = \(checksum) where playbook = \(playbook) and step = \(step)"
            )
            try Ledger(db).event(
                run: run, playbook: playbook, step: step, .repaired, actor: actor,
                detail: "checksum \(recorded) → \(checksum)")
        }
    }

    /// Records as applied a step that Tollgate did not run (a migration the Supabase CLI
    /// applied, accepted as it is now), with the `repaired` event only: no `succeeded` event,
    /// so the playbook's soak does not start again for work that did not happen.
    public func adoptStep(
        run: Int64, playbook: String, step: StepIdentity, actor: String, host: String,
        detail: String
    ) throws {
        try db.withTransaction { db in
            try db.query(
                """
                insert into tollgate.step_runs
                  (playbook, step, run_id, kind, checksum, transactional, status, actor, host, started_at, finished_at)
                values (\(playbook), \(step.id), \(run), \(step.kind), \(step.checksum), \(step.transactional),
                        'succeeded', \(actor), \(host), clock_timestamp(), clock_timestamp())
                on conflict (playbook, step) do update set
                  run_id = excluded.run_id, checksum = excluded.checksum, status = 'succeeded', error = null,
                  actor = excluded.actor, host = excluded.host, finished_at = excluded.finished_at
                """)
            try Ledger(db).event(
                run: run, playbook: playbook, step: step.id, .repaired, actor: actor,
                detail: detail)
        }
    }

    /// A step's last recorded attempt: its status and error, if it ran.
    public func lastAttempt(
        playbook: String, step: String
    ) throws -> (status: StepStatus, error: String?)? {
        try db.query(
            "select status, error from tollgate.step_runs where playbook = \(playbook) and step = \(step)"
        )
        .first.map { (try $0.decode("status"), try $0.decodeIfPresent("error")) }
    }

    /// How long ago an in-doubt step (status `started`) started, on the database's clock;
    /// nil when it is not in doubt.
    public func startedAgo(playbook: String, step: String) throws -> Duration? {
        try db.query(
            """
            select (extract(epoch from clock_timestamp() - started_at) * 1000)::bigint as elapsed
            from tollgate.step_runs where playbook = \(playbook) and step = \(step) and status = 'started'
            """
        ).first.map { .milliseconds(max(0, try $0.decode("elapsed", as: Int64.self))) }
    }

    // MARK: - Backfill cursors

    /// Where a batched backfill stands: the next page to walk, the last page (the table's
    /// size when it started) and the rows changed so far.
    public struct BackfillCursor: Sendable, Equatable {
        public var nextPage: Int64
        public var lastPage: Int64
        public var rows: Int64
    }

    public func backfillCursor(playbook: String, step: String) throws -> BackfillCursor? {
        try db.query(
            "select next_page, last_page, rows_done from tollgate.backfill_cursors where playbook = \(playbook) and step = \(step)"
        ).first.map {
            BackfillCursor(
                nextPage: try $0.decode("next_page"), lastPage: try $0.decode("last_page"),
                rows: try $0.decode("rows_done"))
        }
    }

    public func startBackfill(
        playbook: String, step: String, relation: String, lastPage: Int64
    ) throws {
        try db.query(
            """
            insert into tollgate.backfill_cursors (playbook, step, relation, next_page, last_page)
            values (\(playbook), \(step), \(relation), 0, \(lastPage))
            """)
    }

    /// Moves the cursor; call inside the batch's transaction, so a batch is done exactly once.
    ///
    /// `nextPage` nil leaves the page walk where it is (the sweep). The cursor never moves back:
    /// batches on several connections commit in any order, each with the point the walk could
    /// resume from as it commits.
    public func advanceBackfill(
        playbook: String, step: String, nextPage: Int64?, rows: Int64
    ) throws {
        try db.query(
            """
            update tollgate.backfill_cursors set next_page = greatest(next_page, coalesce(\(nextPage), next_page)), rows_done = rows_done + \(rows),
              updated_at = clock_timestamp() where playbook = \(playbook) and step = \(step)
            """)
    }

    /// Records an approval of `playbook` as it is now; approving the same content twice is
    /// one approval, and approving after an edit renews it for the new content.
    /// - Returns: false when this approver had already approved this content (the approval is
    ///   renewed).
    /// - Throws: ``LedgerError/emptyApprover`` for a blank name.
    @discardableResult
    public func approve(playbook: Playbook, approver: String, note: String?) throws -> Bool {
        guard let approver = Self.normalizedApprover(approver) else {
            throw LedgerError.emptyApprover
        }
        let checksum = playbook.contentChecksum
        return try db.withTransaction { db in
            // Approving again renews the approval's time (a lock over budget on the previous
            // environment needs an approval given after it); it is new only for new content.
            let added: Bool = try db.query(
                """
                with old as (
                  select playbook_checksum from tollgate.approvals
                  where playbook = \(playbook.name) and approver = \(approver)
                )
                insert into tollgate.approvals (playbook, approver, note, playbook_checksum)
                values (\(playbook.name), \(approver), \(note), \(checksum))
                on conflict (playbook, approver) do update
                  set playbook_checksum = excluded.playbook_checksum,
                      note = case when tollgate.approvals.playbook_checksum is distinct from excluded.playbook_checksum
                                  then excluded.note else coalesce(excluded.note, tollgate.approvals.note) end,
                      approved_at = clock_timestamp()
                returning not exists (select from old where old.playbook_checksum is not distinct from \(checksum)) as added
                """
            ).first!.decode("added")
            try Ledger(db).event(
                run: nil, playbook: playbook.name, step: nil, .approved, actor: approver,
                detail: added ? note : "renewed" + (note.map { ": \($0)" } ?? ""))
            return added
        }
    }

    // MARK: - Binding

    /// Which environment this ledger belongs to, and the database it was bound in.
    public struct Binding: Sendable, Equatable {
        public var environment: String
        public var identity: DatabaseIdentity
        public var boundAt: Date
        public var boundBy: String

        /// A row of ``Ledger/bindingQuery``.
        init(row: Row) throws {
            environment = try row.decode("environment")
            identity = DatabaseIdentity(
                systemIdentifier: try row.decodeIfPresent("system_identifier"),
                database: try row.decode("database"))
            boundAt = try row.decode("bound_at")
            boundBy = try row.decode("bound_by")
        }
    }

    /// The database this connection reached: its cluster's `system_identifier` (when the role may
    /// read `pg_control_system()`) and its name.
    ///
    /// A restored copy has another cluster; a URL pointing at another environment has another name.
    public struct DatabaseIdentity: Sendable, Equatable, CustomStringConvertible {
        public var systemIdentifier: String?
        public var database: String

        public var description: String {
            "database \(database)" + (systemIdentifier.map { " of cluster \($0)" } ?? "")
        }

        /// Whether two readings name the same database: same name, and the same cluster
        /// where both readings could see it (one role may read `pg_control_system()` and
        /// another not).
        public func matches(_ other: DatabaseIdentity) -> Bool {
            guard database == other.database else { return false }
            guard let mine = systemIdentifier, let theirs = other.systemIdentifier else {
                return true
            }
            return mine == theirs
        }
    }

    public func identity() throws -> DatabaseIdentity {
        let row = try db.query(
            """
            select current_database()::text as database,
                   case when has_function_privilege('pg_catalog.pg_control_system()', 'execute')
                        then (select system_identifier::text from pg_catalog.pg_control_system()) end as system_identifier
            """
        ).first!
        return DatabaseIdentity(
            systemIdentifier: try row.decodeIfPresent("system_identifier"),
            database: try row.decode("database"))
    }

    /// The binding, or nil when the ledger is older than version 4 or was never bound.
    public func binding() throws -> Binding? {
        guard try version() >= 4, let row = try db.query(Self.bindingQuery).first else {
            return nil
        }
        return try Binding(row: row)
    }

    static let bindingQuery: Query =
        "select environment, system_identifier, database, bound_at, bound_by from tollgate.binding"

    /// Creates or upgrades the ledger, binds it to `environment` on first use, and refuses
    /// when it belongs to another environment or was bound in another database: every write
    /// goes through here first.
    /// - Throws: ``LedgerError/boundElsewhere`` (exit 2), or `PostgresError`.
    public func open(for environment: Environment, actor: String) throws {
        try install()
        let current = try identity()
        if try binding() == nil {
            // A ledger older than the binding records which environment ran here: the first
            // write binds it only to that one, never to whichever environment writes first.
            let others: [String] = try db.query(
                "select distinct environment from tollgate.runs where environment <> \(environment.name) order by 1"
            ).rows.map { try $0.decode("environment") }
            if let other = others.first {
                throw LedgerError.recordsOtherEnvironment(
                    environment: environment.name, setting: environment.connectionSetting,
                    other: other)
            }
            // Two first writers at once: the singleton key lets one insert; both then read it.
            try db.withTransaction { db in
                let inserted =
                    try db.query(
                        """
                        insert into tollgate.binding (environment, system_identifier, database, bound_by)
                        values (\(environment.name), \(current.systemIdentifier), \(current.database), \(actor))
                        on conflict (singleton) do nothing
                        """
                    ).affectedRows ?? 0
                if inserted > 0 {
                    try Ledger(db).event(
                        run: nil, playbook: "(ledger)", step: nil, .bound, actor: actor,
                        detail: "bound to environment \(environment.name), \(current)")
                }
            }
        }
        guard let binding = try binding() else { return }
        guard binding.environment == environment.name, binding.identity.matches(current) else {
            throw LedgerError.boundElsewhere(
                environment: environment.name, setting: environment.connectionSetting,
                binding: binding, found: current)
        }
    }

    /// Binds the ledger to `environment` and this database on purpose (a restored copy, a
    /// renamed environment), with the old binding in the event's detail.
    public func rebind(to environment: Environment, actor: String, note: String?) throws -> Binding?
    {
        try install()
        let current = try identity()
        return try db.withTransaction { db in
            let ledger = Ledger(db)
            let old = try ledger.binding()
            try db.query("delete from tollgate.binding")
            try ledger.writeBinding(environment.name, current, actor: actor)
            let was =
                old.map { "was environment \($0.environment), \($0.identity)" } ?? "was not bound"
            try ledger.event(
                run: nil, playbook: "(ledger)", step: nil, .rebound, actor: actor,
                detail: "bound to environment \(environment.name), \(current); \(was)"
                    + (note.map { "; \($0)" } ?? ""))
            return old
        }
    }

    func writeBinding(_ environment: String, _ identity: DatabaseIdentity, actor: String) throws {
        try db.query(
            """
            insert into tollgate.binding (environment, system_identifier, database, bound_by)
            values (\(environment), \(identity.systemIdentifier), \(identity.database), \(actor))
            """)
    }

    /// An object as a step left it (ledger version 3 and later).
    public struct SchemaEffect: Sendable, Codable, Equatable {
        public var playbook: String
        public var step: String
        /// The Supabase migration version the step recorded, if any.
        public var migration: String?
        public var kind: ObjectKind
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
                playbook: try row.decode("playbook"), step: try row.decode("step"),
                migration: try row.decodeIfPresent("migration"),
                kind: try row.decode("kind"), object: try row.decode("object"),
                description: try row.decodeIfPresent("description"))
        }
    }

    /// One line of `tollgate history`.
    public struct Event: Sendable, Codable, Equatable {
        public var at: Date
        public var run: Int64?
        public var playbook: String
        public var step: String?
        public var event: LedgerEvent
        public var actor: String
        public var detail: String?
    }

    public func events(limit: Int = 200) throws -> [Event] {
        guard try exists() else { return [] }
        return try db.query(
            "select at, run_id, playbook, step, event, actor, detail from tollgate.events order by id desc limit \(limit)"
        ).rows.reversed().map { row in
            Event(
                at: try row.decode("at"), run: try row.decodeIfPresent("run_id"),
                playbook: try row.decode("playbook"),
                step: try row.decodeIfPresent("step"), event: try row.decode("event"),
                actor: try row.decode("actor"),
                detail: try row.decodeIfPresent("detail"))
        }
    }
}
