extension RowLevelSecurityCheck: StructuralCheckKind {
    /// Passes when the object is enabled (and forced); otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        if let relation = snapshot.relation(name) {
            if relation.rowSecurity && (forced != true || relation.forceRowSecurity) {
                result.found = ["row level security on \(name)"]
            } else {
                result.nearMiss =
                    relation.rowSecurity ? "enabled but not forced" : "row level security disabled"
            }
        } else {
            result.nearMiss = "no table \(name)"
        }
        return result
    }
}
