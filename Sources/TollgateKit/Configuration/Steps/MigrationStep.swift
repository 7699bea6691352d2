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

    public var checksum: String? { normalizedChecksum(text) }
    public var sql: String? { text }

    public static func read(_ node: Node, _ context: StepReadingContext) -> MigrationStep? {
        let reader = context.reader
        guard let file = reader.string(node, key: key) else { return nil }
        let stem = (file as NSString).deletingPathExtension
        guard file.hasSuffix(".sql"), let underscore = stem.firstIndex(of: "_"),
            stem[..<underscore].allSatisfy(\.isNumber), !stem[..<underscore].isEmpty
        else {
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
        return MigrationStep(
            file: file, version: String(stem[..<underscore]),
            name: String(stem[stem.index(after: underscore)...]), text: text)
    }
}
