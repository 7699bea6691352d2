/// The ledger's closed vocabularies, one case per value its CHECK constraints allow
/// (`LedgerSchema`), so that no string literal can drift from the schema.

/// `tollgate.step_runs.status`.
public enum StepStatus: String, Sendable, Codable, CaseIterable {
    /// Written before a non-transactional step runs; left behind, the step is in doubt.
    case started
    case succeeded
    case failed
}

/// `tollgate.runs.outcome`.
public enum RunOutcome: String, Sendable, Codable, CaseIterable {
    /// Until the run ends; left behind, the run was interrupted.
    case running
    case succeeded
    case failed
    case blocked
}

/// `tollgate.events.event`.
public enum LedgerEvent: String, Sendable, Codable, CaseIterable {
    case started
    case succeeded
    case failed
    case skipped
    case approved
    case gatePassed = "gate_passed"
    case gateFailed = "gate_failed"
    /// An edited step accepted with `--accept-changed`: its checksum was updated, nothing ran.
    case repaired
    case bound
    case rebound
}

/// A step as the ledger records it: identifiers, never the playbook's own types.
public struct StepIdentity: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var checksum: String?
    public var transactional: Bool

    public init(id: String, kind: String, checksum: String?, transactional: Bool) {
        self.id = id
        self.kind = kind
        self.checksum = checksum
        self.transactional = transactional
    }
}
