extension TableCheck: StructuralCheckKind {
    /// Passes when the object exists as a table; otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        if let relation = snapshot.relation(name), relation.isTable {
            result.found = ["table \(name)"]
        } else if let relation = snapshot.relation(name) {
            result.nearMiss =
                "\(name) is a \(relation.isView ? "view" : "relation of kind \(relation.kind)")"
        } else {
            result.nearMiss = "no table \(name)"
        }
        return result
    }
}
