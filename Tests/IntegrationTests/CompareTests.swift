import Foundation
import FoundationXML
import PostgresClient
import Testing
import TollgateKit

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CompareTests {
    /// Three sandbox-shaped databases in a project of their own (the shipped playbooks, no
    /// approvals or soaks); `drift` gets the drifted scenario's changes by name.
    func withEnvironments<T>(
        drift: Bool, _ body: (Project, [Environment]) async throws -> T
    ) async throws -> T {
        let admin = try PostgresTestServer.connect()
        try Sandbox.installRoles(on: admin, applicationPassword: "unused")
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent(
            "tollgate-compare-\(UUID().uuidString)")
        var names: [String] = []
        defer {
            for name in names {
                _ = try? admin.query("drop database if exists \(identifier: name) with (force)")
            }
            try? fm.removeItem(at: root)
        }
        try fm.createDirectory(
            at: root.appendingPathComponent("Environments"), withIntermediateDirectories: true)
        try fm.copyItem(
            at: Repository.root.appendingPathComponent("Playbooks"),
            to: root.appendingPathComponent("Playbooks"))
        try copyExamples(to: root)
        let base = try PostgresTestServer.connectionString().rawValue
        for (index, name) in ["dev", "staging", "production"].enumerated() {
            let database = "tollgate_test_\(UInt32.random(in: 0...UInt32.max))"
            names.append(database)
            try admin.query("create database \(identifier: database)")
            let db = try PostgresTestServer.connect(database: database)
            try Sandbox.seedDatabase(db, options: .init(rows: 40, seed: 5))
            if drift { try Sandbox.applyDrift(to: db, environment: name) }
            try admin.query(
                "grant create, connect, temporary on database \(identifier: database) to tollgate_app"
            )
            try """
            version: 1
            name: \(name)
            order: \(index + 1)
            connection: "\(base) dbname=\(database) user=tollgate_app"
            variables:
              jwt_expiry: 0
              tenant_model: org-per-email-domain
            """.write(
                to: root.appendingPathComponent("Environments/\(name).yml"), atomically: true,
                encoding: .utf8)
        }
        let project = try Project.load(root: root, variables: VariableLookup(environment: [:]))
        return try await body(project, project.environments)
    }

    func json(_ report: ComparisonReport) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try ComparisonRenderer.json(report).utf8))
            as! [String: Any]
    }

    /// Each environment read for a comparison; one that could not be read is recorded as an
    /// issue naming its problem, so that a failure under load says what the reader met.
    func read(_ project: Project, _ environments: [Environment]) async -> [EnvironmentReading] {
        let readings = await EnvironmentReader(project: project).read(environments, .comparison)
        for reading in readings where reading.problem != nil || reading.ledgerError != nil {
            Issue.record(
                "\(reading.environment.name): \(reading.problem?.message ?? "") \(reading.ledgerError ?? "")"
            )
        }
        return readings
    }

    /// `environment change kind object` for each drift entry.
    func driftLines(_ json: [String: Any]) -> [String] {
        (json["drift"] as! [[String: Any]]).map {
            "\($0["environment"]!) \($0["change"]!) \($0["kind"]!) \($0["object"]!)"
        }
    }

    @Test func theDriftedScenarioListsExactlyItsDifferences() async throws {
        try await withEnvironments(drift: true) { project, environments in
            let report = Comparison.compare(
                await read(project, environments),
                project: project)
            let json = try json(report)
            #expect(
                Set(json.keys) == [
                    "version", "headline", "reference", "referenceChosen", "environments",
                    "migrations", "differences", "drift", "wardenBlockedBy", "timeline",
                ])
            #expect(json["version"] as? Int == 2)
            let differences = (json["differences"] as! [[String: Any]]).map {
                "\($0["kind"]!) \($0["object"]!)"
            }
            #expect(
                differences == [
                    "column public.campaigns.org_id", "column public.leads.org_id",
                    "table public.leads_backup_20250110",
                    "table public.organizations", "column public.organizations.created_at",
                    "column public.organizations.name",
                    "constraint public.organizations.organizations_status_check",
                    "column public.organizations.status",
                    "column public.organizations.updated_at",
                ])
            let name = try #require(
                (json["differences"] as! [[String: Any]]).first {
                    $0["object"] as? String == "public.organizations.name"
                })
            let values = name["values"] as! [String: Any]
            #expect(values["dev"] as? String == "text NOT NULL")
            #expect(values["staging"] as? String == "text")
            #expect(values["production"] is NSNull)
            let migrations = json["migrations"] as! [[String: Any]]
            let organizations = try #require(
                migrations.first { $0["version"] as? String == "20250110090000" })
            #expect(organizations["appliedIn"] as? [String] == ["staging"])
            #expect(organizations["missingIn"] as? [String] == ["dev", "production"])
            #expect(report.wardenBlockedBy["production"] == "organizations-table")
            #expect(report.headline.hasPrefix("Warden is blocked on dev ("))

            // Drift: dev's hand-made Day 1 and its backup table; staging's organizations came
            // from a recorded migration, so it is accounted for.
            #expect(
                driftLines(json) == [
                    "dev unrecorded column public.campaigns.org_id",
                    "dev unrecorded column public.leads.org_id",
                    "dev unrecorded table public.leads_backup_20250110",
                    "dev unrecorded table public.organizations",
                ])
            let organizationsDrift = try #require((json["drift"] as! [[String: Any]]).last)
            #expect(
                Set(organizationsDrift.keys) == [
                    "environment", "kind", "object", "change", "detail", "includes",
                ])
            // id, name, created_at, the primary key and its index
            #expect(organizationsDrift["includes"] as? Int == 5)
            #expect(report.environments.allSatisfy { $0.driftNote == nil })
            let environment = try #require((json["environments"] as! [[String: Any]]).first)
            #expect(
                Set(environment.keys) == [
                    "name", "serverVersion", "fingerprint", "migrations", "rollout", "checks",
                ])
            #expect(
                Set(organizations.keys) == [
                    "version", "name", "appliedIn", "missingIn", "checksums",
                ])
        }
    }

    /// Days run on some environments, then changes by hand: the report lists what each
    /// environment has, what the steps account for, and exactly what was done outside them.
    @Test func afterSomeDaysOnSomeEnvironments() async throws {
        try await withEnvironments(drift: true) { project, environments in
            let (dev, staging) = (environments[0], environments[1])
            let runner = PlaybookRunner(
                project: project, options: .init(actor: "release-manager", host: "test")
            ) { _ in }
            for day in ["day-1-organizations", "day-2-backfill"] {
                try runner.run(try project.playbook(named: day), on: dev)
            }
            try runner.run(try project.playbook(named: "day-1-organizations"), on: staging)
            // By hand, after the days: a default dropped on dev, a foreign key dropped on
            // staging, a policy added on production.
            // (The environments connect as the application role, which owns the tables.)
            try dev.connect().query(
                "alter table public.organizations alter column status drop default")
            try staging.connect().query(
                "alter table public.campaigns drop constraint campaigns_org_id_fkey")
            try environments[2].connect().query(
                "create policy leads_support on public.leads for select to authenticated using (true)"
            )

            let report = Comparison.compare(
                await read(project, environments),
                project: project)
            let json = try json(report)
            #expect(
                driftLines(json) == [
                    // dev: Day 1 adopted the hand-made organizations and org_id columns; the
                    // backup table is still nobody's, and the default went after Day 1 left it.
                    "dev unrecorded table public.leads_backup_20250110",
                    "dev changed column public.organizations.status",
                    "staging removed constraint public.campaigns.campaigns_org_id_fkey",
                    "production unrecorded policy public.leads.leads_support",
                ])
            let status = try #require(
                report.drift.first { $0.object == "public.organizations.status" })
            #expect(
                status.detail
                    == "changed since day-1-organizations/organizations left it (was: text default 'active'::text)"
            )

            #expect(
                report.environments.map { $0.rollout.map(\.playbook) } == [
                    ["day-1-organizations", "day-2-backfill"], ["day-1-organizations"], [],
                ])
            #expect(report.environments[0].rollout.first?.ranBy == "release-manager")
            func migration(_ version: String) throws -> ComparisonReport.Migration {
                try #require(report.migrations.first { $0.version == version })
            }
            #expect(try migration("20250110090100").appliedIn == ["dev", "staging"])
            #expect(try migration("20250111090000").appliedIn == ["dev"])
            #expect(try migration("20250111090000").missingIn == ["staging", "production"])
            // Staging's organizations migration came from the Supabase CLI with other SQL than
            // the playbook's: the same version, two texts.
            #expect(try migration("20250110090000").appliedIn == ["dev", "staging"])
            #expect(try migration("20250110090000").checksumsDiffer)
            #expect(try !migration("20250110090100").checksumsDiffer)

            let differences = Dictionary(
                uniqueKeysWithValues: report.differences.map {
                    ("\($0.kind) \($0.object)", $0.values)
                })
            #expect(
                differences["index public.leads.leads_org_id_idx"].map {
                    $0.compactMapValues { $0 }.keys.sorted()
                } == ["dev"])
            #expect(differences["column public.organizations.status"]?["dev"] == .some("text"))
            #expect(
                differences["column public.organizations.status"]?["staging"]
                    == .some("text default 'active'::text"))
            #expect(differences["table public.leads_backup_20250110"] != nil)
            // Tollgate's own migrations run dynamic SQL, but their effects are recorded: no caveat.
            #expect(report.environments.allSatisfy { $0.driftNote == nil })
            #expect(
                ComparisonRenderer.text(report, color: false).contains("out-of-band changes (4)"))
            #expect(
                ComparisonRenderer.markdown(report).contains(
                    "| staging | removed | constraint `public.campaigns.campaigns_org_id_fkey` |"))
        }
    }

    /// The binary, as a user runs it: the four formats say the same things, a file is
    /// written with -o, and an unreachable environment exits 3 with the others still compared.
    @Test func theBinaryWritesAllFourFormats() async throws {
        try await withEnvironments(drift: true) { project, _ in
            let root = project.root.path
            for format in ["text", "markdown", "json", "html"] {
                let result = try tollgate(["compare", "--project", root, "--format", format])
                #expect(result.status == 0, "\(format): \(result.stderr)")
                for fact in [
                    "Warden is blocked on dev (", "public.leads_backup_20250110", "20250110090000",
                    "organizations-table", "unrecorded",
                ] {
                    #expect(result.stdout.contains(fact), "\(format) lacks \(fact)")
                }
            }
            let page = project.root.appendingPathComponent("report.html")
            let written = try tollgate([
                "compare", "--project", root, "--format", "html", "-o", page.path,
            ])
            #expect(
                written.status == 0 && written.stdout.isEmpty
                    && written.stderr == "wrote \(page.path)\n")
            _ = try XMLDocument(contentsOf: page)
            let all = try tollgate(["compare", "--project", root, "--all"])
            #expect(all.stdout.contains("the same everywhere ("))

            try """
            version: 1
            name: production
            order: 3
            connection: "host=127.0.0.1 port=1 dbname=x user=app password=sekrit-canary"
            """.write(
                to: project.root.appendingPathComponent("Environments/production.yml"),
                atomically: true, encoding: .utf8)
            let down = try tollgate(["compare", "--project", root, "--format", "json"])
            #expect(down.status == 3)
            #expect(
                !down.stdout.contains("sekrit-canary") && !down.stderr.contains("sekrit-canary"))
            let report =
                try JSONSerialization.jsonObject(with: Data(down.stdout.utf8)) as! [String: Any]
            #expect(
                (report["wardenBlockedBy"] as! [String: String])["production"]?.hasPrefix(
                    "unreachable: ") == true)
            // A reference that cannot be read gives way to the furthest along, on the record.
            let unread = try tollgate(["compare", "--project", root, "--reference", "production"])
            #expect(unread.status == 3)
            #expect(
                unread.stdout.contains("(production, the reference asked for, could not be read)"))
            let unknown = try tollgate(["compare", "--project", root, "--reference", "prod"])
            #expect(unknown.status == 2 && unknown.stderr.contains("--reference prod is not among"))
            #expect(
                (report["environments"] as! [[String: Any]]).compactMap { $0["fingerprint"] }.count
                    == 2)
        }
    }

    @Test func identicalEnvironmentsHaveNoDifferences() async throws {
        try await withEnvironments(drift: false) { project, environments in
            let report = Comparison.compare(
                await read(project, environments),
                project: project)
            #expect(report.differences.isEmpty)
            #expect(report.migrations.allSatisfy { $0.missingIn.isEmpty && !$0.checksumsDiffer })
            #expect(report.drift.isEmpty)
            #expect(Set(report.environments.compactMap(\.fingerprint)).count == 1)
            #expect(ComparisonRenderer.text(report, color: false).contains("no schema differences"))
        }
    }

    @Test func markdownStaysUnderGitHubsLimit() {
        let differences = (0..<5000).map { index in
            ComparisonReport.Difference(
                kind: "column", object: "public.t\(index).c",
                values: ["dev": "uuid", "staging": nil])
        }
        let report = ComparisonReport(
            environments: [
                .init(name: "dev", migrations: [], rollout: [], checks: [:]),
                .init(name: "staging", migrations: [], rollout: [], checks: [:]),
            ],
            migrations: [], differences: differences, wardenBlockedBy: [:])
        let markdown = ComparisonRenderer.markdown(report)
        #expect(markdown.count < 65_536)
        // It summarises: every count stays, the objects past the limit are counted.
        #expect(markdown.contains("| columns | 5000 |"))
        #expect(
            markdown.contains(
                "more columns that differ, left out to stay within GitHub's size limit"))
        #expect(markdown.hasSuffix("</details>\n"))
        // Drift with long details takes at most a third of the page; the rest still fits.
        var drifted = report
        drifted.drift = (0..<2000).map { index in
            .init(
                environment: "dev", kind: "table", object: "public.t\(index)", change: .changed,
                detail: "changed since day-1/step left it (was: "
                    + String(repeating: "x", count: 400) + ")")
        }
        let page = ComparisonRenderer.markdown(drifted)
        #expect(page.count < 65_536)
        #expect(page.contains("more left out to stay within GitHub's size limit"))
        #expect(page.contains("| columns | 5000 |"))
    }
}
