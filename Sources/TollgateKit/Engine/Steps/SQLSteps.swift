import PostgresClient

extension MigrationStep: RunnableStep {
    func run(in context: StepContext) throws {
        guard folder != nil else {
            return try runSQL(text, migration: self, in: context)
        }
        // As `supabase db push` does before each file, and again after it: what a file sets for
        // the session (`set_config('search_path', '', false)` at the top of a `supabase db
        // dump`) reaches neither the next file nor the steps and suites after the folder.
        func reset() throws {
            do {
                try context.db.resetSession()
                try context.setVariables()
            } catch let error as PostgresError {
                throw context.failed(error)
            }
        }
        try reset()
        try runSQL(text, migration: self, in: context)
        try reset()
    }
}

extension SQLStep: RunnableStep {
    func run(in context: StepContext) throws {
        try runSQL(text, migration: nil, in: context)
    }
}

/// Records a migration in the Supabase CLI's history as `supabase db push` does.
///
/// Its version, name and statements. A migration of a Supabase migrations folder creates the history where
/// it is missing, as the CLI does; one of `Playbooks/migrations/` is recorded only where the
/// history exists.
///
/// With `withCommit`, the row goes with the transaction's `COMMIT`
/// (``Connection/sendWithNextStatement(_:)``). With `creating`, the table is made first, after
/// the file's SQL (``prepareHistory(_:in:db:)`` found none).
private func recordInHistory(
    _ migration: MigrationStep?, in context: StepContext, db: Connection, withCommit: Bool = false,
    creating: Bool = false
)
    throws
{
    guard let migration, context.supabase || migration.folder != nil else { return }
    if creating, migration.folder != nil {
        try db.execute(script: SupabaseHistoryTable.creation)
    }
    func send(_ query: Query) throws { try db.write(query, withNextStatement: withCommit) }
    guard migration.folder != nil else {
        // A file of Playbooks/migrations the CLI applied under the same version (the drifted
        // staging) keeps its row.
        try send(
            """
            insert into supabase_migrations.schema_migrations (version, name, statements)
            values (\(migration.version), \(migration.name), \(migration.statements)) on conflict (version) do nothing
            """)
        return
    }
    // No ON CONFLICT: a version someone pushed meanwhile fails the file's transaction, as the
    // CLI's own insert would, instead of applying it twice.
    try send(
        """
        insert into supabase_migrations.schema_migrations (version, name, statements)
        values (\(migration.version), \(migration.name), \(migration.statements))
        """)
}

/// Completes the Supabase CLI's history table, as `supabase db push` does (an older CLI's
/// table has no `statements` or `name`), where a file of a migrations folder is about to be
/// recorded; true when there is no table yet.
///
/// Before the file's transaction, in a short one of its own under the step's lock timeout:
/// neither the read nor the ALTERs then run under the locks the file takes. A missing table
/// is made after the file's SQL, in its transaction (``recordInHistory``), as before: a file
/// may make it itself (a baseline taken with `pg_dump`).
private func prepareHistory(
    _ migration: MigrationStep?, in context: StepContext, db: Connection
) throws -> Bool {
    guard let migration, migration.folder != nil else { return false }
    let columns = try SupabaseHistoryTable.columns(on: db)
    guard !columns.isEmpty else { return true }
    if !columns.isSuperset(of: ["version", "statements", "name"]) {
        try db.withTransaction { db in
            try db.setSetting(
                "lock_timeout", String(context.step.lockTimeoutMilliseconds), local: true)
            try db.execute(script: SupabaseHistoryTable.completion)
        }
    }
    return false
}

/// Runs SQL as a step: a transactional step commits with its ledger row (and, for a
/// migration, its row in the Supabase CLI's history); a non-transactional one writes
/// `started` before and `succeeded` after.
private func runSQL(
    _ sql: String, migration: MigrationStep?, in context: StepContext
) throws {
    let (db, step, effects) = (context.db, context.step, context.effects)
    // Where in the file an error of the file's own SQL points; never one of Tollgate's own
    // statements (the ledger's), whose positions are in other text.
    var errorLocation: SourceLocation?
    func runScript(_ sql: String, on db: Connection) throws {
        do {
            try db.execute(script: sql)
        } catch let error as PostgresError {
            errorLocation = migration.flatMap { location(of: error, in: $0) }
            throw error
        }
    }
    do {
        try effects.prepare(db)
        let measurement = step.transactional ? context.lockMeasurement : nil
        // The hold the server measured, known once the COMMIT's round trip is read.
        var held: LockHold?
        var committed = false
        try context.withLockRetries {
            let creating = try prepareHistory(migration, in: context, db: db)
            if step.transactional {
                // The step and its ledger row commit together: it happened exactly once, or
                // not at all.
                try db.withTransaction { db in
                    try db.setSetting(
                        "lock_timeout", String(step.lockTimeoutMilliseconds), local: true)
                    try runScript(sql, on: db)
                    // The rows that commit with the step go with its COMMIT, in one round
                    // trip: over a network each would otherwise hold the step's locks for a
                    // round trip more. The hold is measured by the server as they arrive,
                    // so its reading costs none either.
                    try recordInHistory(
                        migration, in: context, db: db, withCommit: true, creating: creating)
                    try context.record(
                        .succeeded, measuring: measurement, measured: { held = $0 }, on: db,
                        withCommit: true)
                }
                committed = true
            } else {
                // Hazard: an interruption between 'started' and 'succeeded' leaves the step in
                // doubt; it is rerunnable (validated at load), so it runs again, after
                // repairing what the interruption left half made.
                try repairInterruptedIndexes(sql, in: context)
                try context.record(.started)
                try db.setLockTimeout(.milliseconds(step.lockTimeoutMilliseconds))
                defer { _ = try? db.setLockTimeout(nil) }
                try runScript(sql, on: db)
                try effects.record(
                    run: context.run, playbook: context.playbook.name, step: step.id, sql: sql,
                    migration: migration?.version, db: db)
                effects.committed()
                try recordInHistory(migration, in: context, db: db, creating: creating)
                try context.record(.succeeded)
            }
        }
        if committed, let held, held.overBudget {
            context.emit(.overLockBudget(step: step.id, held))
        }
        // What the step changed is read after its commit, not under the locks it took: the
        // reading is the whole catalog (1.3 s on a schema of 2,000 tables, during which every
        // query on an altered table waited). The step has succeeded whatever happens here.
        if committed {
            do {
                try effects.record(
                    run: context.run, playbook: context.playbook.name, step: step.id, sql: sql,
                    migration: migration?.version, db: db)
                effects.committed()
            } catch {
                effects.reset()
                context.emit(
                    .effectsNotRecorded(
                        step: step.id, reason: (error as? PostgresError)?.summary ?? "\(error)"))
            }
        }
    } catch let error as PostgresError {
        effects.reset()
        throw context.failed(error, at: errorLocation)
    }
}

/// Where in a migration file the server's error points (`ERROR … at character 57`), as
/// `supabase/migrations/…sql:2:13`: the file runs as one script, so the position is the file's.
private func location(of error: PostgresError, in migration: MigrationStep) -> SourceLocation? {
    guard let position = error.position, position >= 1 else { return nil }
    var line = 1
    var column = 1
    // The server counts characters (code points); a CRLF is two of them.
    for (offset, character) in migration.text.unicodeScalars.enumerated() {
        if offset == position - 1 {
            return SourceLocation(file: migration.path, line: line, column: column)
        }
        if character == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }
    return nil
}

/// What an interrupted `CREATE INDEX CONCURRENTLY` leaves behind is an INVALID index, which
/// `IF NOT EXISTS` then skips for ever (PostgreSQL's documentation: "the recommended
/// recovery method in such cases is to drop the index and try again").
///
/// When the step is in doubt (it started and never finished), an invalid index its SQL
/// builds is its own half-made work: it is dropped concurrently, on the record, and the
/// step builds it again. An invalid index the step did not leave (it never started, or it
/// failed with an error, such as a unique index that found duplicates) is not dropped: the
/// step fails and says why. A `NOT VALID` constraint whose validation was interrupted needs
/// nothing: validating again is idempotent.
private func repairInterruptedIndexes(_ sql: String, in context: StepContext) throws {
    let named = SQLDeclarations(sql: sql).objects.filter { $0.kind == .index }
    guard !named.isEmpty else { return }
    // `schema.table.index`: the index lives in its table's schema.
    let wanted = named.map { key -> String in
        let parts = key.name.split(separator: ".")
        return parts.count >= 3 ? "\(parts[0]).\(parts[parts.count - 1])" : key.name
    }
    let invalid = try context.db.query(
        """
        select n.nspname || '.' || c.relname as name, i.indisunique as is_unique
        from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
        where not i.indisvalid and (n.nspname || '.' || c.relname) = any(\(wanted))
        order by 1
        """
    ).rows.map {
        (
            name: try $0.decode("name", as: String.self),
            unique: try $0.decode("is_unique", as: Bool.self)
        )
    }
    guard !invalid.isEmpty else { return }
    // The step's own half-made work: it started and never finished, or it failed for a reason
    // that is not the data's (a lock timeout or a cancel while the build waited). A build that
    // failed on the data (23xxx: duplicates for a unique index) is not retried blindly.
    let last = try context.ledger.lastAttempt(
        playbook: context.playbook.name, step: context.step.id)
    let own =
        last?.status == .started
        || (last?.status == .failed && !(last?.error ?? "").contains("ERROR 23"))
    for index in invalid {
        // A build still running (an interrupted run's session the server has not ended yet)
        // is not dropped from under it.
        if let pid: Int = try context.db.query(
            "select p.pid from pg_stat_progress_create_index p where p.index_relid = \(index.name)::regclass"
        ).first?.decode("pid") {
            throw context.failure(
                "index \(index.name) is still being built by session \(pid); run again once it has ended"
            )
        }
        guard own else {
            let why = index.unique ? " (a unique index whose build found duplicate values?)" : ""
            throw context.failure(
                "index \(index.name) exists but is INVALID, and this step did not leave it half built\(why): "
                    + "find out why, then drop it (drop index concurrently \(index.name)) and run again"
            )
        }
        let quoted = try index.name.split(separator: ".").map {
            try context.db.quoteIdentifier(String($0))
        }.joined(separator: ".")
        try context.db.execute(script: "drop index concurrently if exists \(quoted)")
        try context.ledger.event(
            run: context.run, playbook: context.playbook.name, step: context.step.id, .repaired,
            actor: context.options.actor,
            detail:
                "dropped invalid index \(index.name), left by an interrupted build, to build it again"
        )
        context.emit(.rebuilding(step: context.step.id, index: index.name))
    }
}
