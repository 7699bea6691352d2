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
        guard !folder.trimmingCharacters(in: .whitespaces).isEmpty else {
            reader.diagnostics.error(
                "'\(key)' needs the folder's path, relative to the project (supabase/migrations)",
                at: reader.location(node))
            return nil
        }
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
        let first = names.sorted().first
        for name in names.sorted() where name.hasSuffix(".sql") {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(
                atPath: url.appendingPathComponent(name).path, isDirectory: &isFolder),
                isFolder.boolValue
            {
                continue
            }
            guard let (version, stem) = MigrationStep.versionAndName(name) else {
                reader.diagnostics.warning(
                    "skipping '\(folder)/\(name)': not named <timestamp>_<name>.sql, so the Supabase CLI skips it too",
                    at: reader.location(node))
                continue
            }
            // The CLI's own rule: an `init` migration of its first versions (before
            // 2021-12-09) stands for the platform's schema and is never applied.
            if name == first, stem == "init", version.count == 14, version < "20211209000000" {
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

    /// The folder, resolved: two steps naming it differently are the same folder.
    static func resolved(_ folder: String, root: URL) -> String {
        URL(fileURLWithPath: folder, relativeTo: root).standardizedFileURL.resolvingSymlinksInPath()
            .path
    }

    /// What in a file cannot run as a migration step of a folder: an index built or dropped
    /// `CONCURRENTLY` (which no transaction may hold, and the file runs in one, with the CLI as
    /// with Tollgate), an error; and a statement that ends the transaction itself (`COMMIT`),
    /// a warning, since the file, its ledger row and its history row then no longer commit
    /// together.
    static func problems(
        in file: MigrationStep, transactional: Bool
    ) -> [(message: String, line: Int, isError: Bool)] {
        var problems: [(String, Int, Bool)] = []
        let statements = file.statements
        // A trailing comment is a statement of the CLI's, not of the server's.
        let real = statements.filter { !leadingCommentsRemoved($0).isEmpty }.count
        for statement in statements {
            let words = leadingCommentsRemoved(statement).lowercased()
                .split(whereSeparator: \.isWhitespace).prefix(8).map(String.init)
            let line = lineOf(statement, in: file.text)
            let concurrently =
                (words.starts(with: ["create", "index", "concurrently"])
                    || words.starts(with: ["create", "unique", "index", "concurrently"])
                    || words.starts(with: ["drop", "index", "concurrently"])
                    || (words.first == "reindex" && words.contains("concurrently")))
            if concurrently && (transactional || real > 1) {
                problems.append(
                    (
                        "\(file.path) builds or drops an index CONCURRENTLY, which cannot run inside the transaction a migration file runs in (`supabase db push` fails on it too): "
                            + "build it without CONCURRENTLY, or move it out of the folder into a 'sql:' step with 'transaction: false' and 'rerunnable: true'",
                        line, true
                    ))
            }
            if let first = words.first,
                ["commit", "rollback", "end", "abort"].contains(first)
                    || (first == "begin" && words.dropFirst().first != "atomic")
                    || words.starts(with: ["start", "transaction"])
            {
                problems.append(
                    (
                        "\(file.path) controls its own transaction ('\(first.uppercased())'): the file, its ledger row and its history row no longer commit together, so an interruption can leave it half applied",
                        line, false
                    ))
            }
        }
        return problems
    }

    /// The statement without the comments and white space before it.
    static func leadingCommentsRemoved(_ statement: String) -> Substring {
        var rest = Substring(statement)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                return rest
            }
        }
    }

    /// The 1-based line where `statement` starts in `text`.
    static func lineOf(_ statement: String, in text: String) -> Int {
        guard let range = text.range(of: statement) else { return 1 }
        return text[..<range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}
