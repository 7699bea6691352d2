import Foundation
import PostgresClient

/// Why a run stopped.
public enum RunError: TollgateError {
    /// Another runner holds the environment's lock.
    case lockBusy(environment: String, holder: String)
    /// A gate does not hold, or a step changed since it ran.
    case blocked(Plan)
    /// A step failed; nothing after it ran.
    case stepFailed(environment: String, playbook: String, step: String, error: String)
    /// A suite step or an after-gate suite failed.
    case checkFailed(environment: String, playbook: String, suite: String, firstFailure: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .lockBusy, .blocked, .checkFailed: return .blocked
        case .stepFailed: return .stepFailed
        }
    }

    public var description: String {
        switch self {
        case .lockBusy(let environment, let holder):
            return "blocked by another tollgate run on \(environment) (\(holder)); try again later or pass --wait DURATION"
        case .blocked(let plan):
            var lines = ["\(plan.playbook) is blocked on \(plan.environment):"]
            for gate in plan.blockingGates {
                lines.append("  gate '\(gate.name)': \(gate.detail)" + (gate.unblock.map { " — \($0)" } ?? ""))
            }
            for step in plan.changedSteps {
                lines.append("  step '\(step.id)' changed since it ran (checksum differs); review it, then pass --accept-changed to record the change")
            }
            return lines.joined(separator: "\n")
        case .stepFailed(let environment, let playbook, let step, let error):
            return "step '\(step)' of \(playbook) failed on \(environment): \(error)"
        case .checkFailed(let environment, let playbook, let suite, let firstFailure):
            return "suite '\(suite)' failed on \(environment) during \(playbook): \(firstFailure)"
        }
    }
}

/// Runs a playbook on one environment, after Sqitch's deploy: take the lock, check every
/// gate first, then per step begin, apply, write the ledger row, commit, print `ok`; on a
/// failure record it and stop.
public struct PlaybookRunner {
    public struct Options: Sendable {
        public var actor: String
        public var host: String
        /// How long to wait for another runner's lock; zero refuses at once.
        public var wait: Duration
        public var acceptChanged: Bool
        /// False for a rehearsal: gates are evaluated and recorded, but steps run anyway.
        public var enforceGates: Bool
        /// True for a rehearsal's schema-only copy: data checks and probes there are not
        /// applicable.
        public var schemaOnly = false
        public var now: @Sendable () -> Date
        /// How a `wait` step waits; tests pass one that records instead of sleeping.
        public var sleep: @Sendable (Duration) -> Void

        public init(
            actor: String, host: String, wait: Duration = .zero, acceptChanged: Bool = false, enforceGates: Bool = true,
            now: @escaping @Sendable () -> Date = Date.init,
            sleep: @escaping @Sendable (Duration) -> Void = PlaybookRunner.sleep
        ) {
            self.actor = actor
            self.host = host
            self.wait = wait
            self.acceptChanged = acceptChanged
            self.enforceGates = enforceGates
            self.now = now
            self.sleep = sleep
        }
    }

    /// Sleeps for any duration: `Thread.sleep` takes seconds as a `Double`, so nothing
    /// overflows the way `usleep`'s 32-bit microseconds did after 71.6 minutes.
    public static let sleep: @Sendable (Duration) -> Void = { duration in
        Thread.sleep(forTimeInterval: seconds(duration))
    }

    /// A duration in seconds, whole and fractional, for any length.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    let project: Project
    let options: Options
    let output: (String) -> Void
    let progress: (BackfillProgress) -> Void

    /// - Parameters:
    ///   - output: one line per step and gate.
    ///   - progress: called after every backfill batch; the caller decides how often to show it.
    public init(
        project: Project, options: Options,
        progress: @escaping (BackfillProgress) -> Void = { _ in }, output: @escaping (String) -> Void
    ) {
        self.project = project
        self.options = options
        self.output = output
        self.progress = progress
    }

    /// Computes the plan and changes nothing: a missing ledger reads as empty, and
    /// before-gate suites run read-only.
    public func plan(_ playbook: Playbook, on environment: Environment) throws -> Plan {
        let db = try environment.connect()
        return try plan(playbook, on: environment, db: db)
    }

    func plan(_ playbook: Playbook, on environment: Environment, db: Connection) throws -> Plan {
        let state = try Ledger(db).state()
        var suiteResults: [String: (passed: Bool, firstFailure: String?)] = [:]
        var snapshot: CatalogSnapshot?
        if !playbook.gates.before.isEmpty {
            let loaded = try CatalogSnapshot.load(from: db)
            snapshot = loaded
            for name in playbook.gates.before {
                let run = try CheckRunner(project: project, schemaOnly: options.schemaOnly).run(
                    try project.suite(named: name), on: db, environment: environment.name, snapshot: loaded)
                suiteResults[name] = (run.passed, run.failures.first.map(describe))
            }
        }
        // Upstream suites run on every earlier environment, read-only, through its own connection.
        var upstream: [(suite: String, environment: String, passed: Bool, firstFailure: String?)] = []
        for earlier in project.environments where earlier.order < environment.order && !playbook.gates.upstream.isEmpty {
            let report = CheckRunner(project: project).run(try playbook.gates.upstream.map { try project.suite(named: $0) }, on: earlier)
            if let error = report.error {
                for suite in playbook.gates.upstream { upstream.append((suite, earlier.name, false, "cannot check: \(error)")) }
            }
            for run in report.suites { upstream.append((run.suite, earlier.name, run.passed, run.failures.first.map(describe))) }
        }
        var plan = Planner.plan(
            playbook, on: environment, ledger: state, previous: try previous(of: environment, for: playbook),
            suiteResults: suiteResults, now: options.now(), acceptChanged: options.acceptChanged, upstreamResults: upstream)
        // A database with none of the application's tables: say so before any suite's advice.
        if let snapshot, let foreign = CheckRunner(project: project).notThisApplication(snapshot, environment: environment, endpoint: db.endpoint) {
            plan.gates.insert(
                Plan.Gate(name: "this application's database", passed: false, detail: foreign, unblock: "check \(environment.connectionSetting)"), at: 0)
        }
        return plan
    }

    /// The previous environment's last success of `playbook`, read from its ledger, or why
    /// that ledger is no evidence for `environment`: an earlier environment that resolves to
    /// the local sandbox while this one does not, or a database whose ledger belongs to
    /// another environment.
    func previous(of environment: Environment, for playbook: Playbook) throws -> Planner.Previous? {
        guard playbook.gates.promotion, let previous = project.previous(of: environment) else { return nil }
        if !environment.pointsAtSandbox {
            let sandboxed = project.environments.filter { $0.order < environment.order && $0.pointsAtSandbox }
            if !sandboxed.isEmpty {
                return Planner.Previous(
                    name: previous.name, lastSuccess: nil,
                    problem: "\(sandboxed.map(\.name).joined(separator: " and ")) \(sandboxed.count == 1 ? "points" : "point") at the local sandbox, "
                        + "which is no evidence for \(environment.name)",
                    unblock: "set \(sandboxed.map(\.connectionSetting).joined(separator: " and ")) to the real database\(sandboxed.count == 1 ? "" : "s")")
            }
        }
        let ledger = Ledger(try previous.connect())
        if let binding = try ledger.binding(), binding.environment != previous.name {
            return Planner.Previous(
                name: previous.name, lastSuccess: nil,
                problem: "the database \(previous.name) points at holds the ledger of \(binding.environment)",
                unblock: "check \(previous.connectionSetting)")
        }
        return Planner.Previous(name: previous.name, lastSuccess: try ledger.state().lastSuccess[playbook.name])
    }

    /// Runs `playbook` on `environment`.
    /// - Throws: ``RunError`` (blocked, lock busy, step failed), `ConnectionError`.
    @discardableResult
    public func run(_ playbook: Playbook, on environment: Environment) throws -> Plan {
        // The lock lives on its own idle connection: an idle session holding only an
        // advisory lock has no snapshot, so CREATE INDEX CONCURRENTLY on the work connection
        // never waits for it.
        let lock = try environment.connect()
        do {
            try lock.advisoryLock(key: Ledger.runnerLockKey, timeout: options.wait) { holder in
                output("blocked by another tollgate run on \(environment.name) (\(holder)); waiting up to \(DurationParser.format(options.wait))")
            }
        } catch let error as PostgresError where error.kind == .client {
            throw RunError.lockBusy(
                environment: environment.name,
                holder: ((try? lock.advisoryLockHolder(key: Ledger.runnerLockKey)) ?? nil) ?? "another session")
        }
        defer { _ = try? lock.advisoryUnlock(key: Ledger.runnerLockKey) }

        let db = try environment.connect()
        let ledger = Ledger(db)
        try ledger.open(for: environment, actor: options.actor)
        let plan = try plan(playbook, on: environment, db: db)
        for gate in plan.gates {
            try ledger.event(
                run: nil, playbook: playbook.name, step: nil, gate.passed ? "gate_passed" : "gate_failed",
                actor: options.actor, detail: "\(gate.name): \(gate.detail)")
        }
        if plan.isBlocked && options.enforceGates { throw RunError.blocked(plan) }

        // The environment's variables reach step SQL as session settings, read with
        // current_setting('tollgate.<name>'): values never enter the SQL text, so checksums
        // stay the same across environments.
        for (name, value) in environment.variables.sorted(by: { $0.key < $1.key }) {
            try db.setSetting("tollgate.\(name)", value)
        }
        let run = try ledger.startRun(playbook: playbook.name, environment: environment.name, actor: options.actor, host: options.host)
        let hasSupabase: Bool = try db.query(
            "select to_regclass('supabase_migrations.schema_migrations') is not null as present").first!.decode("present")
        let effects = SchemaEffectsRecorder()
        do {
            for (step, planned) in zip(playbook.steps, plan.steps) {
                let label = "\(playbook.name)/\(step.id)"
                if planned.disposition == .alreadyApplied {
                    if options.acceptChanged, let checksum = step.checksum,
                        let recorded = try ledger.state().record(playbook.name, step.id)?.checksum, recorded != checksum
                    {
                        try db.query("update tollgate.step_runs set checksum = \(checksum) where playbook = \(playbook.name) and step = \(step.id)")
                        try ledger.event(run: run, playbook: playbook.name, step: step.id, "repaired", actor: options.actor, detail: "checksum \(recorded) → \(checksum)")
                        output("  ~ \(label) .. changed since it ran; recorded as repaired")
                    } else {
                        output("  = \(label) .. already applied")
                    }
                    continue
                }
                let clock = ContinuousClock()
                let started = clock.now
                do {
                    try execute(step, playbook: playbook, environment: environment, run: run, db: db, supabase: hasSupabase, effects: effects)
                } catch let error as PostgresError {
                    // Whatever a step's own work raised is that step's failure (exit 4).
                    throw RunError.stepFailed(environment: environment.name, playbook: playbook.name, step: step.id, error: error.explained)
                }
                output("  + \(label) .. ok (\(milliseconds(clock.now - started)))")
            }
            for suite in playbook.gates.after {
                let outcome = try runSuite(suite, db: db, environment: environment)
                if !outcome.passed {
                    throw RunError.checkFailed(environment: environment.name, playbook: playbook.name, suite: suite, firstFailure: outcome.firstFailure ?? "?")
                }
                output("  ✓ after: suite \(suite) passed" + outcome.notApplicableNote)
            }
            try ledger.finishRun(run, outcome: "succeeded")
            try ledger.event(run: run, playbook: playbook.name, step: nil, "succeeded", actor: options.actor)
        } catch {
            _ = try? ledger.finishRun(run, outcome: "failed")
            _ = try? ledger.event(run: run, playbook: playbook.name, step: nil, "failed", actor: options.actor, detail: "\(error)")
            throw error
        }
        return plan
    }

    func execute(
        _ step: Playbook.Step, playbook: Playbook, environment: Environment, run: Int64, db: Connection, supabase: Bool,
        effects: SchemaEffectsRecorder
    ) throws {
        let ledger = Ledger(db)
        func fail(_ message: String) -> RunError {
            .stepFailed(environment: environment.name, playbook: playbook.name, step: step.id, error: message)
        }
        switch step.action {
        case .migration, .sql:
            let sql: String
            var migration: (version: String, name: String)?
            if case .migration(_, let version, let name, let text) = step.action {
                sql = text
                migration = (version, name)
            } else if case .sql(let text) = step.action {
                sql = text
            } else {
                return
            }
            do {
                try effects.prepare(db)
                try withLockRetries(step) {
                    if step.transactional {
                        // The step and its ledger row commit together: it happened exactly
                        // once, or not at all.
                        try db.withTransaction { db in
                            try db.setSetting("lock_timeout", String(step.lockTimeoutMilliseconds), local: true)
                            try db.execute(script: sql)
                            try effects.record(run: run, playbook: playbook.name, step: step.id, sql: sql, migration: migration?.version, db: db)
                            if supabase, let migration {
                                try db.query(
                                    """
                                    insert into supabase_migrations.schema_migrations (version, name, statements)
                                    values (\(migration.version), \(migration.name), \([sql])) on conflict (version) do nothing
                                    """)
                            }
                            try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "succeeded", actor: options.actor, host: options.host)
                        }
                        effects.committed()
                    } else {
                        // Hazard: an interruption between 'started' and 'succeeded' leaves the
                        // step in doubt; it is rerunnable (validated at load), so it runs again.
                        try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "started", actor: options.actor, host: options.host)
                        try db.setLockTimeout(.milliseconds(step.lockTimeoutMilliseconds))
                        defer { _ = try? db.setLockTimeout(nil) }
                        try db.execute(script: sql)
                        try effects.record(run: run, playbook: playbook.name, step: step.id, sql: sql, migration: migration?.version, db: db)
                        effects.committed()
                        try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "succeeded", actor: options.actor, host: options.host)
                    }
                }
            } catch let error as PostgresError {
                effects.reset()
                if error.kind == .connectionLost { throw fail(error.summary + " (connection lost; run again to resume)") }
                _ = try? ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "failed", error: error.summary, actor: options.actor, host: options.host)
                throw fail(error.summary + (error.hint.map { " (hint: \($0))" } ?? ""))
            }
        case .suite(let name):
            let outcome = try runSuite(name, db: db, environment: environment)
            guard outcome.passed else {
                _ = try? ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "failed", error: outcome.firstFailure, actor: options.actor, host: options.host)
                throw RunError.checkFailed(environment: environment.name, playbook: playbook.name, suite: name, firstFailure: outcome.firstFailure ?? "?")
            }
            try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "succeeded", actor: options.actor, host: options.host)
        case .shell(let command):
            try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "started", actor: options.actor, host: options.host)
            try effects.prepare(db)
            var variables = ProcessInfo.processInfo.environment
            variables["TOLLGATE_ENVIRONMENT"] = environment.name
            variables["TOLLGATE_PLAYBOOK"] = playbook.name
            variables["TOLLGATE_STEP"] = step.id
            variables["TOLLGATE_DATABASE_URL"] = environment.connection.rawValue
            let result = try ProcessRunner().run("/bin/sh", ["-c", command], environment: variables, directory: project.root.path)
            let captured = String(Redaction.scrub(result.combined, secrets: Redaction.passwords(in: environment.connection.rawValue)).suffix(8000))
            guard result.status == 0 else {
                _ = try? ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "failed", error: "exit \(result.status)", output: captured, actor: options.actor, host: options.host)
                throw fail("the command exited \(result.status): \(captured.split(separator: "\n").last.map(String.init) ?? "")")
            }
            try effects.record(run: run, playbook: playbook.name, step: step.id, sql: nil, migration: nil, db: db)
            effects.committed()
            try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "succeeded", output: captured, actor: options.actor, host: options.host)
        case .backfill(let backfill):
            // Long steps: whatever changes meanwhile is not the next step's doing.
            effects.reset()
            try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "started", actor: options.actor, host: options.host)
            do {
                let rows = try BackfillRunner(
                    db: db, backfill: backfill, playbook: playbook.name, step: step, progress: progress,
                    retry: { body in try withLockRetries(step, body) }
                ).run()
                try ledger.recordStep(
                    run: run, playbook: playbook.name, step: step, status: "succeeded", output: "\(rows) rows", actor: options.actor,
                    host: options.host)
            } catch let error as PostgresError {
                if error.kind == .connectionLost { throw fail(error.summary + " (connection lost; run again to resume)") }
                _ = try? ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "failed", error: error.summary, actor: options.actor, host: options.host)
                throw fail(error.summary)
            }
        case .wait(let duration):
            effects.reset()
            // An interrupted wait resumes from when it started (the ledger's 'started' row,
            // measured on the database's clock), not from zero.
            let resumed = try db.query(
                """
                select (extract(epoch from clock_timestamp() - started_at) * 1000)::bigint as elapsed
                from tollgate.step_runs where playbook = \(playbook.name) and step = \(step.id) and status = 'started'
                """
            ).first
            var elapsed = Duration.zero
            if let resumed {
                elapsed = .milliseconds(max(0, try resumed.decode("elapsed", as: Int64.self)))
            } else {
                try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "started", actor: options.actor, host: options.host)
            }
            if elapsed < duration {
                let remaining = duration - elapsed
                output("  … \(step.id): waiting \(DurationParser.format(.seconds(remaining.components.seconds)))"
                    + (resumed != nil ? " more (resumed: it started \(DurationParser.format(.seconds(elapsed.components.seconds))) ago)" : ""))
                options.sleep(remaining)
            }
            try ledger.recordStep(run: run, playbook: playbook.name, step: step, status: "succeeded", actor: options.actor, host: options.host)
        }
    }

    /// Retries `body` with backoff when it fails on `lock_timeout` (55P03): a busy table
    /// makes the step wait its turn in short tries instead of queueing writers behind it.
    func withLockRetries(_ step: Playbook.Step, _ body: () throws -> Void) throws {
        var attempt = 0
        while true {
            do {
                try body()
                return
            } catch let error as PostgresError where error.isLockNotAvailable && attempt < step.retries {
                attempt += 1
                let pause = min(200 * (1 << attempt), 5000)
                output("  … \(step.id): lock not available, retry \(attempt) of \(step.retries) in \(pause)ms")
                usleep(useconds_t(pause * 1000))
            }
        }
    }


    func runSuite(_ name: String, db: Connection, environment: Environment)
        throws -> (passed: Bool, firstFailure: String?, notApplicableNote: String)
    {
        let snapshot = try CatalogSnapshot.load(from: db)
        let run = try CheckRunner(project: project, schemaOnly: options.schemaOnly).run(
            try project.suite(named: name), on: db, environment: environment.name, snapshot: snapshot)
        let notApplicable = run.results.filter { $0.outcome == .notApplicable }.count
        let note = notApplicable == 0 ? "" : " (\(notApplicable) data checks and probes not applicable: a rehearsal copies the schema, not the rows)"
        return (run.passed, run.failures.first.map(describe), note)
    }

    func describe(_ result: CheckResult) -> String {
        "\(result.check)\(result.subject.map { " on \($0)" } ?? ""): \(result.found ?? "failed")"
    }

    func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        return ms < 1000 ? String(format: "%.0fms", ms) : String(format: "%.1fs", ms / 1000)
    }
}
