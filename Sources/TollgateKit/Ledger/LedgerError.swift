import Foundation

/// Why Tollgate refuses to write to an environment's ledger.
public enum LedgerError: TollgateError, Equatable {
    /// The database's ledger belongs to another environment, or was bound in another
    /// database (a restored copy, a URL that points elsewhere).
    case boundElsewhere(
        environment: String, setting: String, binding: Ledger.Binding,
        found: Ledger.DatabaseIdentity)
    /// A ledger from before bindings existed holds runs of another environment.
    case recordsOtherEnvironment(environment: String, setting: String, other: String)
    /// `approve --as ""`.
    case emptyApprover

    public var exitStatus: ExitStatus { .badConfiguration }

    public var description: String {
        switch self {
        case .boundElsewhere(let environment, let setting, let binding, let found):
            let whose =
                binding.environment == environment
                ? "its ledger was bound to \(environment) in \(binding.identity), and this is \(found) (a restored copy, or another server?)"
                : "this database belongs to environment '\(binding.environment)' (its ledger was bound to \(binding.environment) in \(binding.identity))"
            return
                "refusing to write to \(environment)'s ledger: \(whose); check \(setting), or, if this database really is \(environment)'s now, "
                + "record that with: tollgate rebind --env \(environment) --as NAME"
        case .recordsOtherEnvironment(let environment, let setting, let other):
            return
                "refusing to write to \(environment)'s ledger: this database's ledger records runs of environment '\(other)'; "
                + "check \(setting), or, if this database really is \(environment)'s now, record that with: tollgate rebind --env \(environment) --as NAME"
        case .emptyApprover:
            return "an approval needs the approver's name: --as NAME (it was empty)"
        }
    }
}
