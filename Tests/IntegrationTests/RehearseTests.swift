import Foundation
import PostgresClient
import Testing
import TollgateKit

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct RehearseTests {
    @Test func rehearseShowsTheReportsFailuresWithoutTouchingTheSource() throws {
        let fm = FileManager.default
        let root = URL(
            fileURLWithPath: "/tmp/tollgate-rehearse-\(UInt32.random(in: 0...UInt32.max))")
        let sandboxFolder = root.appendingPathComponent(".tollgate/sandbox")
        let environment = ["TOLLGATE_SANDBOX_DIR": sandboxFolder.path]
        try fm.createDirectory(
            at: root.appendingPathComponent("Playbooks/migrations"),
            withIntermediateDirectories: true)
        defer {
            _ = try? tollgate(["sandbox", "down", "--purge"], environment: environment, in: root)
            try? fm.removeItem(at: root)
        }
        try fm.copyItem(
            at: Repository.root.appendingPathComponent("Environments"),
            to: root.appendingPathComponent("Environments"))
        try fm.copyItem(
            at: Repository.root.appendingPathComponent("Playbooks/checks"),
            to: root.appendingPathComponent("Playbooks/checks"))
        try copyExamples(to: root)
        try """
        create or replace function auth.org_id() returns uuid language sql stable as $$
          select nullif((current_setting('request.jwt.claims', true))::jsonb -> 'app_metadata' ->> 'org_id', '')::uuid
        $$;
        """.write(
            to: root.appendingPathComponent(
                "Playbooks/migrations/20250110120000_create_auth_org_id_function.sql"),
            atomically: true, encoding: .utf8)
        try
            "alter table public.leads add column org_id uuid references public.organizations (id);\n"
            .write(
                to: root.appendingPathComponent(
                    "Playbooks/migrations/20250110130000_add_org_id.sql"), atomically: true,
                encoding: .utf8)
        try
            "version: 1\nplaybook: report-auth\ngates:\n  promotion: false\nsteps:\n  - id: auth-org-id\n    migration: 20250110120000_create_auth_org_id_function.sql\n"
            .write(
                to: root.appendingPathComponent("Playbooks/report-auth.yml"), atomically: true,
                encoding: .utf8)
        try
            "version: 1\nplaybook: report-org-id\ngates:\n  promotion: false\nsteps:\n  - id: add-org-id\n    migration: 20250110130000_add_org_id.sql\n"
            .write(
                to: root.appendingPathComponent("Playbooks/report-org-id.yml"), atomically: true,
                encoding: .utf8)
        // A data check that fails on a copy without rows, and a structural one that holds.
        try
            "version: 1\nsuite: has-leads\nchecks:\n  - id: leads-table\n    table: public.leads\n  - id: some-leads\n    no_rows: select 'no leads' as problem where not exists (select from public.leads)\n"
            .write(
                to: root.appendingPathComponent("Playbooks/checks/has-leads.yml"), atomically: true,
                encoding: .utf8)
        try
            "version: 1\nplaybook: data-gated\ngates:\n  promotion: false\n  after: [has-leads]\nsteps:\n  - id: note\n    sql: select 1\n"
            .write(
                to: root.appendingPathComponent("Playbooks/data-gated.yml"), atomically: true,
                encoding: .utf8)

        // A step that holds an exclusive lock longer than its budget, even without rows.
        try
            "version: 1\nplaybook: lock-heavy\ngates:\n  promotion: false\nsteps:\n  - id: held-lock\n    sql: |\n      lock table public.leads in access exclusive mode;\n      select pg_sleep(0.3);\n"
            .write(
                to: root.appendingPathComponent("Playbooks/lock-heavy.yml"), atomically: true,
                encoding: .utf8)

        let port = 20000 + Int.random(in: 0..<20000)
        let up = try tollgate(
            ["sandbox", "up", "--port", "\(port)", "--rows", "50"], environment: environment,
            in: root)
        #expect(up.status == 0, "\(up.stderr)")
        let before = try tollgate(
            ["status", "--env", "production", "--format", "json"], environment: environment,
            in: root)

        let auth = try tollgate(
            ["rehearse", "report-auth", "--env", "production"], environment: environment, in: root)
        #expect(auth.status == 4, "\(auth.stdout)\(auth.stderr)")
        // Every line names the copy: nothing reads as if production itself had failed.
        #expect(auth.stdout.contains("rehearsal of report-auth on rehearse_production_"))
        #expect(auth.stdout.contains(" (a copy of production): FAILED (copy dropped)"))
        #expect(
            auth.stderr.hasPrefix(
                "error: step 'auth-org-id' of report-auth failed on rehearse_production_"))
        #expect(auth.stderr.hasSuffix("ERROR 42501: permission denied for schema auth\n"))
        #expect(!auth.stderr.contains("failed on production"))

        // Data checks mean nothing on a schema-only copy: not applicable, not a failure.
        let data = try tollgate(
            ["rehearse", "data-gated", "--env", "production"], environment: environment, in: root)
        #expect(data.status == 0, "\(data.stdout)\(data.stderr)")
        #expect(data.stdout.contains(" (a copy of production): succeeded"))
        #expect(
            !data.stdout.contains("failed on production")
                && !data.stderr.contains("failed on production"))

        let organizations = try tollgate(
            ["rehearse", "report-org-id", "--env", "production"], environment: environment, in: root
        )
        #expect(organizations.status == 4)
        #expect(
            organizations.stderr.contains(
                "ERROR 42P01: relation \"public.organizations\" does not exist"))

        // The source is untouched: same fingerprint, no ledger, and no scratch database left.
        let after = try tollgate(
            ["status", "--env", "production", "--format", "json"], environment: environment,
            in: root)
        #expect(after.stdout == before.stdout)
        #expect(after.stdout.contains("\"ledgerPresent\" : false"))
        let admin = try Connection(
            ConnectionString(
                "host=\(sandboxFolder.path) port=\(port) dbname=postgres user=postgres"))
        let left: Int = try admin.query(
            "select count(*) as n from pg_database where datname like 'rehearse_%'"
        ).first!.decode("n")
        #expect(left == 0)

        // A lock over budget on the copy blocks, as on a lower environment, until someone
        // accepts it on the environment itself.
        let locked = try tollgate(
            ["rehearse", "lock-heavy", "--env", "production"], environment: environment, in: root)
        #expect(locked.status == 1, "\(locked.stdout)\(locked.stderr)")
        #expect(
            locked.stdout.contains(
                "  ✗ lock budget: held-lock held AccessExclusiveLock on public.leads for "))
        #expect(
            locked.stdout.contains(
                "tollgate approve lock-heavy --env production --as NAME"))
        let approve = try tollgate(
            ["approve", "lock-heavy", "--env", "production", "--as", "alice"],
            environment: environment, in: root)
        #expect(approve.status == 0, "\(approve.stderr)")
        let accepted = try tollgate(
            ["rehearse", "lock-heavy", "--env", "production"], environment: environment, in: root)
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(accepted.stdout.contains("  accepted on production by alice"))

        // Where the playbook already ran, the copy brings that run's hold along: it is the
        // environment's record, not the rehearsal's, and does not block it.
        let ran = try tollgate(
            ["run", "lock-heavy", "--env", "dev"], environment: environment, in: root)
        #expect(ran.status == 0, "\(ran.stdout)\(ran.stderr)")
        let again = try tollgate(
            ["rehearse", "lock-heavy", "--env", "dev"], environment: environment, in: root)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(!again.stdout.contains("lock budget"))
    }
}
