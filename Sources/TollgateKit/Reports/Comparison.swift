import Foundation
import PostgresClient

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

        public init(
            name: String, error: String? = nil, serverVersion: String? = nil, fingerprint: String? = nil,
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
        public init(version: String, name: String?, appliedIn: [String], missingIn: [String]) {
            self.version = version
            self.name = name
            self.appliedIn = appliedIn
            self.missingIn = missingIn
        }
    }

    /// One object that is not the same everywhere: its description per environment, `nil`
    /// where it does not exist.
    public struct Difference: Sendable, Codable, Equatable {
        public var kind: String
        public var object: String
        public var values: [String: String?]

        public init(kind: String, object: String, values: [String: String?]) {
            self.kind = kind
            self.object = object
            self.values = values
        }
    }

    public var version = 1
    public var environments: [EnvironmentState]
    public var migrations: [Migration]
    public var differences: [Difference]
    /// Environments that block the Warden deployment, with why.
    public var wardenBlockedBy: [String: String]

    public init(environments: [EnvironmentState], migrations: [Migration], differences: [Difference], wardenBlockedBy: [String: String]) {
        self.environments = environments
        self.migrations = migrations
        self.differences = differences
        self.wardenBlockedBy = wardenBlockedBy
    }

    /// The one line to read first.
    public var headline: String {
        if wardenBlockedBy.isEmpty { return "Warden can deploy: the warden suite passes on every environment compared" }
        let blockers = environments.map(\.name).filter { wardenBlockedBy[$0] != nil }
            .map { "\($0) (\(wardenBlockedBy[$0]!))" }
        return "Warden is blocked on " + blockers.joined(separator: "; ")
    }
}

public enum Comparison {
    /// Reads every environment in parallel and compares them.
    public static func compare(_ environments: [Environment], project: Project) async -> ComparisonReport {
        let states = await withTaskGroup(of: (Int, EnvironmentRead).self) { group in
            for (index, environment) in environments.enumerated() {
                group.addTask {
                    let result = (try? await runBlocking { Comparison.read(environment, project: project) })
                        ?? EnvironmentRead(state: .init(name: environment.name, error: "internal error", migrations: [], rollout: [], checks: [:]), snapshot: nil, migrationNames: [:])
                    return (index, result)
                }
            }
            var results: [(Int, EnvironmentRead)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return diff(states)
    }

    struct EnvironmentRead: Sendable {
        var state: ComparisonReport.EnvironmentState
        var snapshot: CatalogSnapshot?
        var migrationNames: [String: String]
    }

    static func read(_ environment: Environment, project: Project) -> EnvironmentRead {
        var state = ComparisonReport.EnvironmentState(name: environment.name, migrations: [], rollout: [], checks: [:])
        var names: [String: String] = [:]
        do {
            let db = try environment.connect(timeout: 5)
            let facts = try DatabaseFacts.read(db)
            state.serverVersion = facts.serverVersion
            for migration in facts.supabaseMigrations ?? [] {
                state.migrations.append(migration.version)
                names[migration.version] = migration.name
            }
            let ledger = Ledger(db)
            if try ledger.exists() {
                let approvals = try ledger.state().approvers
                for row in try db.query(
                    """
                    select playbook, (array_agg(actor order by finished_at desc))[1] as actor
                    from tollgate.runs where outcome = 'succeeded' group by playbook order by min(finished_at)
                    """
                ).rows {
                    let playbook: String = try row.decode("playbook")
                    state.rollout.append(.init(playbook: playbook, ranBy: try row.decode("actor"), approvedBy: approvals[playbook] ?? []))
                }
            }
            let snapshot = try CatalogSnapshot.load(from: db)
            state.fingerprint = snapshot.fingerprint
            for name in ["warden", "verify"] {
                guard let suite = project.suites[name] else { continue }
                let run = try CheckRunner(project: project).run(suite, on: db, environment: environment.name, snapshot: snapshot)
                state.checks[name] = .init(
                    passed: run.passed,
                    firstFailure: run.failures.first.map { "\($0.check)\($0.subject.map { " on \($0)" } ?? "")" })
            }
            return EnvironmentRead(state: state, snapshot: snapshot, migrationNames: names)
        } catch let error as ConnectionError {
            state.error = error.underlying.message
        } catch let error as PostgresError {
            state.error = error.summary
        } catch {
            state.error = "\(error)"
        }
        return EnvironmentRead(state: state, snapshot: nil, migrationNames: names)
    }

    static func diff(_ reads: [EnvironmentRead]) -> ComparisonReport {
        let reachable = reads.filter { $0.snapshot != nil }
        // Migrations: the union, and where each is missing.
        var allNames: [String: String] = [:]
        for read in reads { allNames.merge(read.migrationNames) { first, _ in first } }
        let migrations = allNames.keys.sorted().map { version in
            ComparisonReport.Migration(
                version: version, name: allNames[version].flatMap { $0.isEmpty ? nil : $0 },
                appliedIn: reachable.filter { $0.state.migrations.contains(version) }.map(\.state.name),
                missingIn: reachable.filter { !$0.state.migrations.contains(version) }.map(\.state.name))
        }
        // Objects: every environment's descriptions, keyed by kind and name.
        let described = reachable.map { (name: $0.state.name, objects: describe($0.snapshot!)) }
        var keys = Set<ObjectKey>()
        for item in described { keys.formUnion(item.objects.keys) }
        var differences: [ComparisonReport.Difference] = []
        for key in keys.sorted() {
            let values = described.map { $0.objects[key] }
            if Set(values.map { $0 ?? "\u{0}absent" }).count > 1 {
                var byEnvironment: [String: String?] = [:]
                for (item, value) in zip(described, values) { byEnvironment[item.name] = .some(value) }
                differences.append(.init(kind: key.kind, object: key.name, values: byEnvironment))
            }
        }
        // A column, constraint, index, trigger or policy that is the same wherever it exists,
        // and missing exactly where its table is missing, says nothing the table's line does not.
        let tableDifferences = Dictionary(
            differences.filter { $0.kind == "table" || $0.kind == "view" }.map { ($0.object, $0.values) }, uniquingKeysWith: { a, _ in a })
        differences.removeAll { difference in
            guard difference.kind != "table", difference.kind != "view",
                let dot = difference.object.lastIndex(of: "."),
                let table = tableDifferences[String(difference.object[..<dot])]
            else { return false }
            let present = Set(difference.values.values.compactMap { $0 })
            return present.count <= 1
                && difference.values.allSatisfy { name, value in (value == nil) == ((table[name] ?? nil) == nil) }
        }
        var blocked: [String: String] = [:]
        for read in reads {
            if let error = read.state.error {
                blocked[read.state.name] = "unreachable: \(error)"
            } else if let warden = read.state.checks["warden"], !warden.passed {
                blocked[read.state.name] = warden.firstFailure ?? "warden fails"
            }
        }
        return ComparisonReport(environments: reads.map(\.state), migrations: migrations, differences: differences, wardenBlockedBy: blocked)
    }

    struct ObjectKey: Hashable, Comparable {
        var kind: String
        var name: String
        static func < (a: Self, b: Self) -> Bool { (a.name, a.kind) < (b.name, b.kind) }
    }

    /// One line per object, everything that matters about it and nothing that differs by
    /// accident (OIDs, creation order, whitespace in definitions).
    static func describe(_ snapshot: CatalogSnapshot) -> [ObjectKey: String] {
        func squeeze(_ text: String?) -> String { StructuralCheck.oneLine(text ?? "") }
        var objects: [ObjectKey: String] = [:]
        for relation in snapshot.relations.values {
            let kind = relation.isView ? "view" : "table"
            var text = relation.isView ? "view" : "table"
            if relation.rowSecurity { text += ", RLS enabled\(relation.forceRowSecurity ? " and forced" : "")" }
            if relation.isView { text += relation.securityInvoker ? ", security_invoker" : ", runs as its owner" }
            if !relation.apiGrants.isEmpty { text += ", grants " + relation.apiGrants.joined(separator: " ") }
            objects[ObjectKey(kind: kind, name: relation.name.description)] = text
            for column in relation.columns {
                objects[ObjectKey(kind: "column", name: "\(relation.name).\(column.name)")] =
                    column.type + (column.notNull ? " NOT NULL" : "") + (column.defaultExpression.map { " default \($0)" } ?? "")
            }
        }
        for constraint in snapshot.constraints {
            objects[ObjectKey(kind: "constraint", name: "\(constraint.table).\(constraint.name)")] =
                squeeze(constraint.definition.replacingOccurrences(of: " NOT VALID", with: "")) + (constraint.validated ? "" : " (NOT VALID)")
        }
        for index in snapshot.indexes {
            objects[ObjectKey(kind: "index", name: "\(index.table).\(index.name)")] =
                squeeze(index.definition) + (index.valid ? "" : " (INVALID)")
        }
        for function in snapshot.functions {
            objects[ObjectKey(kind: "function", name: function.signature)] =
                "returns \(function.result), \(StructuralCheck.volatilityName(function.volatility))"
                + (function.securityDefiner ? ", security definer" : "")
                + (function.settings.isEmpty ? "" : ", set \(function.settings.joined(separator: " "))")
                + ", body \(function.bodyHash.prefix(12))"
        }
        for trigger in snapshot.triggers {
            objects[ObjectKey(kind: "trigger", name: "\(trigger.table).\(trigger.name)")] =
                "\(trigger.timing) \(trigger.events.joined(separator: "/")) \(trigger.level) → \(trigger.function)" + (trigger.enabled == "D" ? " (disabled)" : "")
        }
        for policy in snapshot.policies {
            objects[ObjectKey(kind: "policy", name: "\(policy.table).\(policy.name)")] =
                "\(policy.commandName) to \(policy.roles.joined(separator: ", ")) using \(squeeze(policy.using ?? "true"))"
                + (policy.withCheck.map { " with check \(squeeze($0))" } ?? "") + (policy.permissive ? "" : " (restrictive)")
        }
        return objects
    }
}
