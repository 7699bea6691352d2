import PostgresClient

extension MigrationStep: RunnableStep {
    func run(in context: StepContext) throws {
        try runSQL(text, migration: (version, name), in: context)
    }
}

extension SQLStep: RunnableStep {
    func run(in context: StepContext) throws {
        try runSQL(text, migration: nil, in: context)
    }
}

/// Runs SQL as a step: a transactional step commits with its ledger row (and, for a
/// migration, its row in the Supabase CLI's history); a non-transactional one writes
/// `started` before and `succeeded` after.
private func runSQL(
    _ sql: String, migration: (version: String, name: String)?, in context: StepContext
) throws {
    let (db, step, effects) = (context.db, context.step, context.effects)
    do {
        try effects.prepare(db)
        try context.withLockRetries {
            if step.transactional {
                // The step and its ledger row commit together: it happened exactly once, or
                // not at all.
                try db.withTransaction { db in
                    try db.setSetting(
                        "lock_timeout", String(step.lockTimeoutMilliseconds), local: true)
                    try db.execute(script: sql)
                    try effects.record(
                        run: context.run, playbook: context.playbook.name, step: step.id, sql: sql,
                        migration: migration?.version, db: db)
                    if context.supabase, let migration {
                        try db.query(
                            """
                            insert into supabase_migrations.schema_migrations (version, name, statements)
                            values (\(migration.version), \(migration.name), \([sql])) on conflict (version) do nothing
                            """)
                    }
                    try context.record(.succeeded, on: db)
                }
                effects.committed()
            } else {
                // Hazard: an interruption between 'started' and 'succeeded' leaves the step in
                // doubt; it is rerunnable (validated at load), so it runs again.
                try context.record(.started)
                try db.setLockTimeout(.milliseconds(step.lockTimeoutMilliseconds))
                defer { _ = try? db.setLockTimeout(nil) }
                try db.execute(script: sql)
                try effects.record(
                    run: context.run, playbook: context.playbook.name, step: step.id, sql: sql,
                    migration: migration?.version, db: db)
                effects.committed()
                try context.record(.succeeded)
            }
        }
    } catch let error as PostgresError {
        effects.reset()
        throw context.failed(error)
    }
}
