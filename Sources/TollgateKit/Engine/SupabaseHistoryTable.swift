import PostgresClient

/// The Supabase CLI's history, `supabase_migrations.schema_migrations`, whose columns depend on
/// the CLI that made it: `version` first, then `statements`, then `name`.
enum SupabaseHistoryTable {
    /// Makes it where it is missing, as `supabase db push` does, whole.
    static let creation = """
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
        """ + completion

    /// Completes an older CLI's table, which has no `statements` or `name`.
    static let completion = """
        alter table supabase_migrations.schema_migrations add column if not exists statements text[];
        alter table supabase_migrations.schema_migrations add column if not exists name text;
        """

    /// Its columns; empty where there is no such table.
    static func columns(on db: Connection) throws -> Set<String> {
        Set(try db.query(Query(unsafeSQL: columnNames)).rows.map { try $0.decode("name") })
    }

    /// The query of its column names (`name`), for ``columns(on:)`` or a larger statement.
    static let columnNames = """
        select attname::text as name from pg_attribute
        where attrelid = to_regclass('supabase_migrations.schema_migrations')
          and attnum > 0 and not attisdropped
        """
}
