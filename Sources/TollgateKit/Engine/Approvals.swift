/// `tollgate approve`: one approval, recorded in the environment's bound ledger, and where
/// the playbook's approvals stand afterwards.
public enum Approvals {
    public struct Receipt: Sendable {
        /// False when this person had already approved this content.
        public var added: Bool
        /// The approver's name as the ledger counts it.
        public var approver: String
        /// Everyone whose approval counts for the playbook as it is now.
        public var approvers: [String]
        public var required: Int
    }

    /// How many approvals `playbook` needs on `environment`: its own `approvals`, or the
    /// environment's `approvals_required`.
    public static func required(_ playbook: Playbook, on environment: Environment) -> Int {
        playbook.gates.approvals ?? environment.protection.approvalsRequired
    }

    /// - Throws: ``LedgerError`` for an empty name or a ledger bound elsewhere; database errors.
    public static func approve(
        _ playbook: Playbook, on environment: Environment, as approver: String, note: String?,
        actor: String
    ) throws -> Receipt {
        guard let name = Ledger.normalizedApprover(approver) else {
            throw LedgerError.emptyApprover
        }
        let ledger = Ledger(try environment.connect())
        try ledger.open(for: environment, actor: actor)
        let added = try ledger.approve(playbook: playbook, approver: name, note: note)
        return Receipt(
            added: added, approver: name,
            approvers: try ledger.state().approvers(of: playbook).current,
            required: required(playbook, on: environment))
    }

    /// The environment's ledger events, oldest first (empty before the first run).
    public static func history(of environment: Environment, limit: Int) throws -> [Ledger.Event] {
        try Ledger(try environment.connect()).events(limit: limit)
    }
}
