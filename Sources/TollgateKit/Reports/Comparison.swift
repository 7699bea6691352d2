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
        /// For a group of a fleet's members alike (`tenants (14 of 20)`): their names.
        ///
        /// The group is shown as its first member was read.
        public var members: [String]?

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

    /// How one environment's object stands against the reference environment's.
    public enum CellState: String, Sendable, Codable, Equatable {
        /// The reference environment's own object.
        case reference
        case matches
        case differs
        /// The reference has it; this environment does not.
        case missing
        /// This environment has it; the reference does not.
        case onlyHere = "only here"
        /// Neither this environment nor the reference has it (another environment does); for
        /// the reference itself, it lacks the object.
        case absent
    }

    /// One object that is not the same everywhere: its description per environment, `nil`
    /// where it does not exist, and how each environment's stands against the reference's.
    public struct Difference: Sendable, Codable, Equatable {
        public var kind: ObjectKind
        public var object: String
        public var values: [String: String?]
        public var states: [String: CellState] = [:]
        /// Environment → what differs from the reference's object, by property
        /// (`identity always → by default`); only for environments whose object differs.
        public var changes: [String: [String]] = [:]

        public init(
            kind: ObjectKind, object: String, values: [String: String?],
            states: [String: CellState] = [:], changes: [String: [String]] = [:]
        ) {
            self.kind = kind
            self.object = object
            self.values = values
            self.states = states
            self.changes = changes
        }
    }

    public var version = 2
    /// The environment every other is compared against: the one furthest along the rollout
    /// unless chosen (`--reference`).
    public var reference: String?
    /// Whether the reference was chosen (`--reference`) rather than the one furthest along.
    public var referenceChosen = false
    /// The reference asked for, when it could not be read (the furthest along stands in).
    public var referenceUnread: String?
    public var environments: [EnvironmentState]
    public var migrations: [Migration]
    public var differences: [Difference]
    /// Out-of-band changes, environment by environment in the order compared.
    public var drift: [Drift]
    /// With `--all`: the objects that are the same everywhere (each with its one description).
    public var identical: [Difference]?
    /// The rollout in time, from the environments whose ledger could be read.
    public var timeline: Timeline?
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

    /// The differences grouped by kind, in ``ObjectKind/all``'s order.
    public var groups: [(kind: ObjectKind, differences: [Difference])] {
        let byKind = Dictionary(grouping: differences, by: \.kind)
        let known = ObjectKind.all.compactMap { kind in byKind[kind].map { (kind, $0) } }
        let others = byKind.keys.filter { !ObjectKind.all.contains($0) }
            .sorted { $0.rawValue < $1.rawValue }.map { ($0, byKind[$0]!) }
        return known + others
    }

    /// How the reference was picked, for the reports' headings.
    public var referenceNote: String {
        guard let reference else { return "" }
        if let unread = referenceUnread {
            return
                "against \(reference), the environment furthest along the rollout (\(unread), the reference asked for, could not be read)"
        }
        return referenceChosen
            ? "against \(reference) (chosen)"
            : "against \(reference), the environment furthest along the rollout"
    }

    /// Whether any environment was judged for Warden (the project has a `warden` suite).
    public var wardenAssessed: Bool {
        environments.contains { $0.error != nil || $0.checks["warden"] != nil }
    }

    /// The one line to read first.
    public var headline: String {
        if wardenBlockedBy.isEmpty && !wardenAssessed {
            return "No warden suite in this project: nothing was checked for Warden"
        }
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
    /// - Parameter reference: the environment to compare against; by default the one
    ///   furthest along the rollout (the most playbooks done; the earliest in the chain on a
    ///   tie).
    public static func compare(
        _ readings: [EnvironmentReading], project: Project, all: Bool = false,
        reference: String? = nil
    ) -> ComparisonReport {
        // Each environment's objects are described on a thread of its own: at thousands of
        // tables that is most of what comparing costs the client.
        final class Reads: @unchecked Sendable {
            let lock = NSLock()
            var reads: [EnvironmentRead?]
            init(_ count: Int) { reads = Array(repeating: nil, count: count) }
        }
        let reads = Reads(readings.count)
        DispatchQueue.concurrentPerform(iterations: readings.count) { index in
            let read = read(readings[index], project: project)
            reads.lock.lock()
            reads.reads[index] = read
            reads.lock.unlock()
        }
        var collapsed = reads.reads.map { $0! }
        let groupOf = collapseFleets(&collapsed)
        return diff(
            collapsed, all: all, reference: reference.map { groupOf[$0] ?? $0 })
    }

    /// A fleet's members that read alike become one column, so that a fleet of hundreds
    /// compares as its few states.
    ///
    /// Alike: the same schema fingerprint, migrations (and their checksums), rollout and
    /// suite results; members that could not be read are one group per fleet. Each group is
    /// named `tenants (14 of 20)`, shown as its first member was read, its members listed.
    /// A fleet with one member in the report keeps that member's own name.
    /// - Returns: each member's name, and each fleet's name (its largest group), → its
    ///   group's name, for `--reference`.
    static func collapseFleets(_ reads: inout [EnvironmentRead]) -> [String: String] {
        var counts: [String: Int] = [:]
        for read in reads {
            if let fleet = Environment.fleetMember(read.state.name)?.fleet {
                counts[fleet, default: 0] += 1
            }
        }
        // A fleet with one member in the report: the fleet's name is that member.
        var renamed: [String: String] = [:]
        for read in reads {
            if let fleet = Environment.fleetMember(read.state.name)?.fleet, counts[fleet] == 1 {
                renamed[fleet] = read.state.name
            }
        }
        guard counts.values.contains(where: { $0 > 1 }) else { return renamed }
        var out: [EnvironmentRead] = []
        var groupOf: [String: Int] = [:]
        var names: [Int: [String]] = [:]
        var memberGroup: [String: Int] = [:]
        for read in reads {
            guard let (fleet, member) = Environment.fleetMember(read.state.name),
                let count = counts[fleet], count > 1
            else {
                out.append(read)
                continue
            }
            let state = read.state
            // What a column shows or the drift is attributed from: the fingerprint leaves the
            // server's version out, and the ledger's effects and locks are not in it.
            let effects: [String] = read.effects.map {
                "\($0.playbook)/\($0.step) \($0.kind.rawValue) \($0.object) \($0.description ?? "-")"
            }
            let history: [String] = (read.history ?? []).map { "\($0.version) \($0.unrecorded)" }
            let legacy: [String] = read.legacy.map { "\($0.key)=\($0.value)" }.sorted()
            let checksums: [String] = read.migrationChecksums.map { "\($0.key)=\($0.value)" }
                .sorted()
            let checks: [String] = state.checks.map {
                "\($0.key)=\($0.value.passed) \($0.value.firstFailure ?? "")"
            }.sorted()
            var parts: [String] = [fleet, state.fingerprint ?? "", state.serverVersion ?? ""]
            // Not the longest lock, nor how long a lock over its budget was held: milliseconds
            // differ from member to member. Which step went over does set a member apart.
            parts.append(
                (state.locksOverBudget ?? []).map {
                    $0.replacingOccurrences(
                        of: #"[0-9]+(\.[0-9]+)? ?ms"#, with: "", options: .regularExpression)
                }.joined(separator: ","))
            parts += [effects, history, legacy, checksums, checks].map {
                $0.joined(separator: ",")
            }
            parts.append(state.migrations.joined(separator: ","))
            parts.append(
                state.rollout.map {
                    "\($0.playbook) \($0.ranBy) \($0.approvedBy.joined(separator: "+"))"
                }.joined(separator: ","))
            let key =
                state.error != nil
                ? "\(fleet)\u{0}unreadable" : parts.joined(separator: "\u{0}")
            if let group = groupOf[key] {
                names[group, default: []].append(member)
                memberGroup[state.name] = group
                continue
            }
            out.append(read)
            groupOf[key] = out.count - 1
            names[out.count - 1] = [member]
            memberGroup[state.name] = out.count - 1
        }
        var largest: [String: Int] = [:]
        var taken: Set<String> = []
        for (group, list) in names.sorted(by: { $0.key < $1.key }) {
            let fleet = Environment.fleetMember(out[group].state.name)?.fleet ?? ""
            // Two groups of a size are told apart by their first member: names are keys.
            var name = "\(fleet) (\(list.count) of \(counts[fleet] ?? list.count))"
            if taken.contains(name) {
                name = "\(fleet) (\(list.count) of \(counts[fleet] ?? list.count), like \(list[0]))"
            }
            taken.insert(name)
            out[group].state.name = name
            out[group].state.members = list
            if let best = largest[fleet], names[best]!.count >= list.count { continue }
            largest[fleet] = group
        }
        renamed.merge(memberGroup.mapValues { out[$0].state.name }) { $1 }
        for (fleet, group) in largest { renamed[fleet] = out[group].state.name }
        reads = out
        return renamed
    }

    /// The objects of several environments set side by side against `reference`: those not
    /// the same everywhere, and (with `all`) those that are.
    public static func differences(
        _ described: [(name: String, objects: [SchemaObjects.Key: SchemaObjects.Description])],
        reference: String, all: Bool = false
    ) -> (differences: [ComparisonReport.Difference], identical: [ComparisonReport.Difference]) {
        let base = described.first { $0.name == reference }?.objects ?? [:]
        var differences: [ComparisonReport.Difference] = []
        var identical: [ComparisonReport.Difference] = []
        // Every key once, each with its description in each environment: an environment's own
        // value needs no lookup, and a key an earlier environment holds was taken there. Most
        // objects are the same everywhere, so only what is reported is sorted, at the end.
        var values: [SchemaObjects.Description?] = []
        for (position, item) in described.enumerated() {
            entries: for (key, value) in item.objects {
                values.removeAll(keepingCapacity: true)
                for earlier in described[..<position] where earlier.objects[key] != nil {
                    continue entries
                }
                values.append(contentsOf: repeatElement(nil, count: position))
                values.append(value)
                for later in described[(position + 1)...] { values.append(later.objects[key]) }
                compare(key, values)
            }
        }
        let order = { (a: ComparisonReport.Difference, b: ComparisonReport.Difference) in
            SchemaObjects.Key(kind: a.kind, name: a.object)
                < SchemaObjects.Key(kind: b.kind, name: b.object)
        }
        differences.sort(by: order)
        identical.sort(by: order)
        return (differences, identical)

        func compare(_ key: SchemaObjects.Key, _ values: [SchemaObjects.Description?]) {
            // Whole descriptions, not only their lines: a property the line leaves out counts.
            let same = values.allSatisfy { SchemaObjects.equivalent($0, values[0]) }
            if same && !all { return }
            var byEnvironment: [String: String?] = [:]
            for (item, value) in zip(described, values) {
                byEnvironment[item.name] = .some(value?.text)
            }
            guard !same else {
                identical.append(.init(kind: key.kind, object: key.name, values: byEnvironment))
                return
            }
            var difference = ComparisonReport.Difference(
                kind: key.kind, object: key.name, values: byEnvironment)
            let mine = base[key]
            for (item, value) in zip(described, values) {
                switch (item.name == reference, mine, value) {
                case (true, _, nil): difference.states[item.name] = .absent
                case (true, _, _): difference.states[item.name] = .reference
                case (false, nil, nil): difference.states[item.name] = .absent
                case (false, nil, _): difference.states[item.name] = .onlyHere
                case (false, _, nil): difference.states[item.name] = .missing
                case (false, let mine?, let value?):
                    if SchemaObjects.equivalent(mine, value) {
                        difference.states[item.name] = .matches
                    } else {
                        difference.states[item.name] = .differs
                        var changes = SchemaObjects.changes(from: mine, to: value)
                        if changes.isEmpty { changes = ["definition differs"] }
                        difference.changes[item.name] = changes
                    }
                }
            }
            differences.append(difference)
        }
    }

    /// Leaves out a column, constraint, index, trigger or policy that is the same wherever it
    /// exists and missing exactly where its table is: it says nothing its table's line does not.
    public static func foldIntoRelations(_ differences: inout [ComparisonReport.Difference]) {
        // A column, constraint, index, trigger or policy that is the same wherever it exists,
        // and missing exactly where its table is missing, says nothing the table's line does not.
        let tableDifferences = Dictionary(
            differences.filter { $0.kind == .table || $0.kind == .view }.map {
                ($0.object, $0.values)
            }, uniquingKeysWith: { a, _ in a })
        differences.removeAll { difference in
            guard difference.kind.belongsToRelation,
                let dot = difference.object.lastIndex(of: "."),
                let table = tableDifferences[String(difference.object[..<dot])]
            else { return false }
            let present = Set(difference.values.values.compactMap { $0 })
            return present.count <= 1
                && difference.values.allSatisfy { name, value in
                    (value == nil) == ((table[name] ?? nil) == nil)
                }
        }
    }

    /// The environment furthest along the rollout: the most playbooks done, the earliest in
    /// the chain on a tie.
    static func furthestAlong(_ reads: [EnvironmentRead]) -> String? {
        let reachable = reads.filter { $0.objects != nil }
        guard let most = reachable.map(\.state.rollout.count).max() else { return nil }
        return reachable.first { $0.state.rollout.count == most }?.state.name
    }

    struct EnvironmentRead: Sendable {
        var state: ComparisonReport.EnvironmentState
        /// The snapshot's objects (``SchemaObjects/details(_:)``); nil where none was read.
        var objects: [SchemaObjects.Key: SchemaObjects.Description]?
        /// The objects as an older Tollgate described them, only where the ledger recorded
        /// effects to match them against.
        var legacy: [SchemaObjects.Key: String] = [:]
        var migrationNames: [String: String] = [:]
        /// Version → checksum of its recorded statements.
        var migrationChecksums: [String: String] = [:]
        /// The Supabase CLI's history with what each migration names; `nil` without one.
        var history: [DriftAttribution.Migration]?
        var effects: [Ledger.SchemaEffect] = []
        /// Migration versions Tollgate's steps applied here.
        var runByTollgate: Set<String> = []
        /// Each playbook as the ledger has it, for the timeline.
        var timeline: [Timeline.Input] = []
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
        // Every environment read has a lane in the timeline, a ledger or not.
        let state = reading.ledger?.state
        read.timeline = project.playbooks.map { playbook in
            Timeline.Input(
                playbook: playbook.name, succeededAt: state?.lastSuccess[playbook.name],
                approvals: (state?.approvals[playbook.name] ?? []).filter {
                    $0.playbookChecksum == playbook.contentChecksum
                }.map { Timeline.Approval(approver: $0.approver, at: $0.approvedAt) },
                soak: playbook.gates.soak ?? reading.environment.protection.soakAfterPrevious
                    ?? .zero,
                promotion: playbook.gates.promotion)
        }
        if let described = reading.described {
            read.objects = described.objects
            read.legacy = described.legacy
            read.state.fingerprint = described.fingerprint
        } else if let snapshot = reading.snapshot {
            read.objects = SchemaObjects.details(snapshot)
            if !read.effects.isEmpty { read.legacy = LegacyDescriptions.describe(snapshot) }
            read.state.fingerprint = snapshot.fingerprint
        }
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

    static func diff(
        _ reads: [EnvironmentRead], all: Bool = false, reference chosen: String? = nil,
        now: Date = Date()
    ) -> ComparisonReport {
        var reads = reads
        let reachable = reads.filter { $0.objects != nil }
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
        // Objects: every environment's descriptions, keyed by kind and name, against the
        // reference.
        let detailed = reachable.map {
            (name: $0.state.name, objects: $0.objects!)
        }
        let described = detailed.map { (name: $0.name, objects: $0.objects.mapValues(\.text)) }
        // A chosen reference that could not be read gives way to the furthest along, and the
        // report says so.
        let readable = chosen.flatMap { name in
            reachable.contains { $0.state.name == name } ? name : nil
        }
        let reference = readable ?? furthestAlong(reads)
        var (differences, identical) = differences(
            detailed, reference: reference ?? "", all: all)
        foldIntoRelations(&differences)
        // Drift: per environment, what no migration or step accounts for.
        var drift: [ComparisonReport.Drift] = []
        for (index, read) in reads.enumerated() {
            guard let objects = described.first(where: { $0.name == read.state.name })?.objects
            else { continue }
            let result = DriftAttribution.attribute(
                environment: read.state.name, objects: objects,
                legacy: read.legacy,
                migrations: read.history,
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
        let withLedgers = reads.filter { !$0.timeline.isEmpty }
        if !withLedgers.isEmpty {
            report.timeline = Timeline.build(
                withLedgers.map { (name: $0.state.name, inputs: $0.timeline) }, now: now)
        }
        report.reference = reference
        report.referenceChosen = readable != nil
        if let chosen, readable == nil { report.referenceUnread = chosen }
        if all { report.identical = identical }
        return report
    }
}
