import PostgresClient

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

/// A strong lock a step held on tenant tables: the mode, the tables, and for how long
/// (the step's transaction from its start to its commit, an upper bound of the hold).
public struct LockHold: Sendable, Codable, Equatable {
    public var mode: String
    public var relations: [String]
    public var heldMilliseconds: Int64
    public var budgetMilliseconds: Int64?

    public init(
        mode: String, relations: [String], heldMilliseconds: Int64, budgetMilliseconds: Int64?
    ) {
        self.mode = mode
        self.relations = relations
        self.heldMilliseconds = heldMilliseconds
        self.budgetMilliseconds = budgetMilliseconds
    }

    /// Held longer than its budget.
    public var overBudget: Bool { budgetMilliseconds.map { heldMilliseconds > $0 } ?? false }

    /// The hold in words.
    ///
    /// `held AccessExclusiveLock on public.leads for 12ms (budget 200ms)`; a hold the server
    /// measures is told in its event with the same words, written in SQL
    /// (``Ledger/recordStep(run:playbook:step:status:error:output:measuring:measured:actor:host:withNextStatement:)``).
    public var description: String {
        "held \(mode) on \(relations.joined(separator: ", ")) for \(heldMilliseconds)ms"
            + (budgetMilliseconds.map { " (budget \($0)ms)" } ?? "")
    }
}

/// How a transactional step's strongest lock on a tenant table is measured: by the server,
/// in the round trip of the step's ledger rows and `COMMIT`, at the moment they arrive (the
/// transaction's time so far, an upper bound of what the step's SQL held).
///
/// Measured by the client, the reading cost a round trip of its own between the step's SQL
/// and its `COMMIT`, under the step's locks.
public struct LockMeasurement: Sendable, Equatable {
    /// The tenant tables (`schema.name`) whose locks count.
    public var tables: [String]
    /// The step's own budget; otherwise 200 ms for `ACCESS EXCLUSIVE`, none for the others.
    public var budgetMilliseconds: Int64?

    public init(tables: [String], budgetMilliseconds: Int64?) {
        self.tables = tables
        self.budgetMilliseconds = budgetMilliseconds
    }
}

/// A value of one of the ledger's vocabularies.
///
/// They decode strictly: a value its CHECK constraints do not allow is an error, never a guess.
public protocol LedgerValue: RawRepresentable, PostgresDecodable where RawValue == String {}

extension LedgerValue {
    public init(postgresText: String) throws {
        guard let value = Self(rawValue: postgresText) else {
            throw PostgresError(
                kind: .decoding, message: "unknown ledger value '\(postgresText)' for \(Self.self)")
        }
        self = value
    }
}

extension StepStatus: LedgerValue {}
extension RunOutcome: LedgerValue {}
extension LedgerEvent: LedgerValue {}
