/// What structural checks share: their matches against a snapshot, and reading a reference.
enum StructuralCheck {
    struct Matches {
        /// Objects that satisfy the check, described.
        var found: [String] = []
        /// When nothing matched: the closest thing that is there, to show as "found".
        var nearMiss: String?
    }

    /// `public.organizations(id)` → the table and its columns.
    static func parseReference(_ text: String) -> (QualifiedName, [String]) {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
            return (QualifiedName(parsing: text.trimmingCharacters(in: .whitespaces)), [])
        }
        let table = QualifiedName(parsing: text[..<open].trimmingCharacters(in: .whitespaces))
        let columns = text[text.index(after: open)..<text.index(before: text.endIndex)]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return (table, columns)
    }
}
