import PostgresClient

/// What each schema-changing step leaves behind, written to the ledger as the step runs:
/// every object whose description changed during the step, and every object the step's SQL
/// names (a `CREATE TABLE IF NOT EXISTS` that found the table made by hand adopts it).
///
/// The schema is read before the first such step of a run and after each one, so a step's
/// effects are the difference it made, whatever SQL it ran (`DO` blocks, shell commands).
/// Changes someone makes by hand while the step runs are attributed to the step.
final class SchemaEffectsRecorder {
    private var before: [SchemaObjects.Key: String]?
    private var pending: [SchemaObjects.Key: String]?

    /// Reads the schema as it is before a step, unless the previous step's reading still holds.
    func prepare(_ db: Connection) throws {
        if before == nil { before = SchemaObjects.describe(try CatalogSnapshot.load(from: db)) }
    }

    /// Records what the step changed, then ``committed()``; call once the step's changes are
    /// committed (a transactional step's after its commit, so that the catalog read does not
    /// run under the locks the step took).
    func record(
        run: Int64, playbook: String, step: String, sql: String?, migration: String?, db: Connection
    ) throws {
        guard let before else { return }
        let after = SchemaObjects.describe(try CatalogSnapshot.load(from: db))
        var effects: [Ledger.SchemaEffect] = []
        func add(_ key: SchemaObjects.Key, _ description: String?) {
            effects.append(
                .init(
                    playbook: playbook, step: step, migration: migration, kind: key.kind,
                    object: key.name, description: description))
        }
        let named = sql.map { SQLDeclarations(sql: $0) }
        for (key, description) in after
        where before[key] != description || named?.accounts(for: key) == true {
            add(key, description)
        }
        for key in before.keys where after[key] == nil { add(key, nil) }
        try Ledger(db).recordEffects(
            effects.sorted { ($0.object, $0.kind.rawValue) < ($1.object, $1.kind.rawValue) },
            run: run)
        pending = after
    }

    /// The step's changes are committed: its reading after is the next step's reading before.
    /// (A rolled-back transaction leaves the reading before as it was.)
    func committed() {
        if let pending { before = pending }
        pending = nil
    }

    /// Forgets the readings: a step failed part-way outside a transaction.
    func reset() {
        before = nil
        pending = nil
    }
}
