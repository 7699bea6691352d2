import Foundation
import Yams

/// `migration: 20250110090000_create_organizations.sql`: a file under
/// `Playbooks/migrations/`, named as the Supabase CLI names them, and recorded in its history.
public struct MigrationStep: StepAction {
    public static let key = "migration"
    public var file: String
    public var version: String
    public var name: String
    public var text: String
    /// The Supabase CLI migrations folder it comes from, relative to the project.
    ///
    /// Nil for `Playbooks/migrations/`. A file from such a folder that the CLI has
    /// applied already is applied here too, and the history is created where it is missing.
    public var folder: String? = nil

    public var checksum: String? { normalizedChecksum(text) }
    public var sql: String? { text }
    /// The statements the Supabase CLI's history records for this file.
    public var statements: [String] { SupabaseCLIStatements.split(text) }
    /// `supabase/migrations/20250110090000_create_organizations.sql`.
    public var path: String { folder.map { "\($0)/\(file)" } ?? "Playbooks/migrations/\(file)" }

    public static func read(_ node: Node, _ context: StepReadingContext) -> MigrationStep? {
        let reader = context.reader
        guard let file = reader.string(node, key: key) else { return nil }
        guard let (version, name) = versionAndName(file) else {
            reader.diagnostics.error(
                "migration '\(file)' must be named <version>_<name>.sql, as Supabase names them (20250110090000_create_organizations.sql)",
                at: reader.location(node))
            return nil
        }
        guard
            let text = try? String(
                contentsOf: context.migrations.appendingPathComponent(file), encoding: .utf8)
        else {
            reader.diagnostics.error(
                "migration file 'Playbooks/migrations/\(file)' does not exist",
                at: reader.location(node))
            return nil
        }
        return MigrationStep(file: file, version: version, name: name, text: text)
    }

    /// `20250110090000` and `create_organizations` from `20250110090000_create_organizations.sql`,
    /// the Supabase CLI's pattern (`^([0-9]+)_(.*)\.sql$`); nil for any other name.
    static func versionAndName(_ file: String) -> (version: String, name: String)? {
        guard file.hasSuffix(".sql"), let underscore = file.firstIndex(of: "_") else { return nil }
        let version = file[..<underscore]
        guard !version.isEmpty, version.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return (String(version), String(file[file.index(after: underscore)...].dropLast(4)))
    }
}
