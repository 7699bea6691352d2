extension IndexCheck: StructuralCheckKind {
    /// Passes when the object is valid and leads with the columns; otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        let candidates = snapshot.indexes(on: name).filter {
            Array($0.columns.prefix(columns.count)) == columns
        }
        if let good = candidates.first(where: { $0.valid && (unique == nil || $0.unique == unique) }
        ) {
            result.found = ["index \(good.name)"]
        } else if let invalid = candidates.first(where: { !$0.valid }) {
            result.nearMiss =
                "index \(invalid.name) is INVALID (a CREATE INDEX CONCURRENTLY did not finish: drop it and build it again)"
        } else {
            result.nearMiss =
                snapshot.relation(name) == nil
                ? "no table \(name)" : "no index leading with \(columns.joined(separator: ", "))"
        }
        return result
    }
}
