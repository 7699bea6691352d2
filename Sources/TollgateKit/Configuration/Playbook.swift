import Foundation
import Yams

/// One day of a rollout: gates, then ordered steps, run on one environment at a time.
public struct Playbook: Sendable {
    public let name: String
    public let description: String?
    public let gates: Gates
    public let steps: [Step]
    public let location: SourceLocation

    /// What an approval is given for: SHA-256 over the gates and every step (id, kind,
    /// whether it is transactional, and its SQL, command, suite or duration). An approval
    /// recorded for other content does not count: whoever approved Day 4 approved those
    /// statements behind those gates.
    public var contentChecksum: String {
        let wait = gates.waitAfter.map { "\($0.playbook)/\($0.variable ?? "")/\(DurationParser.format($0.fallback))" } ?? ""
        let gateLine = [
            "requires=\(gates.requires)", "before=\(gates.before)", "after=\(gates.after)", "promotion=\(gates.promotion)",
            "soak=\(gates.soak.map(DurationParser.format) ?? "")", "approvals=\(gates.approvals.map(String.init) ?? "")",
            "upstream=\(gates.upstream)", "wait_after=\(wait)",
        ].joined(separator: ";")
        return SHA256.hex(
            ([gateLine] + steps.map { step in
                let content: String
                switch step.action {
                case .suite(let name): content = name
                case .wait(let duration): content = DurationParser.format(duration)
                default: content = step.checksum ?? ""
                }
                return "\(step.id)\t\(step.kind)\t\(step.transactional)\t\(content)"
            }).joined(separator: "\n"))
    }

    /// What must hold before (and after) the playbook runs on an environment.
    public struct Gates: Sendable {
        /// Playbooks that must have succeeded on this environment.
        public var requires: [String] = []
        /// Suites that must pass before the first step.
        public var before: [String] = []
        /// Suites that must pass after the last step for the run to succeed.
        public var after: [String] = []
        /// Whether the playbook must first have succeeded on the previous environment.
        public var promotion = true
        /// Overrides the environment's `soak_after_previous` for this playbook.
        public var soak: Duration?
        /// Overrides the environment's `approvals_required` for this playbook.
        public var approvals: Int?
        /// Suites that must pass on every earlier environment of the chain too.
        public var upstream: [String] = []
        /// Another playbook must have succeeded here at least this long ago.
        public var waitAfter: WaitAfter?
    }

    /// A soak after another playbook on the same environment, sized by an environment
    /// variable (Day 4 waits `jwt_expiry` seconds after Day 3, until every token has been
    /// refreshed with its org_id).
    public struct WaitAfter: Sendable {
        public var playbook: String
        /// The variable holding the duration (`3600`, `1h`); `fallback` when it is unset.
        public var variable: String?
        public var fallback: Duration
    }

    /// One step. Transactional steps commit together with their ledger row.
    public struct Step: Sendable {
        public enum Action: Sendable {
            /// A file under `Playbooks/migrations/`, `<version>_<name>.sql`.
            case migration(file: String, version: String, name: String, sql: String)
            case sql(String)
            case suite(String)
            case shell(String)
            case wait(Duration)
            /// A batched update with a resumable cursor; see ``Backfill``.
            case backfill(Backfill)
        }

        public let id: String
        public let action: Action
        /// False for statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`).
        public let transactional: Bool
        /// The step may run again after an interruption (idempotent SQL, a check, a pause).
        public let rerunnable: Bool
        public let lockTimeout: Duration
        /// ``lockTimeout`` as the milliseconds `SET lock_timeout` takes.
        public var lockTimeoutMilliseconds: Int64 {
            let (seconds, attoseconds) = lockTimeout.components
            return seconds * 1000 + attoseconds / 1_000_000_000_000_000
        }
        public let retries: Int
        public let location: SourceLocation

        /// What the ledger records to notice later edits: SHA-256 of the SQL (or command) with
        /// line endings normalised, so a checkout with CRLF does not count as a change.
        public var checksum: String? {
            switch action {
            case .migration(_, _, _, let sql), .sql(let sql):
                return SHA256.hex(sql.replacingOccurrences(of: "\r\n", with: "\n"))
            case .shell(let command): return SHA256.hex(command)
            case .backfill(let backfill):
                return SHA256.hex("\(backfill.table)\n\(backfill.set)\n\(backfill.where)".replacingOccurrences(of: "\r\n", with: "\n"))
            case .suite, .wait: return nil
            }
        }

        public var kind: String {
            switch action {
            case .migration: return "migration"
            case .sql: return "sql"
            case .suite: return "suite"
            case .shell: return "shell"
            case .wait: return "wait"
            case .backfill: return "backfill"
            }
        }
    }
}

/// Reads `Playbooks/*.yml`.
enum PlaybookFile {
    static let highestSupportedVersion = 1
    static let fileKeys = ["version", "playbook", "description", "gates", "steps"]
    static let gateKeys = ["requires", "before", "after", "promotion", "soak", "approvals", "upstream", "wait_after"]
    static let actionKeys = ["migration", "sql", "suite", "shell", "wait", "backfill"]
    static let stepKeys = ["id", "description", "transaction", "rerunnable", "lock_timeout", "retries"] + actionKeys

    static func read(_ text: String, reader: YAMLReader, migrations: URL) -> Playbook? {
        guard let root = reader.compose(text),
            let entries = reader.mapping(root, "the playbook", allowed: fileKeys, required: ["version", "playbook", "steps"])
        else { return nil }
        reader.checkVersion(entries["version"]?.value, highestSupported: highestSupportedVersion)
        var gates = Playbook.Gates()
        if let node = entries["gates"]?.value, let fields = reader.mapping(node, "'gates'", allowed: gateKeys) {
            gates.requires = fields["requires"].flatMap { reader.strings($0.value, key: "requires") } ?? []
            gates.before = fields["before"].flatMap { reader.strings($0.value, key: "before") } ?? []
            gates.after = fields["after"].flatMap { reader.strings($0.value, key: "after") } ?? []
            gates.promotion = fields["promotion"].flatMap { reader.boolean($0.value, key: "promotion") } ?? true
            gates.soak = fields["soak"].flatMap { reader.duration($0.value, key: "soak") }
            gates.approvals = fields["approvals"].flatMap { reader.integer($0.value, key: "approvals") }
            gates.upstream = fields["upstream"].flatMap { reader.strings($0.value, key: "upstream") } ?? []
            if let node = fields["wait_after"]?.value,
                let wait = reader.mapping(node, "'wait_after'", allowed: ["playbook", "variable", "default"], required: ["playbook"]),
                let playbook = wait["playbook"].flatMap({ reader.string($0.value, key: "playbook") })
            {
                gates.waitAfter = Playbook.WaitAfter(
                    playbook: playbook, variable: wait["variable"].flatMap { reader.string($0.value, key: "variable") },
                    fallback: wait["default"].flatMap { reader.duration($0.value, key: "default") } ?? .seconds(3600))
            }
        }
        var steps: [Playbook.Step] = []
        if let node = entries["steps"]?.value {
            if case .sequence(let sequence) = node {
                for item in sequence { if let step = readStep(item, reader: reader, migrations: migrations) { steps.append(step) } }
            } else {
                reader.diagnostics.error("expected a list for 'steps', found \(reader.kind(of: node))", at: reader.location(node))
            }
        }
        var seen: [String: SourceLocation] = [:]
        for step in steps {
            if let first = seen[step.id] {
                reader.diagnostics.error("duplicate step id '\(step.id)' (first at line \(first.line))", at: step.location)
            }
            seen[step.id] = step.location
        }
        guard let nameNode = entries["playbook"]?.value, let name = reader.string(nameNode, key: "playbook") else { return nil }
        return Playbook(
            name: name, description: entries["description"].flatMap { reader.string($0.value, key: "description") },
            gates: gates, steps: steps, location: reader.location(nameNode))
    }

    static func readStep(_ node: Node, reader: YAMLReader, migrations: URL) -> Playbook.Step? {
        guard let entries = reader.mapping(node, "a step", allowed: stepKeys, required: ["id"]) else { return nil }
        let actions = actionKeys.filter { entries[$0] != nil }
        guard actions.count == 1, let key = actions.first, let actionNode = entries[key]?.value else {
            reader.diagnostics.error(
                actions.isEmpty
                    ? "a step needs one of: \(actionKeys.joined(separator: ", "))"
                    : "a step does one thing, found \(actions.joined(separator: " and "))",
                at: reader.location(node))
            return nil
        }
        guard let id = entries["id"].flatMap({ reader.string($0.value, key: "id") }) else { return nil }
        // A backfill is many short transactions by nature, its cursor making it resumable.
        let transactional = entries["backfill"] == nil
            && (entries["transaction"].flatMap { reader.boolean($0.value, key: "transaction") } ?? true)
        var action: Playbook.Step.Action?
        switch key {
        case "migration":
            guard let file = reader.string(actionNode, key: key) else { return nil }
            let stem = (file as NSString).deletingPathExtension
            guard file.hasSuffix(".sql"), let underscore = stem.firstIndex(of: "_"),
                stem[..<underscore].allSatisfy(\.isNumber), !stem[..<underscore].isEmpty
            else {
                reader.diagnostics.error(
                    "migration '\(file)' must be named <version>_<name>.sql, as Supabase names them (20250110090000_create_organizations.sql)",
                    at: reader.location(actionNode))
                return nil
            }
            guard let sql = try? String(contentsOf: migrations.appendingPathComponent(file), encoding: .utf8) else {
                reader.diagnostics.error("migration file 'Playbooks/migrations/\(file)' does not exist", at: reader.location(actionNode))
                return nil
            }
            action = .migration(file: file, version: String(stem[..<underscore]), name: String(stem[stem.index(after: underscore)...]), sql: sql)
        case "sql": action = reader.string(actionNode, key: key).map { .sql($0) }
        case "suite": action = reader.string(actionNode, key: key).map { .suite($0) }
        case "shell": action = reader.string(actionNode, key: key).map { .shell($0) }
        case "wait": action = reader.duration(actionNode, key: key).map { .wait($0) }
        case "backfill":
            guard let fields = reader.mapping(
                actionNode, "'backfill'", allowed: ["table", "set", "where", "batch_pages", "target", "pause"],
                required: ["table", "set", "where"])
            else { return nil }
            guard let table = fields["table"].flatMap({ reader.string($0.value, key: "table") }),
                let set = fields["set"].flatMap({ reader.string($0.value, key: "set") }),
                let condition = fields["where"].flatMap({ reader.string($0.value, key: "where") })
            else { return nil }
            action = .backfill(
                Backfill(
                    table: QualifiedName(parsing: table), set: set, where: condition,
                    initialPages: fields["batch_pages"].flatMap { reader.integer($0.value, key: "batch_pages", minimum: 1) } ?? 8,
                    target: fields["target"].flatMap { reader.duration($0.value, key: "target") } ?? .milliseconds(150),
                    pause: fields["pause"].flatMap { reader.duration($0.value, key: "pause") } ?? .zero))
        default: break
        }
        guard let action else { return nil }
        let defaultRerunnable: Bool = {
            switch action {
            case .suite, .wait, .backfill: return true
            default: return false
            }
        }()
        let rerunnable = entries["rerunnable"].flatMap { reader.boolean($0.value, key: "rerunnable") } ?? defaultRerunnable
        if !transactional && !rerunnable, let node = entries["transaction"]?.value {
            reader.diagnostics.error(
                "step '\(id)' has 'transaction: false', so an interruption can leave it half done: write it to be safe to run again (IF NOT EXISTS, CONCURRENTLY) and mark it 'rerunnable: true'",
                at: reader.location(node))
        }
        if transactional, case .migration(_, _, _, let sql) = action, mentionsConcurrently(sql) {
            reader.diagnostics.error(
                "step '\(id)' uses CONCURRENTLY, which cannot run inside a transaction: add 'transaction: false' and 'rerunnable: true'",
                at: reader.location(actionNode))
        }
        if transactional, case .sql(let sql) = action, mentionsConcurrently(sql) {
            reader.diagnostics.error(
                "step '\(id)' uses CONCURRENTLY, which cannot run inside a transaction: add 'transaction: false' and 'rerunnable: true'",
                at: reader.location(actionNode))
        }
        return Playbook.Step(
            id: id, action: action, transactional: transactional, rerunnable: rerunnable,
            lockTimeout: entries["lock_timeout"].flatMap { reader.duration($0.value, key: "lock_timeout") } ?? .seconds(1),
            retries: entries["retries"].flatMap { reader.integer($0.value, key: "retries") } ?? 5,
            location: reader.location(node))
    }

    /// `CONCURRENTLY` outside comments and string literals, roughly: enough to catch
    /// `CREATE INDEX CONCURRENTLY` in a transactional step.
    static func mentionsConcurrently(_ sql: String) -> Bool {
        sql.split(separator: "\n").map { line in line.components(separatedBy: "--")[0] }
            .joined(separator: "\n").range(of: #"\bconcurrently\b"#, options: [.regularExpression, .caseInsensitive]) != nil
    }
}

/// A batched `UPDATE` of one table, declared in a playbook:
///
/// ```yaml
/// - id: backfill-leads
///   backfill:
///     table: public.leads
///     set: org_id = (select m.org_id from tollgate.user_orgs m where m.user_id = t.user_id)
///     where: t.org_id is null
/// ```
///
/// The table is `t` in `set` and `where`. `where` must select only rows that still need the
/// change, which makes every batch idempotent.
public struct Backfill: Sendable {
    public var table: QualifiedName
    public var set: String
    public var `where`: String
    /// Pages per batch to start with; adapted to reach `target`.
    public var initialPages: Int
    /// How long one batch should take: short enough to keep locks brief.
    public var target: Duration
    /// An optional pause between batches, to leave room for other work.
    public var pause: Duration
}
