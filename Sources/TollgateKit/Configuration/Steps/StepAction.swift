import Foundation
import Yams

/// What one step of a playbook does, as declared in its file: one type per kind, each in a
/// file of its own here, with its behaviour in `Engine/Steps/`.
///
/// Adding a kind: declare it here (its key, how it reads, its checksum), list it in
/// ``StepKinds/all``, and give it its behaviour in `Engine/Steps/`.
public protocol StepAction: Sendable {
    /// The step's key in a playbook (`sql: …`), and the `kind` the ledger records.
    static var key: String { get }
    /// Reads the action from its value; problems go to the reader's diagnostics.
    static func read(_ node: Node, _ context: StepReadingContext) -> Self?
    /// Whether the step may run again after an interruption unless the playbook says.
    static var rerunnableByDefault: Bool { get }
    /// True for an action that commits in short transactions of its own (a backfill): it
    /// never runs inside one transaction, whatever `transaction:` says.
    static var ownsItsTransactions: Bool { get }
    /// What the ledger records to notice later edits; nil when nothing edits it that matters.
    var checksum: String? { get }
    /// What an approval covers: the checksum, or the value itself (a suite's name).
    var approvalContent: String { get }
    /// The SQL it runs, when it runs SQL: checked for `CONCURRENTLY` in a transaction.
    var sql: String? { get }
}

extension StepAction {
    public static var rerunnableByDefault: Bool { false }
    public static var ownsItsTransactions: Bool { false }
    public var approvalContent: String { checksum ?? "" }
    public var sql: String? { nil }
    public var kind: String { Self.key }
}

/// A step that stands for several (a migrations folder): each action becomes a step of its own,
/// `<id>/<suffix>`, with the step's options.
public protocol ExpandingStepAction: StepAction {
    var expansion: [(suffix: String, action: any StepAction)] { get }
}

/// What reading a step's action needs besides its node.
public struct StepReadingContext {
    let reader: YAMLReader
    /// The project folder.
    let root: URL
    /// `Playbooks/migrations/`.
    let migrations: URL
}

/// Every kind of step, in the order a playbook's error message lists them.
public enum StepKinds {
    public static let all: [any StepAction.Type] = [
        MigrationStep.self, SQLStep.self, SuiteStep.self, ShellStep.self, WaitStep.self,
        BackfillStep.self, SupabaseMigrationsStep.self,
    ]

    static var keys: [String] { all.map { $0.key } }
}

/// SHA-256 of text with line endings normalised, so a checkout with CRLF is no edit.
func normalizedChecksum(_ text: String) -> String {
    SHA256.hex(text.replacingOccurrences(of: "\r\n", with: "\n"))
}
