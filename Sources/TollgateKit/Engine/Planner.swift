import Foundation

/// What a run of a playbook on an environment would do, and what stops it.
public struct Plan: Sendable, Codable, Equatable {
    /// One gate and whether it holds.
    public struct Gate: Sendable, Codable, Equatable {
        public var name: String
        public var passed: Bool
        /// What was found, in words.
        public var detail: String
        /// What would unblock it, when it does not hold.
        public var unblock: String?
    }

    public enum Disposition: Sendable, Codable, Equatable {
        case willRun
        /// Ran before; nothing to do.
        case alreadyApplied
        /// A non-transactional step that was interrupted: it runs again (it is rerunnable).
        case inDoubt
        /// Failed last time; runs again.
        case retry
        /// The file changed since it ran: blocks unless the change is accepted.
        case changed(recorded: String, current: String)
    }

    public struct PlannedStep: Sendable, Codable, Equatable {
        public var id: String
        public var kind: String
        public var disposition: Disposition
    }

    public var playbook: String
    public var environment: String
    public var gates: [Gate]
    public var steps: [PlannedStep]

    public var blockingGates: [Gate] { gates.filter { !$0.passed } }
    public var changedSteps: [PlannedStep] {
        steps.filter { if case .changed = $0.disposition { return true } else { return false } }
    }
    public var isBlocked: Bool { !blockingGates.isEmpty || !changedSteps.isEmpty }
}

/// Decides what a run would do.
///
/// Pure: everything it needs comes in as values, so every combination of gates is tested without a
/// database.
public enum Planner {
    /// One row of the Supabase CLI's history (`supabase_migrations.schema_migrations`).
    public struct CLIEntry: Sendable, Equatable {
        public var name: String
        /// Nil where the history is too old to keep statements, or kept none for the row.
        public var statements: [String]?
        public init(name: String, statements: [String]?) {
            self.name = name
            self.statements = statements
        }
    }

    /// What the planner knows about the previous environment of the chain.
    public struct Previous: Sendable {
        public var name: String
        /// When the playbook last succeeded there, if it has.
        public var lastSuccess: Date?
        /// Why the previous environment's record is no evidence here (it is the sandbox, or
        /// its database holds another environment's ledger); the gate blocks.
        public var problem: String?
        public var unblock: String?
        /// Steps that held a strong lock there longer than their budget, described.
        public var locksOverBudget: [String]
        /// When the last of those holds ended: only an approval given since accepts them.
        public var overBudgetAt: Date?
        /// The playbook's steps that succeeded there, with the checksum they ran with.
        ///
        /// "" for none; nil when not read. A step that would run here must have run there as it is.
        public var succeededSteps: [String: String]?
        /// The Supabase CLI's history there, for migration files the CLI applied.
        public var supabaseHistory: [String: CLIEntry] = [:]
        public init(
            name: String, lastSuccess: Date?, problem: String? = nil, unblock: String? = nil,
            locksOverBudget: [String] = [], overBudgetAt: Date? = nil
        ) {
            self.overBudgetAt = overBudgetAt
            self.name = name
            self.lastSuccess = lastSuccess
            self.problem = problem
            self.unblock = unblock
            self.locksOverBudget = locksOverBudget
        }
    }

    /// - Parameters:
    ///   - suiteResults: before-gate suites that were run, by name: passed or not, and the
    ///     first failing check.
    ///   - acceptChanged: record edited steps as repaired instead of blocking.
    ///   - upstreamResults: `upstream` suites run on earlier environments: (suite, environment,
    ///     passed, first failure), in chain order.
    ///   - supabaseHistory: the Supabase CLI's history on the environment, by version: a file
    ///     of a Supabase migrations folder found there was applied by the CLI.
    public static func plan(
        _ playbook: Playbook, on environment: Environment, ledger: Ledger.State,
        previous: Previous?,
        suiteResults: [String: (passed: Bool, firstFailure: String?)], now: Date,
        acceptChanged: Bool = false,
        upstreamResults: [(
            suite: String, environment: String, passed: Bool, firstFailure: String?
        )] = [],
        supabaseHistory: [String: CLIEntry] = [:]
    ) -> Plan {
        var gates: [Plan.Gate] = []
        for required in playbook.gates.requires {
            let done = ledger.lastSuccess[required] != nil
            gates.append(
                Plan.Gate(
                    name: "requires \(required)", passed: done,
                    detail: done
                        ? "\(required) succeeded here"
                        : "\(required) has not succeeded on \(environment.name)",
                    unblock: done ? nil : "tollgate run \(required) --env \(environment.name)"))
        }
        if playbook.gates.promotion, let previous, let problem = previous.problem {
            gates.append(
                Plan.Gate(
                    name: "promotion from \(previous.name)", passed: false, detail: problem,
                    unblock: previous.unblock))
        } else if playbook.gates.promotion, let previous {
            let soak = playbook.gates.soak ?? environment.protection.soakAfterPrevious ?? .zero
            if let succeeded = previous.lastSuccess {
                let elapsed = now.timeIntervalSince(succeeded)
                let needed = Double(soak.components.seconds)
                if elapsed >= needed {
                    gates.append(
                        Plan.Gate(
                            name: "promotion from \(previous.name)", passed: true,
                            detail:
                                "succeeded on \(previous.name) \(DurationParser.format(.seconds(Int(elapsed)))) ago"
                                + (needed > 0 ? " (soak \(DurationParser.format(soak)))" : "")))
                } else {
                    let remaining = Duration.seconds(Int((needed - elapsed).rounded(.up)))
                    gates.append(
                        Plan.Gate(
                            name: "promotion from \(previous.name)", passed: false,
                            detail:
                                "succeeded on \(previous.name) \(DurationParser.format(.seconds(Int(elapsed)))) ago; the soak is \(DurationParser.format(soak))",
                            unblock: "wait \(DurationParser.format(remaining)) more"))
                }
            } else {
                gates.append(
                    Plan.Gate(
                        name: "promotion from \(previous.name)", passed: false,
                        detail: "\(playbook.name) has not succeeded on \(previous.name)",
                        unblock: "tollgate run \(playbook.name) --env \(previous.name)"))
            }
        }
        let required = Approvals.required(playbook, on: environment)
        if required > 0 {
            let (approvers, outdated) = ledger.approvers(of: playbook)
            let enough = approvers.count >= required
            var detail =
                "\(approvers.count) of \(required) approvals"
                + (approvers.isEmpty ? "" : " (\(approvers.joined(separator: ", ")))")
            if !outdated.isEmpty {
                detail +=
                    "; approved before the playbook's steps changed, so not counted: \(outdated.joined(separator: ", "))"
            }
            gates.append(
                Plan.Gate(
                    name: "approvals", passed: enough, detail: detail,
                    unblock: enough
                        ? nil
                        : "\(required - approvers.count) more: tollgate approve \(playbook.name) --env \(environment.name) --as NAME"
                ))
        }
        // A lock held longer than its budget on the previous environment needs a person to
        // accept it here before the playbook goes on.
        if let previous, !previous.locksOverBudget.isEmpty {
            // Only an approval given after the hold accepts it: one given before nobody had
            // seen the lock.
            let accepted = ledger.approvers(of: playbook, since: previous.overBudgetAt).current
            gates.append(
                Plan.Gate(
                    name: "lock budget on \(previous.name)", passed: !accepted.isEmpty,
                    detail: previous.locksOverBudget.joined(separator: "; ")
                        + (accepted.isEmpty
                            ? "" : "; accepted by \(accepted.joined(separator: ", "))"),
                    unblock: accepted.isEmpty
                        ? "review the lock, then: tollgate approve \(playbook.name) --env \(environment.name) --as NAME"
                        : nil))
        }
        if let wait = playbook.gates.waitAfter {
            let needed =
                wait.variable.flatMap { environment.variables[$0] }.flatMap(DurationParser.parse)
                ?? wait.fallback
            let label = wait.variable.map { " (\($0))" } ?? ""
            if let succeeded = ledger.lastSuccess[wait.playbook] {
                let elapsed = now.timeIntervalSince(succeeded)
                let seconds = Double(needed.components.seconds)
                let passed = elapsed >= seconds
                gates.append(
                    Plan.Gate(
                        name: "wait after \(wait.playbook)", passed: passed,
                        detail:
                            "\(wait.playbook) succeeded here \(DurationParser.format(.seconds(Int(elapsed)))) ago; the wait is \(DurationParser.format(needed))\(label)",
                        unblock: passed
                            ? nil
                            : "wait \(DurationParser.format(.seconds(Int((seconds - elapsed).rounded(.up))))) more"
                    ))
            } else {
                gates.append(
                    Plan.Gate(
                        name: "wait after \(wait.playbook)", passed: false,
                        detail: "\(wait.playbook) has not succeeded on \(environment.name)",
                        unblock:
                            "tollgate run \(wait.playbook) --env \(environment.name), then wait \(DurationParser.format(needed))"
                    ))
            }
        }
        for result in upstreamResults {
            gates.append(
                Plan.Gate(
                    name: "suite \(result.suite) on \(result.environment)", passed: result.passed,
                    detail: result.passed ? "passed" : "failed: \(result.firstFailure ?? "?")",
                    unblock: result.passed
                        ? nil : "tollgate check --suite \(result.suite) --env \(result.environment)"
                ))
        }
        for suite in playbook.gates.before {
            let result = suiteResults[suite]
            gates.append(
                Plan.Gate(
                    name: "before: suite \(suite)", passed: result?.passed ?? false,
                    detail: result.map {
                        $0.passed ? "passed" : "failed: \($0.firstFailure ?? "?")"
                    } ?? "not run",
                    unblock: result?.passed == true
                        ? nil : "tollgate check --suite \(suite) --env \(environment.name)"))
        }

        var steps = playbook.steps.map { step -> Plan.PlannedStep in
            let record = ledger.record(playbook.name, step.id)
            // A file of a migrations folder that the CLI's history holds was applied, whatever
            // Tollgate's own attempt at it left (a failure, an interruption) before someone
            // pushed it.
            if record?.status != .succeeded, let migration = step.action as? MigrationStep,
                migration.folder != nil, let entry = supabaseHistory[migration.version]
            {
                return Plan.PlannedStep(
                    id: step.id, kind: step.kind,
                    disposition: appliedByCLI(
                        migration, entry.statements, acceptChanged: acceptChanged))
            }
            guard let record else {
                return Plan.PlannedStep(id: step.id, kind: step.kind, disposition: .willRun)
            }
            switch record.status {
            case .succeeded:
                if let recorded = record.checksum, let current = step.checksum, recorded != current,
                    !acceptChanged
                {
                    return Plan.PlannedStep(
                        id: step.id, kind: step.kind,
                        disposition: .changed(recorded: recorded, current: current))
                }
                return Plan.PlannedStep(id: step.id, kind: step.kind, disposition: .alreadyApplied)
            case .started:
                return Plan.PlannedStep(id: step.id, kind: step.kind, disposition: .inDoubt)
            case .failed: return Plan.PlannedStep(id: step.id, kind: step.kind, disposition: .retry)
            }
        }
        // A watch that a failed check after it must start over runs again until the playbook's
        // later steps are done (applied by Tollgate or, for a migrations folder, by the CLI).
        let done = steps.map { $0.disposition == .alreadyApplied }
        for (index, step) in playbook.steps.enumerated()
        where step.rerunUntilDone && done[(index + 1)...].contains(false) {
            steps[index].disposition = .willRun
        }
        // Once the playbook has succeeded there (before, the promotion gate says so already).
        if let previous, previous.problem == nil, previous.lastSuccess != nil,
            playbook.gates.promotion, let gate = unpromoted(playbook, steps, previous: previous)
        {
            gates.append(gate)
        }
        gates += migrationOrder(playbook, steps)
        return Plan(
            playbook: playbook.name, environment: environment.name, gates: gates, steps: steps)
    }

    /// What would run here that has not run, as it is now, on the previous environment.
    ///
    /// A migration file added to a folder since the playbook succeeded there, or a step edited
    /// since. Only known when the previous environment's steps were read.
    static func unpromoted(
        _ playbook: Playbook, _ steps: [Plan.PlannedStep], previous: Previous
    ) -> Plan.Gate? {
        guard let succeeded = previous.succeededSteps else { return nil }
        let missing = zip(playbook.steps, steps).compactMap { step, planned -> String? in
            guard planned.disposition != .alreadyApplied, !step.rerunUntilDone else { return nil }
            // A checksum the ledger did not record (an older ledger, a kind without one) is
            // no evidence of an edit, as for the plan on that environment itself.
            if let checksum = succeeded[step.id],
                checksum.isEmpty || checksum == (step.checksum ?? "")
            {
                return nil
            }
            if let migration = step.action as? MigrationStep, migration.folder != nil,
                let entry = previous.supabaseHistory[migration.version],
                appliedByCLI(migration, entry.statements, acceptChanged: false) == .alreadyApplied
            {
                return nil
            }
            return succeeded[step.id] == nil ? step.id : "\(step.id) (changed since)"
        }
        guard !missing.isEmpty else { return nil }
        let shown =
            missing.prefix(3).joined(separator: ", ")
            + (missing.count > 3 ? " +\(missing.count - 3) more" : "")
        return Plan.Gate(
            name: "promotion of each step from \(previous.name)", passed: false,
            detail:
                "\(shown) \(missing.count == 1 ? "has" : "have") not run on \(previous.name) as \(missing.count == 1 ? "it is" : "they are") now",
            unblock: "tollgate run \(playbook.name) --env \(previous.name)")
    }

    /// A file the Supabase CLI applied: already applied, unless its statements changed since.
    ///
    /// Statements are compared without white space and semicolons, so a history written
    /// by an older CLI, which cut and trimmed them differently, is no edit.
    /// - Parameter recorded: the statements the history holds; nil for a history too old to
    ///   keep them, which says only that the file was applied.
    static func appliedByCLI(
        _ migration: MigrationStep, _ recorded: [String]?, acceptChanged: Bool
    ) -> Plan.Disposition {
        func essence(_ statements: [String]) -> String {
            String(
                statements.joined().unicodeScalars.filter {
                    !$0.properties.isWhitespace && $0 != ";"
                })
        }
        let current = migration.statements
        guard let recorded, !acceptChanged, essence(recorded) != essence(current) else {
            return .alreadyApplied
        }
        return .changed(
            recorded: SHA256.hex(recorded.joined(separator: "\n")),
            current: SHA256.hex(current.joined(separator: "\n")))
    }

    /// A pending file of a Supabase migrations folder older than one already applied blocks, as
    /// `supabase db push` refuses it: applied late, it would run after changes it was written
    /// before.
    static func migrationOrder(_ playbook: Playbook, _ steps: [Plan.PlannedStep]) -> [Plan.Gate] {
        var byFolder: [String: [(migration: MigrationStep, pending: Bool)]] = [:]
        for (step, planned) in zip(playbook.steps, steps) {
            guard let migration = step.action as? MigrationStep, let folder = migration.folder
            else { continue }
            let pending: Bool
            switch planned.disposition {
            case .alreadyApplied, .changed: pending = false
            case .willRun, .retry, .inDoubt: pending = true
            }
            byFolder[folder, default: []].append((migration, pending))
        }
        return byFolder.sorted { $0.key < $1.key }.compactMap { folder, files in
            guard
                let latest = files.filter({ !$0.pending }).map(\.migration).max(by: {
                    $0.version < $1.version
                })
            else { return nil }
            let early = files.filter { $0.pending && $0.migration.version < latest.version }.map(
                \.migration.file)
            guard !early.isEmpty else { return nil }
            return Plan.Gate(
                name: "migration order in \(folder)", passed: false,
                detail:
                    "\(early.prefix(3).joined(separator: ", "))\(early.count > 3 ? " +\(early.count - 3) more" : "") \(early.count == 1 ? "is" : "are") older than \(latest.file), already applied here; `supabase db push` refuses this too",
                unblock:
                    "give \(early.count == 1 ? "it" : "them") a later timestamp than \(latest.version) (rename the file, if no environment has applied it yet: supabase migration list)"
            )
        }
    }
}
