extension PolicyCheck: StructuralCheckKind {
    /// Passes when the object matches; otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        let policies = snapshot.policies(on: name)
        let good = policies.filter { policy in
            (command == nil || policy.commandName == command!.uppercased()
                || policy.command == .all)
                && (roles == nil || Set(roles!).isSubset(of: Set(policy.roles)))
                && (usingContains == nil || (policy.using ?? "").contains(usingContains!))
                && (withCheck != true || policy.withCheck != nil || policy.commandName == "SELECT"
                    || policy.commandName == "DELETE")
        }
        result.found = good.map { "policy \($0.name)" }
        if good.isEmpty {
            result.nearMiss =
                policies.isEmpty
                ? (snapshot.relation(name) == nil ? "no table \(name)" : "no policy")
                : policies.map {
                    "policy \($0.name) for \($0.commandName) using \(CatalogText.oneLine($0.using ?? "true"))"
                }.joined(separator: "; ")
        }
        return result
    }
}
