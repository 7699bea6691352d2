extension FunctionCheck: StructuralCheckKind {
    /// Passes when the object matches; otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let wanted = name.map { QualifiedName(parsing: substitute($0)) }
        let named = snapshot.functions.filter { function in
            (wanted == nil || function.name == wanted)
                && (schema == nil || function.name.schema == schema)
                && (ownerNot == nil || function.owner != ownerNot)
                && (!applicationOnly || !SupabasePlatform.defines(function))
        }
        let good = named.filter { function in
            (returns == nil || function.result == returns)
                && (volatility == nil
                    || function.volatility.name == volatility!.lowercased())
                && (securityDefiner == nil || function.securityDefiner == securityDefiner)
                && (bodyContains == nil || function.body.contains(bodyContains!))
        }
        result.found = good.map { "function \($0.signature) (owner \($0.owner))" }
        if good.isEmpty {
            if let first = named.first {
                result.nearMiss =
                    "function \(first.signature) returns \(first.result), \(first.volatility.name)\(first.securityDefiner ? ", security definer" : "")"
            } else if let wanted {
                let elsewhere = snapshot.functions.filter { $0.name.name == wanted.name }
                result.nearMiss =
                    elsewhere.isEmpty
                    ? "no function \(wanted)"
                    : "no function \(wanted); found \(elsewhere.map(\.name.description).joined(separator: ", "))"
            }
        }
        return result
    }
}
