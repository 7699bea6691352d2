import Foundation

/// `tollgate compare`: every environment read in parallel, then set side by side.
///
/// Objects are compared by a one-line description built from the catalog snapshot (never OIDs,
/// never object order), so two identical environments produce no differences.
public struct ComparisonReport: Sendable, Codable, Equatable {
    /// One environment as read.
    public struct EnvironmentState: Sendable, Codable, Equatable {
        public var name: String
        public var error: String?
        public var serverVersion: String?
        public var fingerprint: String?
        /// Supabase migration versions applied here.
        public var migrations: [String]
        /// Playbooks completed here, with who ran them.
        public var rollout: [RolloutEntry]
        /// Suite name → passed, and the first failing check.
        public var checks: [String: SuiteSummary]
        /// Why drift attribution may be incomplete here, if it may.
        public var driftNote: String?
        /// The longest strong lock a step held on a tenant table here, and the steps over
        /// their lock budget (`playbook/step held … for …ms (budget …ms)`).
        public var longestLock: String?
        public var locksOverBudget: [String]?

        public init(
            name: String, error: String? = nil, serverVersion: String? = nil,
            fingerprint: String? = nil,
            migrations: [String], rollout: [RolloutEntry], checks: [String: SuiteSummary]
        ) {
            self.name = name
            self.error = error
            self.serverVersion = serverVersion
            self.fingerprint = fingerprint
            self.migrations = migrations
            self.rollout = rollout
            self.checks = checks
        }
    }

    public struct RolloutEntry: Sendable, Codable, Equatable {
        public var playbook: String
        public var ranBy: String
        public var approvedBy: [String]
        public init(playbook: String, ranBy: String, approvedBy: [String]) {
            self.playbook = playbook
            self.ranBy = ranBy
            self.approvedBy = approvedBy
        }
    }

    public struct SuiteSummary: Sendable, Codable, Equatable {
        public var passed: Bool
        public var firstFailure: String?
        public init(passed: Bool, firstFailure: String? = nil) {
            self.passed = passed
            self.firstFailure = firstFailure
        }
    }

    /// A migration and where it is applied.
    public struct Migration: Sendable, Codable, Equatable {
        public var version: String
        public var name: String?
        public var appliedIn: [String]
        public var missingIn: [String]
        /// Environment → the first 12 hex digits of the checksum of the statements it recorded
        /// there (over their tokens: comments, layout and statement splitting do not count).
        public var checksums: [String: String]

        public init(
            version: String, name: String?, appliedIn: [String], missingIn: [String],
            checksums: [String: String] = [:]
        ) {
            self.version = version
            self.name = name
            self.appliedIn = appliedIn
            self.missingIn = missingIn
            self.checksums = checksums
        }

        /// The same version was applied with different SQL somewhere.
        public var checksumsDiffer: Bool { Set(checksums.values).count > 1 }
    }

    /// An object on one environment that no applied migration or playbook step accounts for.
    public typealias Drift = DriftEntry

    /// One object that is not the same everywhere: its description per environment, `nil`
    /// where it does not exist.
    public struct Difference: Sendable, Codable, Equatable {
        public var kind: ObjectKind
        public var object: String
        public var values: [String: String?]

        public init(kind: ObjectKind, object: String, values: [String: String?]) {
            self.kind = kind
            self.object = object
            self.values = values
        }
    }

    public var version = 1
    public var environments: [EnvironmentState]
    public var migrations: [Migration]
    public var differences: [Difference]
    /// Out-of-band changes, environment by environment in the order compared.
    public var drift: [Drift]
    /// With `--all`: the objects that are the same everywhere (each with its one description).
    public var identical: [Difference]?
    /// Environments that block the Warden deployment, with why.
    public var wardenBlockedBy: [String: String]

    public init(
        environments: [EnvironmentState], migrations: [Migration], differences: [Difference],
        drift: [Drift] = [],
        wardenBlockedBy: [String: String]
    ) {
        self.environments = environments
        self.migrations = migrations
        self.differences = differences
        self.drift = drift
        self.wardenBlockedBy = wardenBlockedBy
    }

    /// Whether this environment's side of a difference is out of band: flagged itself, or
    /// present and folded into its unrecorded table's line.
    public func isOutOfBand(_ difference: Difference, on environment: String) -> Bool {
        let relation = SchemaObjects.Key(kind: difference.kind, name: difference.object).relation
        let present = (difference.values[environment] ?? nil) != nil
        return drift.contains { entry in
            guard entry.environment == environment else { return false }
            if entry.kind == difference.kind && entry.object == difference.object { return true }
            return present && entry.change == .unrecorded && entry.includes > 0
                && entry.object == relation
        }
    }

    /// The one line to read first.
    public var headline: String {
        if wardenBlockedBy.isEmpty {
            return "Warden can deploy: the warden suite passes on every environment compared"
        }
        let blockers = environments.map(\.name).filter { wardenBlockedBy[$0] != nil }
            .map { "\($0) (\(wardenBlockedBy[$0]!))" }
        return "Warden is blocked on " + blockers.joined(separator: "; ")
    }
}

public enum Comparison {
    /// Compares what was read of each environment (``EnvironmentReader/Request/comparison``).
    /// - Parameter all: also list the objects that are the same everywhere.
    public static func compare(
        _ readings: [EnvironmentReading], project: Project, all: Bool = false
    ) -> ComparisonReport {
        diff(readings.map { read($0, project: project) }, all: all)
    }

    struct EnvironmentRead: Sendable {
        var state: ComparisonReport.EnvironmentState
        var snapshot: CatalogSnapshot?
        var migrationNames: [String: String] = [:]
        /// Version → checksum of its recorded statements.
        var migrationChecksums: [String: String] = [:]
        /// The Supabase CLI's history with what each migration names; `nil` without one.
        var history: [DriftAttribution.Migration]?
        var effects: [Ledger.SchemaEffect] = []
        /// Migration versions Tollgate's steps applied here.
        var runByTollgate: Set<String> = []
    }

    static func read(_ reading: EnvironmentReading, project: Project) -> EnvironmentRead {
        var read = EnvironmentRead(
            state: .init(name: reading.environment.name, migrations: [], rollout: [], checks: [:]))
        // A ledger that could not be read leaves the environment unassessed, as before.
        if let problem = reading.problem?.message ?? reading.ledgerError {
            read.state.error = problem
            return read
        }
        read.state.serverVersion = reading.serverVersion
        if let migrations = reading.supabaseMigrations {
            read.history = []
            for migration in migrations {
                read.state.migrations.append(migration.version)
                read.migrationNames[migration.version] = migration.name
                read.migrationChecksums[migration.version] = String(
                    SQLTokenizer.checksum(migration.sql).prefix(12))
                read.history!.append(.init(version: migration.version, sql: migration.sql))
            }
        }
        if let ledger = reading.ledger {
            for playbook in project.playbooks {
                for step in playbook.steps
                where ledger.state.record(playbook.name, step.id)?.status == .succeeded {
                    if let migration = step.action as? MigrationStep {
                        read.runByTollgate.insert(migration.version)
                    }
                }
            }
            for playbook in ledger.completed {
                let approvedBy =
                    project.playbooks.first { $0.name == playbook }.map {
                        ledger.state.approvers(of: $0).current
                    }
                    ?? Array(Set((ledger.state.approvals[playbook] ?? []).map(\.approver))).sorted()
                read.state.rollout.append(
                    .init(
                        playbook: playbook, ranBy: ledger.lastRunBy[playbook] ?? "?",
                        approvedBy: approvedBy))
            }
            read.effects = ledger.effects
            let holds = ledger.state.steps.flatMap { playbook, steps in
                steps.values.compactMap { record in
                    record.lock.map { (label: "\(playbook)/\(record.step)", hold: $0) }
                }
            }.sorted { ($0.hold.heldMilliseconds, $1.label) > ($1.hold.heldMilliseconds, $0.label) }
            read.state.longestLock = holds.first.map { "\($0.label) \($0.hold.description)" }
            let over = holds.filter(\.hold.overBudget).map { "\($0.label) \($0.hold.description)" }
                .sorted()
            read.state.locksOverBudget = over.isEmpty ? nil : over
        }
        read.snapshot = reading.snapshot
        read.state.fingerprint = reading.snapshot?.fingerprint
        for name in ["warden", "verify"] {
            if reading.foreign != nil {
                if project.suites[name] != nil {
                    read.state.checks[name] = .init(
                        passed: false, firstFailure: "not this application's database")
                }
                continue
            }
            guard let run = reading.suites[name] else { continue }
            read.state.checks[name] = .init(
                passed: run.passed,
                firstFailure: run.failures.first.map {
                    "\($0.check)\($0.subject.map { " on \($0)" } ?? "")"
                })
        }
        return read
    }

    static func diff(_ reads: [EnvironmentRead], all: Bool = false) -> ComparisonReport {
        var reads = reads
        let reachable = reads.filter { $0.snapshot != nil }
        // Migrations: the union, and where each is missing.
        var allNames: [String: String] = [:]
        for read in reads { allNames.merge(read.migrationNames) { first, _ in first } }
        let migrations = allNames.keys.sorted().map { version in
            ComparisonReport.Migration(
                version: version, name: allNames[version].flatMap { $0.isEmpty ? nil : $0 },
                appliedIn: reachable.filter { $0.state.migrations.contains(version) }.map(
                    \.state.name),
                missingIn: reachable.filter { !$0.state.migrations.contains(version) }.map(
                    \.state.name),
                checksums: Dictionary(
                    uniqueKeysWithValues: reachable.compactMap { read in
                        read.migrationChecksums[version].map { (read.state.name, $0) }
                    }))
        }
        // Objects: every environment's descriptions, keyed by kind and name.
        let described = reachable.map {
            (name: $0.state.name, objects: SchemaObjects.describe($0.snapshot!))
        }
        var keys = Set<SchemaObjects.Key>()
        for item in described { keys.formUnion(item.objects.keys) }
        var differences: [ComparisonReport.Difference] = []
        var identical: [ComparisonReport.Difference] = []
        for key in keys.sorted() {
            let values = described.map { $0.objects[key] }
            var byEnvironment: [String: String?] = [:]
            for (item, value) in zip(described, values) { byEnvironment[item.name] = .some(value) }
            if Set(values.map { $0 ?? "\u{0}absent" }).count > 1 {
                differences.append(.init(kind: key.kind, object: key.name, values: byEnvironment))
            } else if all {
                identical.append(.init(kind: key.kind, object: key.name, values: byEnvironment))
            }
        }
        // A column, constraint, index, trigger or policy that is the same wherever it exists,
        // and missing exactly where its table is missing, says nothing the table's line does not.
        let tableDifferences = Dictionary(
            differences.filter { $0.kind == .table || $0.kind == .view }.map {
                ($0.object, $0.values)
            }, uniquingKeysWith: { a, _ in a })
        differences.removeAll { difference in
            guard difference.kind != .table, difference.kind != .view,
                let dot = difference.object.lastIndex(of: "."),
                let table = tableDifferences[String(difference.object[..<dot])]
            else { return false }
            let present = Set(difference.values.values.compactMap { $0 })
            return present.count <= 1
                && difference.values.allSatisfy { name, value in
                    (value == nil) == ((table[name] ?? nil) == nil)
                }
        }
        // Drift: per environment, what no migration or step accounts for.
        var drift: [ComparisonReport.Drift] = []
        for (index, read) in reads.enumerated() {
            guard let objects = described.first(where: { $0.name == read.state.name })?.objects
            else { continue }
            let result = DriftAttribution.attribute(
                environment: read.state.name, objects: objects, migrations: read.history,
                effects: read.effects,
                runByTollgate: read.runByTollgate)
            drift += result.drift
            reads[index].state.driftNote = result.note
        }
        var blocked: [String: String] = [:]
        for read in reads {
            if let error = read.state.error {
                blocked[read.state.name] = "unreachable: \(error)"
            } else if let warden = read.state.checks["warden"], !warden.passed {
                blocked[read.state.name] = warden.firstFailure ?? "warden fails"
            }
        }
        var report = ComparisonReport(
            environments: reads.map(\.state), migrations: migrations, differences: differences,
            drift: drift, wardenBlockedBy: blocked)
        if all { report.identical = identical }
        return report
    }
}
