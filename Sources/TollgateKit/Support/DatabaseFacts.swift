import PostgresClient

/// What every report reads first about a database, in one place.
struct DatabaseFacts {
    /// A migration in the Supabase CLI's history.
    struct SupabaseMigration {
        var version: String
        var name: String
        /// The statements it recorded, one script; empty unless asked for.
        var sql: String
    }

    /// `15.18`, without the distribution's suffix.
    var serverVersion: String
    /// The Supabase CLI's history (`supabase_migrations.schema_migrations`), sorted by version;
    /// `nil` when the database has no such table.
    var supabaseMigrations: [SupabaseMigration]?

    /// - Parameter statements: also read each migration's recorded statements.
    static func read(_ db: Connection, statements: Bool = false) throws -> DatabaseFacts {
        let row = try db.query(
            """
            select split_part(current_setting('server_version'), ' ', 1) as version,
                   to_regclass('supabase_migrations.schema_migrations') is not null as has_supabase
            """
        ).first!
        var facts = DatabaseFacts(serverVersion: try row.decode("version"), supabaseMigrations: nil)
        if try row.decode("has_supabase", as: Bool.self) {
            // The statements are joined on a line of their own: one may end in a -- comment.
            facts.supabaseMigrations = try db.query(
                """
                select version, coalesce(name, '') as name,
                       case when \(statements) then coalesce(array_to_string(statements, E'\\n;\\n'), '') else '' end as sql
                from supabase_migrations.schema_migrations order by version
                """
            ).rows.map { SupabaseMigration(version: try $0.decode("version"), name: try $0.decode("name"), sql: try $0.decode("sql")) }
        }
        return facts
    }
}
