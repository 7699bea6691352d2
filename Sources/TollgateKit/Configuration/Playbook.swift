import Foundation
import Yams

/// One day of a rollout: gates, then ordered steps, run on one environment at a time.
public struct Playbook: Sendable {
    public let name: String
    public let description: String?
    public let gates: Gates
    public let steps: [Step]
    public let location: SourceLocation

    /// What an approval is given for: SHA-256 over the gates and every step (id, kind, whether it
    /// is transactional, and its SQL, command, suite or duration).
    ///
    /// An approval recorded for other content does not count: whoever approved Day 4 approved those
    /// statements behind those gates.
    public var contentChecksum: String {
        let wait =
            gates.waitAfter.map {
                "\($0.playbook)/\($0.variable ?? "")/\(DurationParser.format($0.fallback))"
            } ?? ""
        let gateLine = [
            "requires=\(gates.requires)", "before=\(gates.before)", "after=\(gates.after)",
            "promotion=\(gates.promotion)",
            "soak=\(gates.soak.map(DurationParser.format) ?? "")",
            "approvals=\(gates.approvals.map(String.init) ?? "")",
            "upstream=\(gates.upstream)", "wait_after=\(wait)",
        ].joined(separator: ";")
        return SHA256.hex(
            ([gateLine]
                + steps.map { step in
                    "\(step.id)\t\(step.kind)\t\(step.transactional)\t\(step.action.approvalContent)"
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

    /// One step.
    ///
    /// Transactional steps commit together with their ledger row.
    public struct Step: Sendable {
        public let id: String
        /// What it does: one of ``StepKinds/all``.
        public let action: any StepAction
        /// False for statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`).
        public let transactional: Bool
        /// The step may run again after an interruption (idempotent SQL, a check, a pause).
        public let rerunnable: Bool
        public let lockTimeout: Duration
        /// ``lockTimeout`` as the milliseconds `SET lock_timeout` takes.
        public var lockTimeoutMilliseconds: Int64 { DurationParser.milliseconds(lockTimeout) }
        public let retries: Int
        /// How long the step may hold a strong lock on a tenant table; nil for the default
        /// (200 ms for `ACCESS EXCLUSIVE`, no budget for weaker locks).
        public var lockBudget: Duration? = nil
        /// Runs again on every run until a later step of the playbook has succeeded: a watch
        /// and its quiet period that a failed check after them must start over.
        public var rerunUntilDone = false
        public let location: SourceLocation

        /// What the ledger records to notice later edits: SHA-256 of the SQL (or command) with
        /// line endings normalised, so a checkout with CRLF does not count as a change.
        public var checksum: String? { action.checksum }
        public var kind: String { action.kind }

        public init(
            id: String, action: any StepAction, transactional: Bool, rerunnable: Bool,
            lockTimeout: Duration = .seconds(1),
            retries: Int = 5, location: SourceLocation
        ) {
            self.id = id
            self.action = action
            self.transactional = transactional
            self.rerunnable = rerunnable
            self.lockTimeout = lockTimeout
            self.retries = retries
            self.location = location
        }
    }
}

/// Reads `Playbooks/*.yml`.
enum PlaybookFile {
    static let highestSupportedVersion = 1
    static let fileKeys = ["version", "playbook", "description", "gates", "steps"]
    static let gateKeys = [
        "requires", "before", "after", "promotion", "soak", "approvals", "upstream", "wait_after",
    ]
    static var stepKeys: [String] {
        [
            "id", "description", "transaction", "rerunnable", "lock_timeout", "retries",
            "lock_budget", "rerun_until_done",
        ]
            + StepKinds.keys
    }

    static func read(_ text: String, reader: YAMLReader, migrations: URL) -> Playbook? {
        guard let root = reader.compose(text),
            let entries = reader.mapping(
                root, "the playbook", allowed: fileKeys, required: ["version", "playbook", "steps"])
        else { return nil }
        reader.checkVersion(entries["version"]?.value, highestSupported: highestSupportedVersion)
        var gates = Playbook.Gates()
        if let node = entries["gates"]?.value,
            let fields = reader.mapping(node, "'gates'", allowed: gateKeys)
        {
            gates.requires =
                fields["requires"].flatMap { reader.strings($0.value, key: "requires") } ?? []
            gates.before =
                fields["before"].flatMap { reader.strings($0.value, key: "before") } ?? []
            gates.after = fields["after"].flatMap { reader.strings($0.value, key: "after") } ?? []
            gates.promotion =
                fields["promotion"].flatMap { reader.boolean($0.value, key: "promotion") } ?? true
            gates.soak = fields["soak"].flatMap { reader.duration($0.value, key: "soak") }
            gates.approvals = fields["approvals"].flatMap {
                reader.integer($0.value, key: "approvals")
            }
            gates.upstream =
                fields["upstream"].flatMap { reader.strings($0.value, key: "upstream") } ?? []
            if let node = fields["wait_after"]?.value,
                let wait = reader.mapping(
                    node, "'wait_after'", allowed: ["playbook", "variable", "default"],
                    required: ["playbook"]),
                let playbook = wait["playbook"].flatMap({ reader.string($0.value, key: "playbook") }
                )
            {
                gates.waitAfter = Playbook.WaitAfter(
                    playbook: playbook,
                    variable: wait["variable"].flatMap { reader.string($0.value, key: "variable") },
                    fallback: wait["default"].flatMap { reader.duration($0.value, key: "default") }
                        ?? .seconds(3600))
            }
        }
        var steps: [Playbook.Step] = []
        if let node = entries["steps"]?.value {
            if case .sequence(let sequence) = node {
                for item in sequence {
                    steps += readSteps(item, reader: reader, migrations: migrations)
                }
            } else {
                reader.diagnostics.error(
                    "expected a list for 'steps', found \(reader.kind(of: node))",
                    at: reader.location(node))
            }
        }
        // One folder named twice (`supabase/migrations` and `./supabase/migrations/`) would run
        // each file twice.
        var folders: [String: (step: String, folder: String)] = [:]
        for step in steps {
            guard let migration = step.action as? MigrationStep, let folder = migration.folder
            else { continue }
            let owner = String(step.id.dropLast(migration.file.count - 3))
            let resolved = SupabaseMigrationsStep.resolved(
                folder, root: migrations.deletingLastPathComponent().deletingLastPathComponent())
            if let other = folders[resolved], other.step != owner {
                reader.diagnostics.error(
                    "steps '\(other.step)' and '\(owner)' both apply the folder '\(other.folder)'\(other.folder == folder ? "" : " ('\(folder)')"): apply it in one step",
                    at: step.location)
                break
            }
            folders[resolved] = folders[resolved] ?? (owner, folder)
        }
        var seen: [String: SourceLocation] = [:]
        for step in steps {
            if let first = seen[step.id] {
                reader.diagnostics.error(
                    "duplicate step id '\(step.id)' (first at line \(first.line))",
                    at: step.location)
            }
            seen[step.id] = step.location
        }
        guard let nameNode = entries["playbook"]?.value,
            let name = reader.string(nameNode, key: "playbook")
        else { return nil }
        return Playbook(
            name: name,
            description: entries["description"].flatMap {
                reader.string($0.value, key: "description")
            },
            gates: gates, steps: steps, location: reader.location(nameNode))
    }

    /// One step, or the steps an expanding one stands for.
    static func readSteps(_ node: Node, reader: YAMLReader, migrations: URL) -> [Playbook.Step] {
        guard let entries = reader.mapping(node, "a step", allowed: stepKeys, required: ["id"])
        else { return [] }
        guard
            let key = reader.exactlyOne(
                of: StepKinds.keys, in: entries, what: "a step", several: "does one thing", at: node
            ),
            let kind = StepKinds.all.first(where: { $0.key == key }),
            let actionNode = entries[key]?.value
        else { return [] }
        // Every field is read (and every problem reported) before giving up on the step.
        let id = entries["id"].flatMap { reader.string($0.value, key: "id") }
        let action = kind.read(
            actionNode,
            StepReadingContext(
                reader: reader,
                root: migrations.deletingLastPathComponent()
                    .deletingLastPathComponent(), migrations: migrations))
        let transactional =
            !kind.ownsItsTransactions
            && (entries["transaction"].flatMap { reader.boolean($0.value, key: "transaction") }
                ?? true)
        let rerunnable =
            entries["rerunnable"].flatMap { reader.boolean($0.value, key: "rerunnable") }
            ?? kind.rerunnableByDefault
        let lockTimeout = entries["lock_timeout"].flatMap {
            reader.duration($0.value, key: "lock_timeout")
        }
        let retries = entries["retries"].flatMap { reader.integer($0.value, key: "retries") }
        let lockBudget = entries["lock_budget"].flatMap {
            reader.duration($0.value, key: "lock_budget")
        }
        guard let id, let action else { return [] }
        if !transactional && !rerunnable, let node = entries["transaction"]?.value {
            reader.diagnostics.error(
                "step '\(id)' has 'transaction: false', so an interruption can leave it half done: write it to be safe to run again (IF NOT EXISTS, CONCURRENTLY) and mark it 'rerunnable: true'",
                at: reader.location(node))
        }
        let rerunUntilDone =
            entries["rerun_until_done"].flatMap {
                reader.boolean($0.value, key: "rerun_until_done")
            } ?? false
        let actions =
            (action as? any ExpandingStepAction)?.expansion.map {
                ("\(id)/\($0.suffix)", $0.action)
            }
            ?? [(id, action)]
        if action is any ExpandingStepAction, let node = entries["rerun_until_done"]?.value,
            rerunUntilDone
        {
            reader.diagnostics.error(
                "step '\(id)' stands for many steps (a migrations folder): 'rerun_until_done' is for a watch, not for migrations",
                at: reader.location(node))
        }
        return actions.map { id, action in
            if let migration = action as? MigrationStep, migration.folder != nil {
                for problem in SupabaseMigrationsStep.problems(
                    in: migration, transactional: transactional)
                {
                    let at = SourceLocation(file: migration.path, line: problem.line, column: 1)
                    if problem.isError {
                        reader.diagnostics.error(problem.message, at: at)
                    } else {
                        reader.diagnostics.warning(problem.message, at: at)
                    }
                }
            } else if transactional, let sql = action.sql, mentionsConcurrently(sql) {
                reader.diagnostics.error(
                    "step '\(id)' uses CONCURRENTLY, which cannot run inside a transaction: add 'transaction: false' and 'rerunnable: true'",
                    at: reader.location(actionNode))
            }
            var step = Playbook.Step(
                id: id, action: action, transactional: transactional, rerunnable: rerunnable,
                lockTimeout: lockTimeout ?? .seconds(1), retries: retries ?? 5,
                location: reader.location(node))
            step.lockBudget = lockBudget
            step.rerunUntilDone = rerunUntilDone
            return step
        }
    }

    /// `CONCURRENTLY` as a word of the SQL itself: not inside a comment (`--`, nested `/* */`),
    /// a string (`'…'`, `E'…'` with its backslash escapes), a quoted identifier or a dollar
    /// quote (`$$…$$`, `$tag$…$tag$`), where the word runs nothing: a comment that says
    /// "concurrently" is no reason to take a step out of its transaction.
    ///
    /// A scan of the bytes: every command that reads playbooks loads every playbook's SQL, and
    /// the regular expression this was cost `status` a tenth of its time.
    static func mentionsConcurrently(_ sql: String) -> Bool {
        let word = Array("concurrently".utf8)
        // Letters, digits, `_` and any non-ASCII byte are word characters, as for `\b`.
        func isWord(_ byte: UInt8) -> Bool {
            (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F || byte >= 0x80
        }
        var sql = sql
        return sql.withUTF8 { bytes in
            let count = bytes.count
            /// The index after the first `terminator` from `index` on, or the end.
            func after(_ terminator: UInt8, from index: Int, backslashEscapes: Bool) -> Int {
                var index = index
                while index < count {
                    let byte = bytes[index]
                    if backslashEscapes && byte == 0x5C {
                        index += 2
                        continue
                    }
                    index += 1
                    if byte == terminator {
                        // A doubled quote is one quote inside the literal.
                        guard index < count, bytes[index] == terminator else { return index }
                        index += 1
                    }
                }
                return count
            }
            /// After a string ending before `index`: where its continuation's text starts, when
            /// white space with a newline (and `--` comments) and a quote follow.
            func continuation(from index: Int) -> Int? {
                var index = index
                var newline = false
                while index < count {
                    switch bytes[index] {
                    case 0x0A, 0x0D: newline = true
                    case 0x20, 0x09, 0x0C, 0x0B: break
                    case 0x2D where index + 1 < count && bytes[index + 1] == 0x2D:
                        while index < count && bytes[index] != 0x0A && bytes[index] != 0x0D {
                            index += 1
                        }
                        continue
                    case 0x27 where newline: return index + 1
                    default: return nil
                    }
                    index += 1
                }
                return nil
            }
            var index = 0
            while index < count {
                let byte = bytes[index]
                let next: UInt8 = index + 1 < count ? bytes[index + 1] : 0
                let afterWord = index > 0 && (isWord(bytes[index - 1]) || bytes[index - 1] == 0x24)
                switch byte {
                case 0x2D where next == 0x2D:  // -- to the end of the line (\n or \r)
                    while index < count && bytes[index] != 0x0A && bytes[index] != 0x0D {
                        index += 1
                    }
                case 0x2F where next == 0x2A:  // /* */, nested
                    var depth = 0
                    while index < count {
                        if bytes[index] == 0x2F, index + 1 < count, bytes[index + 1] == 0x2A {
                            depth += 1
                            index += 2
                        } else if bytes[index] == 0x2A, index + 1 < count, bytes[index + 1] == 0x2F
                        {
                            depth -= 1
                            index += 2
                            if depth == 0 { break }
                        } else {
                            index += 1
                        }
                    }
                case 0x27:  // 'string', E'string' (the E is the word before it)
                    let escapes =
                        index > 0 && bytes[index - 1] | 0x20 == 0x65
                        && (index == 1 || !isWord(bytes[index - 2]))
                    index = after(0x27, from: index + 1, backslashEscapes: escapes)
                    // A string continued on another line ('a'<newline>'b') is one string,
                    // an E-string's escapes and all.
                    while escapes, let resumed = continuation(from: index) {
                        index = after(0x27, from: resumed, backslashEscapes: true)
                    }
                case 0x22:  // "quoted identifier"
                    index = after(0x22, from: index + 1, backslashEscapes: false)
                case 0x24 where !afterWord:  // $tag$ … $tag$; not $1, not a name's $
                    var end = index + 1
                    while end < count, isWord(bytes[end]) { end += 1 }
                    let tag = bytes[index...min(end, count - 1)]
                    guard end < count, bytes[end] == 0x24,
                        index + 1 == end || !(bytes[index + 1] >= 0x30 && bytes[index + 1] <= 0x39)
                    else {
                        index += 1
                        continue
                    }
                    index = end + 1
                    while index < count {
                        if bytes[index] == 0x24, index + tag.count <= count,
                            bytes[index..<(index + tag.count)].elementsEqual(tag)
                        {
                            index += tag.count
                            break
                        }
                        index += 1
                    }
                case _ where byte | 0x20 == 0x63 && !afterWord:
                    if index + word.count <= count,
                        index + word.count == count || !isWord(bytes[index + word.count]),
                        (0..<word.count).allSatisfy({ bytes[index + $0] | 0x20 == word[$0] })
                    {
                        return true
                    }
                    index += 1
                default:
                    index += 1
                }
            }
            return false
        }
    }
}
