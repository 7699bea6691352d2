import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The `code` check on a database of an application Tollgate did not build: the taskboard
/// fixture's own schema passes, and each single mutation of it blocks, naming what broke and
/// citing the code's lines.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CodeCheckTests {
    static let taskboard = Repository.root.appendingPathComponent(
        "Tests/TollgateKitTests/Fixtures/code/taskboard")

    /// A project whose one suite checks the taskboard's code, against a fresh database with
    /// its schema and `mutation` applied.
    func check(after mutation: String) throws -> CheckReport.EnvironmentChecks {
        try withTestDatabase { db, name in
            try db.execute(
                script: try String(
                    contentsOf: Self.taskboard.appendingPathComponent("schema.sql"),
                    encoding: .utf8))
            if !mutation.isEmpty { try db.execute(script: mutation) }
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tollgate-code-\(UUID().uuidString)")
            let fm = FileManager.default
            try fm.createDirectory(
                at: root.appendingPathComponent("Environments"), withIntermediateDirectories: true)
            try fm.createDirectory(
                at: root.appendingPathComponent("Playbooks/checks"),
                withIntermediateDirectories: true)
            defer { try? fm.removeItem(at: root) }
            try fm.copyItem(at: Self.taskboard, to: root.appendingPathComponent("taskboard"))
            try "version: 1\nname: dev\norder: 1\nconnection: ${DEV_URL}\n".write(
                to: root.appendingPathComponent("Environments/dev.yml"), atomically: true,
                encoding: .utf8)
            try """
            version: 1
            suite: app
            checks:
              - id: code-expectations
                code: { paths: [taskboard/app, taskboard/scripts, taskboard/supabase], types: taskboard/types/supabase.ts }
            """.write(
                to: root.appendingPathComponent("Playbooks/checks/app.yml"), atomically: true,
                encoding: .utf8)
            let url = try PostgresTestServer.connectionString().rawValue + " dbname=\(name)"
            let project = try Project.load(
                root: root, variables: VariableLookup(environment: ["DEV_URL": url]))
            return CheckRunner(project: project).run(
                [try project.suite(named: "app")], on: try project.environment(named: "dev"))
        }
    }

    /// The command prints exactly the listings pinned in the Kit's tests.
    @Test func theCommandPrintsThePinnedListings() throws {
        let pinned = Repository.root.appendingPathComponent(
            "Tests/TollgateKitTests/Fixtures/code/expected")
        func expected(_ name: String) throws -> String {
            try String(contentsOf: pinned.appendingPathComponent(name), encoding: .utf8)
        }
        let backend = ["Examples/backend/src", "--types", "Examples/backend/src/database.types.ts"]
        let text = try tollgate(["expectations"] + backend)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout == (try expected("backend.txt")))
        let json = try tollgate(["expectations"] + backend + ["--format", "json"])
        #expect(json.stdout == (try expected("backend.json")))
        // With no path: what the suites' code checks name (the warden suite's backend).
        let fromSuites = try tollgate(["expectations"])
        #expect(fromSuites.status == 0, "\(fromSuites.stderr)")
        #expect(fromSuites.stdout == text.stdout)
        // The taskboard, from its own folder (no project there: none is needed).
        let taskboard = try tollgate(
            ["expectations", ".", "--types", "types/supabase.ts", "--format", "json"],
            in: Self.taskboard)
        #expect(taskboard.status == 0, "\(taskboard.stderr)")
        #expect(taskboard.stdout == (try expected("taskboard.json")))
        // A path that is not there is the command line's mistake: exit 2, named.
        let missing = try tollgate(["expectations", "Examples/nope"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file or folder: Examples/nope"))
    }

    @Test func theApplicationsOwnSchemaPasses() throws {
        let checks = try check(after: "")
        #expect(checks.error == nil, "\(checks.error ?? "")")
        let run = try #require(checks.suites.first)
        #expect(run.passed, "\(run.failures.map { "\($0.subject ?? ""): \($0.found ?? "")" })")
        #expect(run.results.count == 1)
        #expect(run.results[0].expected.contains("expectations)"))
    }

    struct Mutation: CustomTestStringConvertible, Sendable {
        var name: String
        var sql: String
        /// The subject of the failure it must cause, and words of what was found.
        var subject: String
        var found: String
        /// Other failures it causes too (a dropped table's embeds).
        var also: [String] = []
        var testDescription: String { name }
    }

    static let mutations: [Mutation] = [
        Mutation(
            name: "a dropped table", sql: "drop table public.comments cascade",
            subject: "public.comments", found: "no table public.comments",
            also: ["public.tasks → comments"]),
        Mutation(
            name: "a renamed table", sql: "alter table public.teams rename to squads",
            subject: "public.teams", found: "no table public.teams",
            also: ["public.projects → teams", "public.profiles → teams!team_members"]),
        Mutation(
            name: "a dropped column", sql: "alter table public.projects drop column archived",
            subject: "public.projects.archived", found: "no column archived on public.projects"),
        Mutation(
            name: "a renamed column",
            sql: "alter table public.profiles rename column username to handle",
            subject: "public.profiles.username", found: "no column username"),
        Mutation(
            name: "a column of an embedded table",
            sql: "alter table public.profiles drop column avatar_url",
            subject: "public.profiles.avatar_url", found: "no column avatar_url"),
        Mutation(
            name: "a dropped function", sql: "drop function public.search_tasks(text, integer)",
            subject: "public.search_tasks(p_limit, p_query)",
            found: "no function public.search_tasks"),
        Mutation(
            name: "a renamed function",
            sql: "alter function public.archive_project(uuid) rename to archive_projects",
            subject: "public.archive_project(project_id)", found: "archive_projects"),
        Mutation(
            name: "a renamed argument",
            sql: """
                drop function public.search_tasks(text, integer);
                create function public.search_tasks(query text, p_limit integer default 20)
                returns setof public.tasks language sql stable as $$ select * from public.tasks limit p_limit $$;
                """,
            subject: "public.search_tasks(p_limit, p_query)", found: "takes other arguments"),
        Mutation(
            name: "a function in another schema", sql: "drop function billing.team_balance(uuid)",
            subject: "billing.team_balance(p_team)", found: "no function billing.team_balance"),
        Mutation(
            name: "a dropped foreign key behind an embed",
            sql: "alter table public.projects drop constraint projects_team_id_fkey",
            subject: "public.projects → teams", found: "PGRST200"),
        Mutation(
            name: "a second foreign key makes an embed ambiguous",
            sql:
                "alter table public.projects add column parent_team uuid references public.teams (id)",
            subject: "public.projects → teams", found: "PGRST201"),
        Mutation(
            name: "a join table whose primary key no longer holds both keys",
            sql: "alter table public.task_assignees drop constraint task_assignees_pkey",
            subject: "public.tasks → profiles!task_assignees", found: "PGRST200"),
        Mutation(
            name: "an upsert target without its unique key",
            sql:
                "alter table public.notifications drop constraint notifications_profile_id_kind_key",
            subject: "public.notifications unique (profile_id,kind)", found: "42P10"),
        Mutation(
            name: "a column the types file declares NOT NULL made nullable",
            sql: "alter table public.tasks alter column title drop not null",
            subject: "public.tasks.title", found: "the code may receive null"),
    ]

    @Test(arguments: mutations)
    func eachSingleMutationBlocks(_ mutation: Mutation) throws {
        let checks = try check(after: mutation.sql)
        #expect(checks.error == nil, "\(checks.error ?? "")")
        let run = try #require(checks.suites.first)
        #expect(!run.passed)
        let failure = run.failures.first { $0.subject == mutation.subject }
        #expect(
            failure?.found?.contains(mutation.found) == true,
            "\(run.failures.map { "\($0.subject ?? ""): \($0.found ?? "")" })")
        // Every failure cites the code's lines, relative to the project.
        for failure in run.failures {
            #expect(failure.citedAt?.isEmpty == false, "\(failure.subject ?? "")")
            #expect(
                failure.citedAt?.allSatisfy { $0.hasPrefix("taskboard/") } == true,
                "\(failure.citedAt ?? [])")
        }
        // One mutation: every failure is about what it broke.
        #expect(
            Set(run.failures.compactMap(\.subject)) == Set([mutation.subject] + mutation.also),
            "\(run.failures.map { "\($0.subject ?? ""): \($0.found ?? "")" })")
    }
}
