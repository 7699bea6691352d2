import ArgumentParser
import Foundation
import TollgateKit

/// `tollgate init`: Tollgate's files for an existing Supabase project.
struct Init: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make an existing Supabase project a Tollgate project.",
        discussion: CommandHelp.discussion(
            """
            Run in a Supabase project (the folder holding supabase/). Writes Environments/ \
            (dev, staging, production) and Playbooks/\(SupabaseProjectInit.playbookName).yml, \
            which applies supabase/migrations in order as `supabase db push` does, skipping \
            what the CLI applied already. Connections are read from variables when Tollgate \
            runs; the names come from the project's .env files where they name one \
            (STAGING_DB_URL), and no value is ever copied or printed. Nothing is overwritten \
            and no database is touched.
            """,
            examples: [
                "tollgate init",
                "tollgate init --project ../my-app",
                "tollgate plan \(SupabaseProjectInit.playbookName) --env dev",
            ],
            exits: [.success, .badConfiguration])
    )

    @OptionGroup var global: GlobalOptions

    func run(in context: CommandContext) async throws -> ExitStatus {
        let root = URL(
            fileURLWithPath: global.project ?? context.workingDirectory.path,
            relativeTo: context.workingDirectory
        ).standardizedFileURL
        let outcome = try SupabaseProjectInit.run(in: root)
        var lines = outcome.written.map { "wrote \($0)" }
        lines.append("")
        for connection in outcome.environments {
            let source =
                connection.foundIn.map {
                    "\(connection.variable) (named in \($0); export it: Tollgate does not read \($0))"
                }
                ?? connection.variable
            let fallback =
                connection.environment == "dev"
                ? "; unset, the local stack at \(outcome.localDatabase)" : ""
            lines.append("\(connection.environment): connection from \(source)\(fallback)")
        }
        if !outcome.unassigned.isEmpty {
            lines.append(
                "also found \(outcome.unassigned.joined(separator: ", ")), which names no environment: use it in one of Environments/*.yml if it is one"
            )
        }
        lines.append(
            outcome.createdMigrationsFolder
                ? "made supabase/migrations, empty: `supabase migration new <name>` adds the first"
                : "\(outcome.migrations) migration\(outcome.migrations == 1 ? "" : "s") in supabase/migrations"
        )
        lines.append("")
        lines.append(
            "Next: tollgate plan \(SupabaseProjectInit.playbookName) --env dev  (the local stack's password in PGPASSWORD)"
        )
        context.printer.output(lines.joined(separator: "\n"))
        return .success
    }
}
