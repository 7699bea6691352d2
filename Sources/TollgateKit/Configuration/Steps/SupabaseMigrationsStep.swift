import Foundation
import Yams

/// `supabase_migrations: supabase/migrations`: a Supabase CLI migrations folder, relative to
/// the project.
///
/// Every `<timestamp>_<name>.sql` in it becomes a migration step of its own, in file-name
/// order, with the step's options (`transaction`, `lock_timeout`, …) and the id
/// `<id>/<timestamp>_<name>`: each is checksummed, planned, gated and recorded in the ledger as
/// any other step, and in `supabase_migrations.schema_migrations` as `supabase db push`
/// records it. A file the CLI has already applied (its version is in that history) is not
/// applied again.
public struct SupabaseMigrationsStep: ExpandingStepAction {
    public static let key = "supabase_migrations"
    public var folder: String
    public var files: [MigrationStep]

    public var checksum: String? {
        SHA256.hex(files.map { "\($0.file)\t\($0.checksum ?? "")" }.joined(separator: "\n"))
    }

    public var expansion: [(suffix: String, action: any StepAction)] {
        files.map { (String($0.file.dropLast(4)), $0) }
    }

    public static func read(_ node: Node, _ context: StepReadingContext) -> SupabaseMigrationsStep?
    {
        let reader = context.reader
        guard let folder = reader.string(node, key: key) else { return nil }
        let url = URL(fileURLWithPath: folder, relativeTo: context.root).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
            isDirectory.boolValue,
            let names = try? FileManager.default.contentsOfDirectory(atPath: url.path)
        else {
            reader.diagnostics.error(
                "Supabase migrations folder '\(folder)' does not exist (a path relative to the project, such as supabase/migrations)",
                at: reader.location(node))
            return nil
        }
        var files: [MigrationStep] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard let (version, stem) = MigrationStep.versionAndName(name) else {
                reader.diagnostics.warning(
                    "skipping '\(folder)/\(name)': not named <timestamp>_<name>.sql, so the Supabase CLI skips it too",
                    at: reader.location(node))
                continue
            }
            // The CLI's own rule: an `init` migration of its first versions (before
            // 2021-12-09) stands for the platform's schema and is never applied.
            if files.isEmpty, stem == "init", version.count == 14, version < "20211209000000" {
                reader.diagnostics.warning(
                    "skipping '\(folder)/\(name)': the Supabase CLI never applies a first 'init' migration this old either",
                    at: reader.location(node))
                continue
            }
            if let other = files.first(where: { $0.version == version }) {
                reader.diagnostics.error(
                    "'\(folder)/\(name)' and '\(other.file)' share the version \(version); the history keeps one row per version: rename one",
                    at: reader.location(node))
                continue
            }
            guard
                let text = try? String(
                    contentsOf: url.appendingPathComponent(name), encoding: .utf8)
            else {
                reader.diagnostics.error(
                    "cannot read '\(folder)/\(name)' as UTF-8 text", at: reader.location(node))
                continue
            }
            files.append(
                MigrationStep(file: name, version: version, name: stem, text: text, folder: folder))
        }
        if files.isEmpty {
            reader.diagnostics.warning(
                "no migrations in '\(folder)' yet: the step has nothing to apply (`supabase migration new <name>` makes one)",
                at: reader.location(node))
        }
        return SupabaseMigrationsStep(folder: folder, files: files)
    }
}
