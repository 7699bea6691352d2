import Foundation
import Yams

/// `code: {paths, types}`: the database has what the application's code expects of it
/// through supabase-js (every table, column, embedded relationship, upsert target and `rpc`
/// function its calls name), with the generated types file's columns for `select('*')`.
///
/// Each unmet expectation is a failure of its own that cites the code's lines.
public struct CodeCheck: CheckKind {
    public static let key = "code"
    /// Unmet expectations are its failures: there is nothing to turn around.
    public static let invertible = false
    /// Folders or files of source, relative to the project.
    public var paths: [String]
    /// The file `supabase gen types typescript` wrote, relative to the project.
    public var types: String?

    public static func read(_ node: Node, _ context: CheckReadingContext) -> CodeCheck? {
        guard
            let fields = context.fields(
                node, key: key, allowed: ["paths", "types"], required: ["paths"]),
            let paths = fields.list("paths")
        else { return nil }
        if context.defaultTable != nil {
            context.error("'code' reads the whole application: it takes no 'for_each'", at: node)
            return nil
        }
        if paths.isEmpty {
            context.error("'code' needs at least one path in 'paths'", at: node)
            return nil
        }
        let types = fields.text("types")
        // A path that is not there is a configuration error, found before any database is
        // touched.
        if let root = context.reader.projectRoot {
            for (name, value) in [("paths", paths), ("types", types.map { [$0] } ?? [])] {
                for path in value {
                    let url =
                        path.hasPrefix("/")
                        ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
                    if !FileManager.default.fileExists(atPath: url.path) {
                        context.error(
                            "'code' \(name): no such file or folder '\(path)' (relative to the project, \(root.path))",
                            at: fields.fields[name]?.value ?? node)
                    }
                }
            }
        }
        return CodeCheck(paths: paths, types: types)
    }

    public func expectation(_ substitute: (String) -> String) -> String {
        "what the code in \(paths.joined(separator: ", ")) expects"
    }
}
