import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The built binary, run as a user would run it: exit codes, stderr, and no secrets.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CommandLineTests {
    @Test func wrongPasswordIsOneLineExitThreeAndNeverPrintsThePassword() throws {
        let admin = try PostgresTestServer.connect()
        let port = try PostgresTestServer.port()
        try admin.execute(
            script:
                "drop role if exists tollgate_cli_canary; create role tollgate_cli_canary login password 'the-right-one'"
        )
        for environment in [
            [
                "PGPASSWORD": "sekrit-canary",
                "DEV_DATABASE_URL": "postgresql://tollgate_cli_canary@127.0.0.1:\(port)/postgres",
            ],
            [
                "DEV_DATABASE_URL":
                    "postgresql://tollgate_cli_canary:sekrit-canary@127.0.0.1:\(port)/postgres"
            ],
            [
                "DEV_DATABASE_URL":
                    "host=127.0.0.1 port=\(port) user=tollgate_cli_canary password=sekrit-canary dbname=postgres"
            ],
        ] {
            for format in ["text", "json"] {
                let result = try tollgate(
                    ["status", "--env", "dev", "--format", format], environment: environment)
                #expect(result.status == 3)
                #expect(!result.stdout.contains("sekrit-canary"))
                #expect(!result.stderr.contains("sekrit-canary"))
                #expect(
                    result.stdout.contains(
                        "password authentication failed for user \\\"tollgate_cli_canary\\\"")
                        || result.stdout.contains(
                            "password authentication failed for user \"tollgate_cli_canary\"")
                )
            }
        }
        let text = try tollgate(
            ["status", "--env", "dev"],
            environment: [
                "DEV_DATABASE_URL":
                    "postgresql://tollgate_cli_canary:sekrit-canary@127.0.0.1:\(port)/postgres"
            ])
        let errorLines = text.stdout.split(separator: "\n").filter { $0.contains("└") }
        #expect(errorLines.count == 1)
        // The table shows no connection.
        #expect(text.stdout.contains("postgresql://tollgate_cli_canary:***@127.0.0.1") == false)
    }

    @Test func sandboxUpStatusDown() throws {
        let folder = URL(fileURLWithPath: "/tmp/tollgate-it-\(UInt32.random(in: 0...UInt32.max))")
        let environment = ["TOLLGATE_SANDBOX_DIR": folder.path]
        let port = 20000 + Int.random(in: 0..<20000)
        defer {
            _ = try? tollgate(["sandbox", "down", "--purge"], environment: environment)
            try? FileManager.default.removeItem(at: folder)
        }
        let up = try tollgate(
            ["sandbox", "up", "--port", "\(port)", "--rows", "200"], environment: environment)
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("PostgreSQL on 127.0.0.1:\(port)"))

        let status = try tollgate(["status", "--format", "json"], environment: environment)
        #expect(status.status == 0, "\(status.stderr)")
        let report =
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
        #expect(report["version"] as? Int == 1)
        let environments = report["environments"] as! [[String: Any]]
        #expect(
            environments.map { $0["environment"] as? String } == ["dev", "staging", "production"])
        var fingerprints = Set<String>()
        for environment in environments {
            #expect(environment["reachable"] as? Bool == true)
            let tenancy = environment["tenancy"] as! [String: Any]
            // The report's starting state: user_id everywhere, no organizations, no org_id.
            #expect(tenancy["organizationsTable"] as? Bool == false)
            #expect((tenancy["tablesWithOrgID"] as? [String]) == [])
            #expect(
                (tenancy["tablesWithUserID"] as? [String]) == [
                    "agents", "call_tracking", "calls", "campaigns", "cold_call_logs",
                    "integrations", "knowledge_base", "leads",
                ])
            let migrations = environment["supabaseMigrations"] as! [String: Any]
            #expect(migrations["count"] as? Int == 2)
            fingerprints.insert(environment["fingerprint"] as! String)
        }
        #expect(fingerprints.count == 1)

        // As on hosted Supabase, the application role cannot create the report's auth.org_id().
        let app = try Connection(
            ConnectionString("host=\(folder.path) port=\(port) dbname=production user=tollgate_app")
        )
        do {
            try app.execute(
                script:
                    "create function auth.org_id() returns uuid language sql stable as $$ select null::uuid $$"
            )
            Issue.record("expected permission denied")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42501")
            #expect(error.message == "permission denied for schema auth")
        }
        let counts = try app.query(
            "select (select count(*) from auth.users) as users, (select count(*) from public.leads) as leads, (select count(*) from public.call_logs) as call_logs"
        ).first!
        #expect(try counts.decode("users", as: Int.self) == 10)
        #expect(try counts.decode("leads", as: Int.self) == 200)
        #expect(try counts.decode("call_logs", as: Int.self) == 400)

        // The Warden gate blocks the starting state, naming the report's blockers.
        let gate = try tollgate(["gate", "warden", "--env", "dev"], environment: environment)
        #expect(gate.status == 1, "\(gate.stderr)")
        #expect(gate.stdout.hasPrefix("warden on dev: BLOCKED — 9 of 10 checks failed"))
        // The backend's code, cited where it expects what is missing.
        #expect(gate.stdout.contains("✗ backend-expectations (11 unmet)"))
        #expect(
            gate.stdout.contains(
                "      leads.org_id: no column org_id on public.leads (has user_id)"))
        #expect(gate.stdout.contains("        at Examples/backend/src/"))
        #expect(gate.stdout.contains("✗ organizations-table — The organizations table exists."))
        #expect(gate.stdout.contains("call_logs: no column org_id (has lead_id)"))
        #expect(gate.stdout.contains("✓ no-function-in-auth"))
        let json = try tollgate(
            ["check", "--env", "staging,production", "--suite", "warden", "--format", "json"],
            environment: environment)
        #expect(json.status == 1)
        let checks =
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let checked = checks["environments"] as! [[String: Any]]
        #expect(checked.map { $0["environment"] as? String } == ["staging", "production"])
        let results = (checked[1]["suites"] as! [[String: Any]])[0]["results"] as! [[String: Any]]
        let project = try Project.load(
            root: Repository.root,
            variables: VariableLookup(
                environment: [:],
                builtins: ["TOLLGATE_SANDBOX_DIR": "/x", "TOLLGATE_SANDBOX_PORT": "1"]))
        // One result per check and table, and one per unmet expectation of the code.
        #expect(
            results.count == (try project.expectedResults(of: "warden")) - 1
                + results.filter { $0["check"] as? String == "backend-expectations" }.count)
        #expect(
            results.contains {
                $0["check"] as? String == "org-id-column"
                    && $0["subject"] as? String == "public.leads"
                    && $0["outcome"] as? String == "failed"
            })

        // Under GitHub Actions: annotations on stderr beside JUnit on stdout, and a summary.
        let summary = folder.appendingPathComponent("summary.md")
        let ci = try tollgate(
            ["gate", "warden", "--env", "production", "--format", "junit"],
            environment: environment.merging([
                "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary.path,
            ]) { $1 })
        #expect(ci.status == 1)
        #expect(
            ci.stdout.hasPrefix(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tollgate\" tests=\"60\" failures=\"39\""
            ))
        #expect(
            ci.stderr.contains(
                "::error file=Playbooks/checks/warden.yml,line=8,col=5,title=warden on production%3A organizations-table::"
            ))
        let written = try String(contentsOf: summary, encoding: .utf8)
        #expect(
            written.hasPrefix(
                "## Tollgate checks\n\n### ❌ warden on production: blocked, 9 of 10 checks failed"))
        // The code check's annotations point at the application's lines.
        #expect(
            ci.stderr.contains(
                "::error file=Examples/backend/src/routes/leads.ts,line=16,col=9,title=warden on production%3A backend-expectations (public.leads.org_id)::"
            ))

        // reset rebuilds the databases in another scenario; compare then sees the drift, in
        // colour only when asked (stdout is a pipe here).
        let reset = try tollgate(
            ["sandbox", "reset", "--scenario", "drifted", "--rows", "50"], environment: environment)
        #expect(reset.status == 0, "\(reset.stderr)")
        let plain = try tollgate(["compare"], environment: environment)
        #expect(plain.status == 0 && !plain.stdout.contains("\u{1B}["))
        #expect(plain.stdout.contains("out-of-band changes (4)"))
        let colored = try tollgate(["compare", "--color", "always"], environment: environment)
        #expect(
            colored.stdout.contains("\u{1B}[1m")
                && colored.stdout.contains("out-of-band changes (4)"))
        // No dead end: up starts the scenario the sandbox holds; asking for another one says
        // how to keep it or rebuild it.
        _ = try tollgate(["sandbox", "down"], environment: environment)
        let again = try tollgate(["sandbox", "up"], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("data: drifted scenario"))
        let mismatch = try tollgate(
            ["sandbox", "up", "--scenario", "baseline"], environment: environment)
        #expect(mismatch.status == 2 && mismatch.stderr.contains("holds the 'drifted' scenario"))
        #expect(mismatch.stderr.contains("'tollgate sandbox up' without --scenario starts it"))
        // A port another program holds is refused before anything is stopped.
        let holder = try PortHolder()
        let taken = try tollgate(
            ["sandbox", "up", "--port", "\(holder.port)"], environment: environment)
        #expect(taken.status == 2)
        #expect(
            taken.stderr.contains(
                "another program listens on 127.0.0.1:\(holder.port); nothing was stopped or changed. Use another port: tollgate sandbox up --port "
            ))
        let stillUp = try tollgate(["sandbox", "status"], environment: environment)
        #expect(stillUp.status == 0 && stillUp.stdout.contains("127.0.0.1:\(port)"))
        let resetTaken = try tollgate(
            ["sandbox", "reset", "--port", "\(holder.port)"], environment: environment)
        #expect(resetTaken.status == 2)
        #expect(try tollgate(["sandbox", "status"], environment: environment).status == 0)

        let running = try tollgate(["sandbox", "status"], environment: environment)
        #expect(running.status == 0)
        let down = try tollgate(["sandbox", "down"], environment: environment)
        #expect(down.status == 0)
        let stopped = try tollgate(["sandbox", "status"], environment: environment)
        #expect(stopped.status == 3)
        let unreachable = try tollgate(["status", "--env", "dev"], environment: environment)
        #expect(unreachable.status == 3)
        #expect(unreachable.stdout.contains("(the sandbox is not running: tollgate sandbox up)"))
    }
}

/// The binary where no database is needed: these run without a server, locally as in CI.
@Suite struct CommandLineWithoutServerTests {
    @Test func usageErrorsExitTwo() throws {
        let result = try tollgate(["status", "--nope"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Unknown option '--nope'"))
        #expect(try tollgate(["frobnicate"]).status == 2)
        #expect(try tollgate(["--help"]).status == 0)
    }
    /// Every command's help has examples to copy and the exit codes it returns; a help topic
    /// that is no command is an error; global options work before the subcommand too.
    @Test func helpHasExamplesAndExitCodes() throws {
        let commands = [
            ["status"], ["check"], ["gate"], ["plan"], ["run"], ["approve"], ["history"],
            ["rehearse"], ["rebind"], ["compare"], ["traffic"], ["sandbox", "up"],
            ["sandbox", "down"], ["sandbox", "reset"], ["sandbox", "status"],
        ]
        for command in commands {
            let help = try tollgate(["help"] + command)
            #expect(help.status == 0)
            #expect(
                help.stdout.contains("Examples:\n  $ tollgate \(command.joined(separator: " "))"))
            #expect(help.stdout.contains("Exit codes:\n  0  success"), "\(command)")
        }
        #expect(try tollgate(["help", "run"]).stdout.contains("  4  a step failed while running"))
        #expect(!(try tollgate(["help", "gate"]).stdout.contains("(default: all)")))
        let unknown = try tollgate(["help", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("error: 'nope' is not a command of tollgate (commands: "))
        let nested = try tollgate(["help", "sandbox", "nope"])
        #expect(nested.status == 2)
        #expect(
            nested.stderr
                == "error: 'nope' is not a command of tollgate sandbox (commands: up, down, reset, status)\n"
        )
        // --project before the subcommand means what it means after it.
        let before = try tollgate(["--project", "/nonexistent/app", "--color", "never", "status"])
        let after = try tollgate(["status", "--project", "/nonexistent/app", "--color", "never"])
        #expect(before.status == after.status && before.stderr == after.stderr)
        #expect(before.status == 2 && before.stderr.contains("/nonexistent/app"))
        let sandbox = try tollgate(["--project=/nonexistent/app", "sandbox", "status"])
        #expect(!sandbox.stderr.contains("Unknown option"), "\(sandbox.stderr)")
    }

    /// A run through Supabase's transaction pooler is refused before any connection.
    ///
    /// Its lock would not hold there. The session pooler (port 5432) is fine.
    @Test func theTransactionPoolerIsRefusedForRuns() throws {
        let pooled =
            "postgresql://postgres.abcdefghij:sekrit-canary@aws-0-eu-central-1.pooler.supabase.com:6543/postgres"
        let run = try tollgate(
            ["run", "day-1-organizations", "--env", "dev", "--yes"],
            environment: ["DEV_DATABASE_URL": pooled])
        #expect(run.status == 2)
        #expect(
            run.stderr.contains(
                "environment 'dev': DEV_DATABASE_URL points at Supabase's transaction pooler (port 6543)"
            ))
        #expect(!run.stderr.contains("sekrit-canary") && !run.stdout.contains("sekrit-canary"))
        #expect(ConnectionString(pooled).isSupabaseTransactionPooler)
        #expect(
            !ConnectionString(pooled.replacingOccurrences(of: ":6543", with: ":5432"))
                .isSupabaseTransactionPooler)
        // The dedicated PgBouncer beside each database is a transaction pooler too; a port
        // list, a trailing dot or PGPORT do not hide one.
        #expect(
            ConnectionString("postgresql://postgres:x@db.abcdefghij.supabase.co:6543/postgres")
                .isSupabaseTransactionPooler)
        #expect(
            !ConnectionString("postgresql://postgres:x@db.abcdefghij.supabase.co:5432/postgres")
                .isSupabaseTransactionPooler)
        #expect(
            ConnectionString(
                "postgresql://u:x@h1.example.com,aws-0-eu.pooler.supabase.com./db?port=5432,6543"
            )
            .isSupabaseTransactionPooler)
    }

    /// The completion script completes the project's own environments, playbooks and suites.
    @Test func shellCompletionKnowsTheProjectsNames() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try tollgate(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("---completion"), "\(shell)")
        }
        // As the scripts ask: the word's index and the cursor in it, then the words.
        let environments = try tollgate(["---completion", "run", "--", "--env", "0", "0"])
        #expect(environments.stdout.split(separator: "\n") == ["dev", "production", "staging"])
        let playbooks = try tollgate(["---completion", "run", "--", "positional@0", "0", "0"])
        #expect(playbooks.stdout.contains("day-4-warden\n"))
        let suites = try tollgate(["---completion", "gate", "--", "positional@0", "0", "0"])
        #expect(suites.stdout.contains("warden\n") && suites.stdout.contains("verify\n"))
    }

    /// `traffic --lock-wait` takes a duration PostgreSQL's `lock_timeout` can hold, refused
    /// before any database is touched.
    @Test func trafficLockWaitIsChecked() throws {
        for bad in ["soon", "0s", "-1s", "30d"] {
            let result = try tollgate(["traffic", "--env", "dev", "--lock-wait", bad])
            #expect(result.status == 2, "\(bad): \(result.stderr)")
            #expect(result.stderr.contains("--lock-wait"), "\(bad): \(result.stderr)")
        }
    }

    @Test func gateArgumentsAreChecked() throws {
        let unknown = try tollgate(["gate", "wardn", "--env", "dev"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("error: unknown suite 'wardn' (known: "))
        #expect(unknown.stderr.contains(" verify, warden) "))
        #expect(unknown.stderr.hasSuffix("(did you mean 'warden'?)\n"))
        let noEnvironment = try tollgate(["gate", "warden"])
        #expect(noEnvironment.status == 2)
        #expect(
            noEnvironment.stderr.contains(
                "name the environments to gate: --env production (or --env all)"))
    }
    @Test func unknownEnvironmentExitsTwoWithASuggestion() throws {
        let result = try tollgate(["status", "--env", "prod"])
        #expect(result.status == 2)
        #expect(
            result.stderr == "error: unknown environment 'prod' (known: dev, staging, production)\n"
        )
    }
    @Test func closedPortExitsThree() throws {
        let result = try tollgate(
            ["status", "--env", "staging", "--format", "json"],
            environment: [
                "STAGING_DATABASE_URL": "postgresql://app:sekrit-canary@127.0.0.1:1/staging"
            ])
        #expect(result.status == 3)
        let report =
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let environment = (report["environments"] as! [[String: Any]])[0]
        #expect(environment["reachable"] as? Bool == false)
        #expect((environment["error"] as? String)?.contains("Connection refused") == true)
        #expect(environment["connection"] as? String == "postgresql://app:***@127.0.0.1:1/staging")
        #expect(!result.stdout.contains("sekrit-canary"))
    }
    @Test func malformedYAMLExitsTwoWithFileLineAndColumn() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-cli-\(UUID().uuidString)")
        let environments = project.appendingPathComponent("Environments")
        try FileManager.default.createDirectory(at: environments, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        for name in ["dev", "staging", "production"] {
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent("Environments/\(name).yml"),
                to: environments.appendingPathComponent("\(name).yml"))
        }
        try "version: 1\nname: staging\norder: 2\nconnection: [oops\nprotection:\n  approvals: 1\n"
            .write(
                to: environments.appendingPathComponent("staging.yml"), atomically: true,
                encoding: .utf8)
        let result = try tollgate(["status"], in: project)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Environments/staging.yml:5:11: error: invalid YAML:"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// Status reads the environments, not the playbooks: one being edited, invalid meanwhile,
    /// does not hide where the environments stand; a command that runs playbooks still refuses.
    @Test func statusDoesNotReadThePlaybooks() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        for folder in ["Environments", "Playbooks", "Examples"] {
            try FileManager.default.copyItem(
                at: Repository.root.appendingPathComponent(folder),
                to: project.appendingPathComponent(folder))
        }
        try "name: day-9\nsteps: [oops\n".write(
            to: project.appendingPathComponent("Playbooks/day-9-broken.yml"), atomically: true,
            encoding: .utf8)
        let closed = "postgresql://app@127.0.0.1:1/staging"
        let status = try tollgate(
            ["status", "--env", "staging", "--format", "json"],
            environment: ["STAGING_DATABASE_URL": closed], in: project)
        #expect(status.status == 3, "unreachable, not a bad configuration: \(status.stderr)")
        #expect(status.stdout.contains("\"reachable\" : false"))
        let plan = try tollgate(
            ["plan", "day-1-organizations", "--env", "staging"],
            environment: ["STAGING_DATABASE_URL": closed], in: project)
        #expect(plan.status == 2)
        #expect(plan.stderr.contains("Playbooks/day-9-broken.yml:"))
    }

    @Test func aFormatACommandDoesNotRenderIsAUsageError() throws {
        let result = try tollgate(["status", "--format", "junit"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--format junit is not available here (text, json)"))
    }

    @Test func aMissingOutputFolderIsABadArgument() throws {
        let result = try tollgate([
            "compare", "--env", "dev", "--format", "html", "-o",
            "/nonexistent-folder/x/report.html",
        ])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: -o '/nonexistent-folder/x/report.html': there is no folder '/nonexistent-folder/x' to write it in\n"
        )
    }
}

/// A TCP port on 127.0.0.1 that this process listens on until it is released.
final class PortHolder {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0 && listen(descriptor, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(descriptor, $0, &length)
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
