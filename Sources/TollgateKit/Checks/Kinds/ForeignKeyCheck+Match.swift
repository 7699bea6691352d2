extension ForeignKeyCheck: StructuralCheckKind {
    /// Passes when the object exists (validated unless asked otherwise); otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        let (target, targetColumns) = StructuralCheck.parseReference(substitute(references))
        let candidates = snapshot.constraints(on: name).filter {
            $0.kind == .foreignKey && $0.columns == columns && $0.referencedTable == target
                && (targetColumns.isEmpty || $0.referencedColumns == targetColumns)
        }
        if let good = candidates.first(where: { !validated || $0.validated }) {
            result.found = ["foreign key \(good.name)"]
        } else if let notValid = candidates.first {
            result.nearMiss =
                "foreign key \(notValid.name) is NOT VALID (run ALTER TABLE \(name) VALIDATE CONSTRAINT \(notValid.name))"
        } else if snapshot.relation(name) == nil {
            result.nearMiss = "no table \(name)"
        } else {
            let other = snapshot.constraints(on: name).filter {
                $0.kind == .foreignKey && $0.columns == columns
            }
            result.nearMiss =
                other.first.map {
                    "foreign key \($0.name) references \($0.referencedTable?.description ?? "?")"
                }
                ?? "no foreign key on \(columns.joined(separator: ", "))"
        }
        return result
    }
}
