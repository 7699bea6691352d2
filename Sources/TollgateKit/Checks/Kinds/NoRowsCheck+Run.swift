import Foundation
import PostgresClient

extension NoRowsCheck: EvaluatedCheck {
    /// Runs a query that must return no rows, inside a read-only transaction that is rolled
    /// back; `{table}` becomes the subject as a quoted identifier.
    func evaluate(
        _ check: CheckDefinition, subject: String?, result: CheckResult, in context: CheckContext
    ) throws -> Staged<CheckResult> {
        let db = context.db
        var text = sql.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix(";") { text.removeLast() }
        if let subject {
            let name = QualifiedName(parsing: subject)
            text = text.replacingOccurrences(
                of: "{table}",
                with: try db.quoteIdentifier(name.schema) + "." + db.quoteIdentifier(name.name))
        }
        // The check's own SQL, from the project's files; the sample is capped here.
        let query = Query(
            unsafeSQL: "select count(*) over () as tollgate_rows, q.* from (\(text)\n) as q limit 5"
        )
        return .needs(RolledBackStatements([query], readOnly: true)) { results in
            var result = result
            switch results[0] {
            case .failure(let error):
                result.outcome = .error
                result.found = "cannot run: \(error.sqlState ?? "") \(error.message)"
            case .success(let rows):
                if let first = rows.first {
                    result.outcome = .failed
                    let count: Int = try first.decode("tollgate_rows")
                    result.rowCount = count
                    result.found = "\(count) row\(count == 1 ? "" : "s")"
                    result.sample = rows.rows.map { row in
                        var values: [String: String] = [:]
                        for (index, column) in rows.columns.enumerated().dropFirst() {
                            values[column] = row.values[index] ?? "NULL"
                        }
                        return values
                    }
                }
            }
            return .done(result)
        }
    }
}
