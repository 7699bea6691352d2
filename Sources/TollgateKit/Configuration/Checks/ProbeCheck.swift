import Yams

/// `probe: tenant_isolation | immutability | claim_spoofing`: a behaviour, tried on the live
/// database in a transaction that is always rolled back (``Probe`` runs it).
///
/// Per table only.
public struct ProbeCheck: CheckKind {
    public static let key = "probe"
    public static let needsRows = true
    public var probe: ProbeKind
    public var table: String

    public static func read(_ node: Node, _ context: CheckReadingContext) -> ProbeCheck? {
        guard let name = context.scalar(node, key: key) else {
            context.error(
                "expected a probe name (\(ProbeKind.allCases.map(\.rawValue).joined(separator: ", ")))",
                at: node)
            return nil
        }
        guard let probe = ProbeKind(rawValue: name) else {
            let known = ProbeKind.allCases.map(\.rawValue)
            context.error(
                "unknown probe '\(name)' (known: \(known.joined(separator: ", ")))\(Suggestion.didYouMean(name, in: known))",
                at: node)
            return nil
        }
        guard let table = context.defaultTable else {
            context.error("a probe runs per table: give the check a 'for_each'", at: node)
            return nil
        }
        return ProbeCheck(probe: probe, table: table)
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        let name = QualifiedName(parsing: substitute(table))
        switch probe {
        case .tenantIsolation:
            return
                "tenants of \(name) see only their organisation's rows and cannot write into another's"
        case .immutability: return "changing org_id on \(name) is rejected"
        case .claimSpoofing: return "user_metadata.org_id grants no access to \(name)"
        }
    }
}

/// The behavioural probes a check can run.
public enum ProbeKind: String, Sendable, CaseIterable {
    /// Users see their organisation's rows (a teammate's too) and nothing else, and cannot
    /// insert or move a row into another organisation.
    case tenantIsolation = "tenant_isolation"
    /// Changing a row's `org_id` is rejected, even for a role that bypasses RLS.
    case immutability
    /// A user whose `user_metadata` (which users can edit) names another organisation still
    /// sees only the organisation in `app_metadata`.
    case claimSpoofing = "claim_spoofing"
}
