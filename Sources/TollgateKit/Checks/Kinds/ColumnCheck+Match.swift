extension ColumnCheck: StructuralCheckKind {
    /// Passes when the object exists with the wanted type and nullability; otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        guard let relation = snapshot.relation(name) else {
            result.nearMiss = "no table \(name)"
            return result
        }
        guard let column = relation.column(columnName) else {
            let others = relation.columns.map(\.name).filter { $0.hasSuffix("_id") }
            result.nearMiss =
                "no column \(columnName)"
                + (others.isEmpty ? "" : " (has \(others.joined(separator: ", ")))")
            return result
        }
        let found = "\(column.name) \(column.type)\(column.notNull ? " NOT NULL" : " nullable")"
        if (type == nil || type == column.type) && (notNull == nil || notNull == column.notNull) {
            result.found = ["column \(name).\(found)"]
        } else {
            result.nearMiss = found
        }
        return result
    }
}
