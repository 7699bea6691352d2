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
            return
                "blocked by another tollgate run on \(environment) (\(holder)); try again later or pass --wait DURATION"
        case .blocked(let plan):
            var lines = ["\(plan.playbook) is blocked on \(plan.environment):"]
            for gate in plan.blockingGates {
                lines.append(
                    "  gate '\(gate.name)': \(gate.detail)"
                        + (gate.unblock.map { " — \($0)" } ?? ""))
            }
            for step in plan.changedSteps {
                lines.append(
                    "  step '\(step.id)' changed since it ran (checksum differs); review it, then pass --accept-changed to record the change"
                )
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
        /// What one command over a fleet reads once for all its members.
        ///
        /// The earlier environments' upstream suites, a previous fleet's evidence. Nil reads
        /// them afresh each time, as a long-lived caller whose databases change between plans
        /// needs.
        public var memo: Memo?

        public init(
            actor: String, host: String, wait: Duration = .zero, acceptChanged: Bool = false,
            enforceGates: Bool = true,
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

    /// How a `wait` step sleeps unless a test says otherwise.
    public static let sleep: @Sendable (Duration) -> Void = { sleepThread(for: $0) }

    /// A duration in seconds, whole and fractional, for any length.
    public static func seconds(_ duration: Duration) -> Double { DurationParser.seconds(duration) }

    let project: Project
    let options: Options
    let emit: (RunEvent) -> Void

    /// - Parameter events: what happens, as it happens (step lines, backfill progress).
    public init(project: Project, options: Options, events: @escaping (RunEvent) -> Void = { _ in })
    {
        self.project = project
        self.options = options
        self.emit = events
    }

    /// What a run would do, read-only: no actor, no lock, no ledger written.
    /// - Parameter memo: shared by the plans of one command over a fleet (see ``Options/memo``).
    public static func plan(
        _ playbook: Playbook, on environment: Environment, project: Project, memo: Memo? = nil
    ) throws -> Plan {
        var options = Options(actor: "", host: "")
        options.memo = memo
        return try PlaybookRunner(project: project, options: options).plan(
            playbook, on: environment)
    }

    /// `make`'s value, once per ``Options/memo`` when there is one.
    func once<Value: Sendable>(_ key: String, _ make: () throws -> Value) throws -> Value {
        guard let memo = options.memo else { return try make() }
        return try memo.value(for: key, make)
    }

    /// Computes the plan and changes nothing: a missing ledger reads as empty, and
    /// before-gate suites run read-only.
    public func plan(_ playbook: Playbook, on environment: Environment) throws -> Plan {
        let db = try environment.connect()
        return try plan(playbook, on: environment, db: db)
    }

    func plan(_ playbook: Playbook, on environment: Environment, db: Connection) throws -> Plan {
        try planAndHistory(playbook, on: environment, db: db).plan
    }

    /// An upstream suite's result on one earlier environment.
    struct UpstreamResult: Sendable {
        var suite: String
        var passed: Bool
        var firstFailure: String?
    }

    /// The plan, and the Supabase CLI's history it was made with (a run needs it again).
    func planAndHistory(
        _ playbook: Playbook, on environment: Environment, db: Connection
    ) throws -> (plan: Plan, history: [String: Planner.CLIEntry]) {
        let state = try Ledger(db).state()
        var suiteResults: [String: (passed: Bool, firstFailure: String?)] = [:]
        var snapshot: CatalogSnapshot?
        if !playbook.gates.before.isEmpty {
            let loaded = try CatalogSnapshot.load(from: db)
            snapshot = loaded
            for name in playbook.gates.before {
                let run = try CheckRunner(project: project, schemaOnly: options.schemaOnly).run(
                    try project.suite(named: name), on: db, environment: environment.name,
                    snapshot: loaded)
                suiteResults[name] = (run.passed, run.failures.first.map(Self.describe))
            }
        }
        // Upstream suites run on every earlier environment, read-only, through its own connection.
        var upstream: [(suite: String, environment: String, passed: Bool, firstFailure: String?)] =
            []
        let earlier =
            playbook.gates.upstream.isEmpty
            ? []
            : try project.environments.filter { $0.order < environment.order }.flatMap {
                try project.members(of: $0)
            }
        for earlier in earlier {
            // Once per command: every member of a fleet plans against the same earlier ones.
            let results: [UpstreamResult] = try once(
                "upstream\u{0}\(earlier.name)\u{0}\(playbook.gates.upstream.joined(separator: ","))"
            ) {
                let report = CheckRunner(project: project).run(
                    try playbook.gates.upstream.map { try project.suite(named: $0) }, on: earlier)
                var results: [UpstreamResult] = []
                if let error = report.error {
                    for suite in playbook.gates.upstream {
                        results.append(
                            .init(
                                suite: suite, passed: false, firstFailure: "cannot check: \(error)")
                        )
                    }
                }
                for run in report.suites {
                    results.append(
                        .init(
                            suite: run.suite, passed: run.passed,
                            firstFailure: run.failures.first.map(Self.describe)))
                }
                return results
            }
            for result in results {
                upstream.append((result.suite, earlier.name, result.passed, result.firstFailure))
            }
        }
        let history = try Self.supabaseHistory(for: playbook, db: db)
        var plan = Planner.plan(
            playbook, on: environment, ledger: state,
            previous: try previous(of: environment, for: playbook),
            suiteResults: suiteResults, now: options.now(), acceptChanged: options.acceptChanged,
            upstreamResults: upstream, supabaseHistory: history)
        if let gate = unknownVersions(in: history, for: playbook) { plan.gates.append(gate) }
        // A database with none of the application's tables: say so before any suite's advice.
        if let snapshot,
            let foreign = CheckRunner(project: project).notThisApplication(
                snapshot, environment: environment, endpoint: db.endpoint)
        {
            plan.gates.insert(
                Plan.Gate(
                    name: "this application's database", passed: false, detail: foreign,
                    unblock: "check \(environment.connectionSetting)"), at: 0)
        }
        return (plan, history)
    }

    /// The Supabase CLI's history (version → statements) when the playbook applies a Supabase
    /// migrations folder and the history exists; empty otherwise.
    static func supabaseHistory(
        for playbook: Playbook, db: Connection
    ) throws -> [String: Planner.CLIEntry] {
        guard playbook.steps.contains(where: { ($0.action as? MigrationStep)?.folder != nil })
        else { return [:] }
        let columns = try SupabaseHistoryTable.columns(on: db)
        guard !columns.isEmpty else { return [:] }
        // A history older than the CLI's `statements` and `name` columns says only what was
        // applied.
        let statements =
            columns.contains("statements")
            ? "statements is null as unknown, coalesce(statements, '{}') as statements"
            : "true as unknown, '{}'::text[] as statements"
        let name = columns.contains("name") ? "coalesce(name, '')" : "''"
        var history: [String: Planner.CLIEntry] = [:]
        for row in try db.query(
            Query(
                unsafeSQL:
                    "select version, \(name) as name, \(statements) from supabase_migrations.schema_migrations"
            )
        ).rows {
            history[try row.decode("version")] = Planner.CLIEntry(
                name: try row.decode("name"),
                statements: try row.decode("unknown", as: Bool.self)
                    ? nil : try row.decode("statements", as: [String].self))
        }
        return history
    }

    /// Versions the CLI's history holds that no migration file of the project has.
    ///
    /// A file renamed or deleted after it was applied. `supabase db push` refuses to go on; so does a
    /// playbook that applies a migrations folder, since the renamed file would run again.
    func unknownVersions(
        in history: [String: Planner.CLIEntry], for playbook: Playbook
    ) -> Plan.Gate? {
        guard playbook.steps.contains(where: { ($0.action as? MigrationStep)?.folder != nil })
        else { return nil }
        let known = Set(
            project.playbooks.flatMap(\.steps).compactMap { ($0.action as? MigrationStep)?.version }
        )
        let unknown = history.keys.filter { !known.contains($0) }.sorted()
        guard !unknown.isEmpty else { return nil }
        let named = unknown.map { version in
            [version, history[version]?.name ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        }
        // A file of the same name under another version was renamed: recording only that the
        // old one is gone would run it again under its new version.
        let files = playbook.steps.compactMap { $0.action as? MigrationStep }
        let renamed = unknown.compactMap { version -> (old: String, new: String)? in
            guard let name = history[version]?.name, !name.isEmpty,
                let file = files.first(where: { $0.name == name && history[$0.version] == nil })
            else { return nil }
            return (version, file.version)
        }
        let unblock =
            renamed.isEmpty
            ? "restore the file under its name, or record that it is gone: supabase migration repair --status reverted \(unknown.prefix(3).joined(separator: " "))"
            : "if it was renamed, record both: "
                + renamed.map {
                    "supabase migration repair --status reverted \($0.old) && supabase migration repair --status applied \($0.new)"
                }.joined(separator: "; ")
                + " (else restore the file under its old name)"
        return Plan.Gate(
            name: "migration history", passed: false,
            detail:
                "supabase_migrations.schema_migrations holds \(named.prefix(3).joined(separator: ", "))\(named.count > 3 ? " +\(named.count - 3) more" : ""), which no migration file has (renamed or deleted after it was applied?); `supabase db push` refuses this too",
            unblock: unblock)
    }

    /// The previous environment's last success of `playbook`, read from its ledger, or why
    /// that ledger is no evidence for `environment`: an earlier environment that resolves to
    /// the local sandbox while this one does not, or a database whose ledger belongs to
    /// another environment.
    func previous(of environment: Environment, for playbook: Playbook) throws -> Planner.Previous? {
        guard playbook.gates.promotion, let previous = project.previous(of: environment) else {
            return nil
        }
        if !environment.pointsAtSandbox {
            // The previous environment's members are read (they are the evidence); an earlier
            // fleet's query is not, so that a control plane elsewhere cannot stop this plan.
            let sandboxed = try project.environments.filter { $0.order < environment.order }
                .flatMap { $0.name == previous.name ? try project.members(of: $0) : $0.expanded }
                .filter(\.pointsAtSandbox)
            if !sandboxed.isEmpty {
                return Planner.Previous(
                    name: previous.name, lastSuccess: nil,
                    problem:
                        "\(sandboxed.map(\.name).joined(separator: " and ")) \(sandboxed.count == 1 ? "points" : "point") at the local sandbox, "
                        + "which is no evidence for \(environment.name)",
                    unblock:
                        "set \(sandboxed.map(\.connectionSetting).joined(separator: " and ")) to the real database\(sandboxed.count == 1 ? "" : "s")"
                )
            }
        }
        if previous.isFleet {
            // Once per command: every member of a fleet after this one plans against it.
            return try once("evidence\u{0}\(previous.name)\u{0}\(playbook.name)") {
                let members = try project.members(of: previous)
                let readings = blockingMap(members, jobs: EnvironmentReader.defaultJobs) {
                    member in
                    Result { try Self.evidence(from: member, for: playbook) }
                }
                return Self.fleetEvidence(
                    previous.name, playbook: playbook.name,
                    members: zip(members, readings).map { $0 })
            }
        }
        return try Self.evidence(from: previous, for: playbook)
    }

    /// The record of `playbook` in one previous environment's ledger.
    static func evidence(
        from previous: Environment, for playbook: Playbook
    ) throws -> Planner.Previous {
        let ledger = Ledger(try previous.connect())
        if let binding = try ledger.binding(), binding.environment != previous.name {
            return Planner.Previous(
                name: previous.name, lastSuccess: nil,
                problem:
                    "the database \(previous.name) points at holds the ledger of \(binding.environment)",
                unblock: "check \(previous.connectionSetting)")
        }
        let over = try ledger.locksOverBudget(of: playbook.name)
        let state = try ledger.state()
        var result = Planner.Previous(
            name: previous.name, lastSuccess: state.lastSuccess[playbook.name],
            locksOverBudget: over.map { "\($0.step) \($0.hold.description)" },
            overBudgetAt: over.map(\.at).max())
        var succeeded: [String: String] = [:]
        for step in playbook.steps {
            if let record = state.record(playbook.name, step.id), record.status == .succeeded {
                succeeded[step.id] = record.checksum ?? ""
            }
        }
        result.succeededSteps = succeeded
        result.supabaseHistory = try Self.supabaseHistory(for: playbook, db: ledger.db)
        return result
    }

    /// A fleet as the previous environment: the playbook must have succeeded on every member.
    ///
    /// The soak counts from the last of them. A step counts as run there when every
    /// member ran it with the same checksum; a lock over budget on any member needs an approval.
    static func fleetEvidence(
        _ fleet: String, playbook: String,
        members: [(Environment, Result<Planner.Previous, any Error>)]
    ) -> Planner.Previous {
        func short(_ member: Environment) -> String {
            Environment.fleetMember(member.name)?.member ?? member.name
        }
        func names(_ members: [Environment]) -> String {
            Environment.nameList(members.map(\.name), first: 5, short: true)
        }
        var readings: [(Environment, Planner.Previous)] = []
        var problems: [(Environment, String, String?)] = []
        for (member, result) in members {
            switch result {
            case .success(let reading):
                if let problem = reading.problem {
                    problems.append((member, problem, reading.unblock))
                } else {
                    readings.append((member, reading))
                }
            case .failure(let error):
                problems.append(
                    (
                        member,
                        "cannot read its ledger: \((error as? any TollgateError)?.userMessage ?? "\(error)")",
                        "check \(member.connectionSetting)"
                    ))
            }
        }
        if let (member, problem, unblock) = problems.first {
            return Planner.Previous(
                name: fleet, lastSuccess: nil,
                problem: "\(member.name): \(problem)"
                    + (problems.count > 1
                        ? " (and \(problems.count - 1) more member\(problems.count == 2 ? "" : "s"): \(names(problems.dropFirst().map(\.0))))"
                        : ""),
                unblock: unblock)
        }
        let missing = readings.filter { $0.1.lastSuccess == nil }.map(\.0)
        if !missing.isEmpty {
            return Planner.Previous(
                name: fleet, lastSuccess: nil,
                problem:
                    "\(playbook) has not succeeded on \(missing.count) of \(members.count) members of \(fleet): \(names(missing))",
                unblock: "tollgate run \(playbook) --env \(fleet)")
        }
        var result = Planner.Previous(
            name: fleet, lastSuccess: readings.compactMap(\.1.lastSuccess).max(),
            locksOverBudget: readings.flatMap { member, reading in
                reading.locksOverBudget.map { "\(short(member)): \($0)" }
            },
            overBudgetAt: readings.compactMap(\.1.overBudgetAt).max())
        // What every member agrees on.
        func agreed<Value: Equatable>(_ maps: [[String: Value]]) -> [String: Value] {
            guard let first = maps.first else { return [:] }
            return first.filter { key, value in maps.allSatisfy { $0[key] == value } }
        }
        let steps = readings.map(\.1.succeededSteps)
        result.succeededSteps = steps.contains { $0 == nil } ? nil : agreed(steps.map { $0! })
        result.supabaseHistory = agreed(readings.map(\.1.supabaseHistory))
        return result
    }

    /// Runs `playbook` on `environment`.
    /// - Throws: ``RunError`` (blocked, lock busy, step failed), `ConnectionError`.
    @discardableResult
    public func run(_ playbook: Playbook, on environment: Environment) throws -> Plan {
        // Every step must have a behaviour before anything runs: a kind declared without one
        // must not fail halfway through a playbook.
        if let step = playbook.steps.first(where: { !($0.action is any RunnableStep) }) {
            throw RunError.stepFailed(
                environment: environment.name, playbook: playbook.name, step: step.id,
                error: "no behaviour for steps of kind '\(step.kind)': nothing was run")
        }
        // Through a transaction pooler the runner lock would not hold: refuse before anything.
        if environment.connection.isSupabaseTransactionPooler {
            throw PoolerError(environment: environment.name, setting: environment.connectionSetting)
        }
        // The lock lives on its own idle connection: an idle session holding only an
        // advisory lock has no snapshot, so CREATE INDEX CONCURRENTLY on the work connection
        // never waits for it.
        let lock = try environment.connect()
        do {
            try lock.advisoryLock(key: Ledger.runnerLockKey, timeout: options.wait) { holder in
                emit(
                    .waitingForLock(
                        environment: environment.name, holder: holder, upTo: options.wait))
            }
        } catch let error as PostgresError where error.kind == .client {
            throw RunError.lockBusy(
                environment: environment.name,
                holder: ((try? lock.advisoryLockHolder(key: Ledger.runnerLockKey)) ?? nil)
                    ?? "another session")
        }
        defer { _ = try? lock.advisoryUnlock(key: Ledger.runnerLockKey) }

        let db = try environment.connect()
        let ledger = Ledger(db)
        try ledger.open(for: environment, actor: options.actor)
        let (plan, history) = try planAndHistory(playbook, on: environment, db: db)
        for gate in plan.gates {
            try ledger.event(
                run: nil, playbook: playbook.name, step: nil,
                gate.passed ? .gatePassed : .gateFailed,
                actor: options.actor, detail: "\(gate.name): \(gate.detail)")
        }
        if plan.isBlocked && options.enforceGates { throw RunError.blocked(plan) }

        try Self.setVariables(of: environment, on: db)
        let run = try ledger.startRun(
            playbook: playbook.name, environment: environment.name, actor: options.actor,
            host: options.host)
        let hasSupabase: Bool = try db.query(
            "select to_regclass('supabase_migrations.schema_migrations') is not null as present"
        ).first!.decode("present")
        let effects = SchemaEffectsRecorder()
        do {
            for (step, planned) in zip(playbook.steps, plan.steps) {
                if planned.disposition == .alreadyApplied {
                    let record = try ledger.state().record(playbook.name, step.id)
                    if options.acceptChanged, let checksum = step.checksum,
                        record?.status == .succeeded, let recorded = record?.checksum,
                        recorded != checksum
                    {
                        try ledger.acceptChecksum(
                            run: run, playbook: playbook.name, step: step.id, from: recorded,
                            to: checksum, actor: options.actor)
                        emit(.repaired(playbook: playbook.name, step: step.id))
                    } else if options.acceptChanged, let migration = step.action as? MigrationStep,
                        let entry = history[migration.version],
                        case .changed = Planner.appliedByCLI(
                            migration, entry.statements, acceptChanged: false),
                        record?.status != .succeeded
                    {
                        // Applied by the CLI, edited since: accepting it is recorded, so the
                        // next plan knows.
                        try ledger.adoptStep(
                            run: run, playbook: playbook.name,
                            step: StepIdentity(
                                id: step.id, kind: step.kind, checksum: step.checksum,
                                transactional: step.transactional),
                            actor: options.actor, host: options.host,
                            detail:
                                "accepted \(migration.path), edited since the Supabase CLI applied it"
                        )
                        emit(.repaired(playbook: playbook.name, step: step.id))
                    } else {
                        emit(.alreadyApplied(playbook: playbook.name, step: step.id))
                    }
                    continue
                }
                guard let action = step.action as? any RunnableStep else {
                    throw RunError.stepFailed(
                        environment: environment.name, playbook: playbook.name, step: step.id,
                        error: "no behaviour for steps of kind '\(step.kind)'")
                }
                let context = StepContext(
                    db: db, ledger: ledger, project: project, environment: environment,
                    playbook: playbook, step: step, run: run,
                    options: options, supabase: hasSupabase, effects: effects, emit: emit)
                let clock = ContinuousClock()
                let started = clock.now
                do {
                    try action.run(in: context)
                } catch let error as PostgresError {
                    // Whatever a step's own work raised is that step's failure (exit 4).
                    throw RunError.stepFailed(
                        environment: environment.name, playbook: playbook.name, step: step.id,
                        error: error.explained)
                }
                emit(.applied(playbook: playbook.name, step: step.id, took: clock.now - started))
            }
            for suite in playbook.gates.after {
                let outcome = try Self.runSuite(
                    suite, project: project, db: db, environment: environment,
                    schemaOnly: options.schemaOnly)
                if !outcome.passed {
                    throw RunError.checkFailed(
                        environment: environment.name, playbook: playbook.name, suite: suite,
                        firstFailure: outcome.firstFailure ?? "?")
                }
                emit(.suitePassed(suite: suite, notApplicable: outcome.notApplicable))
            }
            try ledger.finishRun(run, outcome: .succeeded)
            try ledger.event(
                run: run, playbook: playbook.name, step: nil, .succeeded, actor: options.actor)
        } catch {
            _ = try? ledger.finishRun(run, outcome: .failed)
            _ = try? ledger.event(
                run: run, playbook: playbook.name, step: nil, .failed, actor: options.actor,
                detail: "\(error)")
            throw error
        }
        return plan
    }

    /// Sets the environment's variables as session settings for step SQL.
    ///
    /// Read with `current_setting('tollgate.<name>')`: values never enter the SQL text, so
    /// checksums stay the same across environments.
    static func setVariables(of environment: Environment, on db: Connection) throws {
        for (name, value) in environment.variables.sorted(by: { $0.key < $1.key }) {
            try db.setSetting("tollgate.\(name)", value)
        }
    }

    /// Runs a suite on a work connection: passed, the first failure, and how many checks did
    /// not apply.
    static func runSuite(
        _ name: String, project: Project, db: Connection, environment: Environment, schemaOnly: Bool
    )
        throws -> (passed: Bool, firstFailure: String?, notApplicable: Int)
    {
        let snapshot = try CatalogSnapshot.load(from: db)
        let run = try CheckRunner(project: project, schemaOnly: schemaOnly).run(
            try project.suite(named: name), on: db, environment: environment.name,
            snapshot: snapshot)
        return (
            run.passed, run.failures.first.map(describe),
            run.results.filter { $0.outcome == .notApplicable }.count
        )
    }

    /// A failing check in one line: `org-id-column on public.leads: no column org_id`.
    static func describe(_ result: CheckResult) -> String {
        "\(result.check)\(result.subject.map { " on \($0)" } ?? ""): \(result.found ?? "failed")"
    }
}
