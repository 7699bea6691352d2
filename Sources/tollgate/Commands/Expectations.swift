import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate expectations [PATH…]`: what the application's code expects of the database,
/// read from its supabase-js calls, without a database.
struct Expectations: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "expectations",
        abstract: "List the tables, columns, embeds and functions the application's code expects.",
        discussion: CommandHelp.discussion(
            """
            Reads the supabase-js calls in .ts, .tsx, .js, .jsx, .mjs and .cjs files (not \
            node_modules): every table, column, embedded relationship, upsert target, rpc \
            function and argument, each with its call sites, and what could not be read \
            statically (a table name in a variable), which is never guessed. With no PATH, \
            reads what the suites' 'code' checks name. No database is touched.
            """,
            examples: [
                "tollgate expectations",
                "tollgate expectations Examples/backend/src --types Examples/backend/src/database.types.ts",
                "tollgate expectations src --format json",
            ],
            exits: [.success, .badConfiguration])
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Source folders or files (default: the paths of the suites' 'code' checks).")
    var paths: [String] = []
    @Option(help: "The types file `supabase gen types typescript` wrote.") var types: String?
    @OptionGroup var format: FormatOption

    func validate() throws { try format.check(for: CodeExpectationsReport.self) }

    func run(in context: CommandContext) async throws -> ExitStatus {
        var paths = self.paths
        var types = self.types
        var root = context.workingDirectory
        if paths.isEmpty {
            let project = try context.loadProject()
            let checks = project.suites.keys.sorted().flatMap { project.suites[$0]!.checks }
                .compactMap { $0.kind as? CodeCheck }
            guard !checks.isEmpty else {
                throw ValidationError(
                    "no PATH given and no suite has a 'code' check: name the application's source folder"
                )
            }
            var seen = Set<String>()
            paths = checks.flatMap(\.paths).filter { seen.insert($0).inserted }
            types = types ?? checks.compactMap(\.types).first
            root = project.root
        }
        let expectations = try CodeReader.read(paths: paths, types: types, root: root)
        let report = CodeExpectationsReport(paths: paths, expectations: expectations)
        context.printer.output(try report.render(format.format, options: context.renderOptions()))
        return .success
    }
}
