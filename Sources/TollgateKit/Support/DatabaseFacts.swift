import PostgresClient

/// What every report reads first about a database, in one place.
struct DatabaseFacts {
    /// `15.18`, without the distribution's suffix.
    var serverVersion: String
    /// The Supabase CLI's history (`supabase_migrations.schema_migrations`), version → name,
    /// sorted by version; `nil` when the database has no such table.
    var supabaseMigrations: [(version: String, name: String)]?

    static func read(_ db: Connection) throws -> DatabaseFacts {
        let row = try db.query(
            """
            select split_part(current_setting('server_version'), ' ', 1) as version,
                   to_regclass('supabase_migrations.schema_migrations') is not null as has_supabase
            """
        ).first!
        var facts = DatabaseFacts(serverVersion: try row.decode("version"), supabaseMigrations: nil)
        if try row.decode("has_supabase", as: Bool.self) {
            facts.supabaseMigrations = try db.query(
                "select version, coalesce(name, '') as name from supabase_migrations.schema_migrations order by version"
            ).rows.map { (try $0.decode("version"), try $0.decode("name")) }
        }
        return facts
    }
}
