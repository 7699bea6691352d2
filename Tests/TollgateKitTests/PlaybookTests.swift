import Foundation
import PostgresClient
import Testing

@testable import TollgateKit

@Suite struct PlaybookTests {
    func load(
        _ playbooks: [String: String], migrations: [String: String] = [:]
    ) throws -> (Project?, [String]) {
        let root = try makeProject(["dev.yml": validDev, "staging.yml": validStaging])
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("Playbooks")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("migrations"), withIntermediateDirectories: true)
        for (name, text) in playbooks {
            try text.write(
                to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        for (name, text) in migrations {
            try text.write(
                to: folder.appendingPathComponent("migrations/\(name)"), atomically: true,
                encoding: .utf8)
        }
        do {
            return (
                try Project.load(
                    root: root, variables: VariableLookup(environment: [:]), displayBase: root), []
            )
        } catch {
            return (nil, error.diagnostics.map(\.description))
        }
    }

    @Test func validationNamesEveryProblemAtItsLine() throws {
        let (_, diagnostics) = try load(
            [
                "day-1.yml": """
                version: 1
                playbook: day-1
                gates:
                  requires: [day-0]
                  before: [wardn]
                steps:
                  - id: index
                    sql: create index concurrently on public.leads (org_id)
                  - id: loose
                    sql: select 1
                    transaction: false
                  - id: badly-named
                    migration: create_organizations.sql
                  - id: missing
                    migration: 20250110090000_missing.sql
                  - id: index
                    wait: 1s
                """
            ])
        #expect(
            diagnostics == [
                "Playbooks/day-1.yml:8:10: error: step 'index' uses CONCURRENTLY, which cannot run inside a transaction: add 'transaction: false' and 'rerunnable: true'",
                "Playbooks/day-1.yml:11:18: error: step 'loose' has 'transaction: false', so an interruption can leave it half done: write it to be safe to run again (IF NOT EXISTS, CONCURRENTLY) and mark it 'rerunnable: true'",
                "Playbooks/day-1.yml:13:16: error: migration 'create_organizations.sql' must be named <version>_<name>.sql, as Supabase names them (20250110090000_create_organizations.sql)",
                "Playbooks/day-1.yml:15:16: error: migration file 'Playbooks/migrations/20250110090000_missing.sql' does not exist",
                "Playbooks/day-1.yml:16:5: error: duplicate step id 'index' (first at line 7)",
                "Playbooks/day-1.yml:2:11: error: playbook 'day-1' requires unknown playbook 'day-0'",
                "Playbooks/day-1.yml:2:11: error: playbook 'day-1' names unknown suite 'wardn'",
            ])
    }

    /// `CONCURRENTLY` as a word, in any case, outside comments, strings, quoted identifiers
    /// and dollar quotes.
    @Test func concurrentlyIsFoundAsAWordOutsideComments() {
        let found = [
            "create index concurrently on t (a)", "CREATE INDEX CONCURRENTLY x ON t (a);",
            "refresh materialized view\nConcurrently v", "concurrently",
            "drop index\tconcurrently\n",
            "select 1; -- a comment\nreindex index concurrently i",
            // After each kind of quote or comment has ended.
            "comment on table t is 'x'; create index concurrently i on t (a)",
            "select 'it''s'; reindex table concurrently t",
            "select E'it\\'s'; create index concurrently i on t (a)",
            "select \"a\"\"b\"; create index concurrently i on t (a)",
            "select $$ a $$; create index concurrently i on t (a)",
            "select $x$ a $$ b $x$; create index concurrently i on t (a)",
            "/* a /* nested */ comment */ create index concurrently i on t (a)",
            // A parameter and a name's $ open no dollar quote.
            "select $1; create index concurrently i on t (a)",
            "select a$b from t; create index concurrently i on t (a)",
            // An E-string continued on the next line keeps its escapes; a comment ends at \r.
            "select E'a'\n'\\'';\ncreate index concurrently i on t (c);",
            "select E'a' -- note\n  '\\'' ; create index concurrently i on t (c);",
            "select 1; -- a comment\rcreate index concurrently i on t (a)",
        ]
        let notFound = [
            "-- create index concurrently", "create index i on t (a) -- concurrently later",
            "select concurrently_flag from t", "select xconcurrently", "select concurrentl",
            "select 'concurrentlé'", "", "--\n--concurrently",
            "comment on index i is 'built concurrently'", "select 'a''concurrently'",
            "select E'\\' concurrently'", "select \"concurrently\" from t",
            "create function f() returns void language sql as $$ create index concurrently i on t (a) $$",
            "do $body$ begin execute 'create index concurrently i on t (a)'; end $body$",
            "/* concurrently /* nested */ still concurrently */ select 1",
            "select a$concurrently from t", "select 'unterminated concurrently",
            "select E'a'\n'\\' concurrently'",
        ]
        for sql in found { #expect(PlaybookFile.mentionsConcurrently(sql), "\(sql)") }
        for sql in notFound { #expect(!PlaybookFile.mentionsConcurrently(sql), "\(sql)") }
    }

    @Test func checksumsIgnoreLineEndings() throws {
        let sql = "create table x (n int);\n"
        let (project, diagnostics) = try load(
            [
                "day-1.yml":
                    "version: 1\nplaybook: day-1\nsteps:\n  - id: a\n    migration: 1_x.sql\n"
            ], migrations: ["1_x.sql": sql])
        #expect(diagnostics.isEmpty)
        let step = try #require(project?.playbooks.first?.steps.first)
        #expect(step.checksum == SHA256.hex(sql))
        let (crlf, _) = try load(
            [
                "day-1.yml":
                    "version: 1\nplaybook: day-1\nsteps:\n  - id: a\n    migration: 1_x.sql\n"
            ],
            migrations: ["1_x.sql": sql.replacingOccurrences(of: "\n", with: "\r\n")])
        #expect(crlf?.playbooks.first?.steps.first?.checksum == step.checksum)
    }

    @Test func plannerSaysWhatWouldUnblockEachGate() throws {
        let (project, _) = try load(
            [
                "day-2.yml":
                    "version: 1\nplaybook: day-2\ngates:\n  soak: 1h\n  approvals: 1\nsteps:\n  - id: a\n    sql: select 1\n  - id: b\n    sql: select 2\n"
            ])
        let playbook = try #require(project?.playbooks.first)
        let staging = try #require(project?.environments.last)
        let now = Date()
        var ledger = Ledger.State()
        ledger.steps["day-2"] = [
            "a": .init(
                playbook: "day-2", step: "a", kind: "sql", checksum: SHA256.hex("select 1"),
                status: .succeeded, transactional: true, startedAt: now, finishedAt: now,
                error: nil, actor: "x")
        ]
        let plan = Planner.plan(
            playbook, on: staging, ledger: ledger,
            previous: .init(name: "dev", lastSuccess: now.addingTimeInterval(-1800)),
            suiteResults: [:], now: now)
        #expect(plan.gates.map(\.passed) == [false, false])
        #expect(plan.gates[0].unblock == "wait 30m more")
        #expect(plan.gates[1].unblock == "1 more: tollgate approve day-2 --env staging --as NAME")
        #expect(plan.steps.map(\.disposition) == [.alreadyApplied, .willRun])
        ledger.approvals["day-2"] = [
            .init(approver: "carol", playbookChecksum: playbook.contentChecksum)
        ]
        let later = Planner.plan(
            playbook, on: staging, ledger: ledger,
            previous: .init(name: "dev", lastSuccess: now.addingTimeInterval(-3600)),
            suiteResults: [:], now: now)
        #expect(!later.isBlocked)
    }

    /// An approval is for the playbook's content: one given before a step was edited does not
    /// count, and says so.
    @Test func anApprovalCountsOnlyForTheContentItWasGivenFor() throws {
        let (project, _) = try load(
            [
                "day-2.yml":
                    "version: 1\nplaybook: day-2\ngates:\n  approvals: 1\n  promotion: false\nsteps:\n  - id: a\n    sql: select 1\n"
            ])
        let (edited, _) = try load(
            [
                "day-2.yml":
                    "version: 1\nplaybook: day-2\ngates:\n  approvals: 1\n  promotion: false\nsteps:\n  - id: a\n    sql: select 2\n"
            ])
        let original = try #require(project?.playbooks.first)
        let changed = try #require(edited?.playbooks.first)
        #expect(original.contentChecksum != changed.contentChecksum)
        let staging = try #require(project?.environments.last)
        var ledger = Ledger.State()
        ledger.approvals["day-2"] = [
            .init(approver: "bob", playbookChecksum: original.contentChecksum)
        ]
        #expect(
            Planner.plan(
                original, on: staging, ledger: ledger, previous: nil, suiteResults: [:], now: Date()
            ).gates[0].passed)
        let gate = Planner.plan(
            changed, on: staging, ledger: ledger, previous: nil, suiteResults: [:], now: Date()
        ).gates[0]
        #expect(!gate.passed)
        #expect(
            gate.detail
                == "0 of 1 approvals; approved before the playbook's steps changed, so not counted: bob"
        )
    }

    /// `usleep` took 32-bit microseconds and cut every wait to 71.6 minutes.
    @Test func waitsOfAnyLengthKeepTheirLength() {
        #expect(PlaybookRunner.seconds(.seconds(7200)) == 7200)
        #expect(PlaybookRunner.seconds(.seconds(86_400 * 30)) == 2_592_000)
        #expect(PlaybookRunner.seconds(.milliseconds(1500)) == 1.5)
    }

    @Test func approverNamesAreTrimmedAndCaseFolded() {
        #expect(Ledger.normalizedApprover(" BOB ") == "bob")
        #expect(Ledger.normalizedApprover("Ada  Lovelace\t") == "ada lovelace")
        #expect(Ledger.normalizedApprover("") == nil)
        #expect(Ledger.normalizedApprover(" \t ") == nil)
    }

    /// An earlier environment on the sandbox is no evidence for a real one: the promotion
    /// gate blocks and names what to set.
    @Test func aPreviousEnvironmentWithAProblemBlocksPromotion() throws {
        let (project, _) = try load([
            "day-2.yml": "version: 1\nplaybook: day-2\nsteps:\n  - id: a\n    sql: select 1\n"
        ])
        let playbook = try #require(project?.playbooks.first)
        let staging = try #require(project?.environments.last)
        let plan = Planner.plan(
            playbook, on: staging, ledger: .init(),
            previous: .init(
                name: "dev", lastSuccess: Date(), problem: "dev points at the local sandbox",
                unblock: "set DEV_DATABASE_URL"),
            suiteResults: [:], now: Date())
        #expect(plan.blockingGates.map(\.detail) == ["dev points at the local sandbox"])
        #expect(plan.blockingGates.map(\.unblock) == ["set DEV_DATABASE_URL"])
    }

    @Test func upstreamSuitesAndTheWaitAfterAPlaybookGate() throws {
        let (project, diagnostics) = try load(
            [
                "day-3.yml": "version: 1\nplaybook: day-3\nsteps:\n  - id: a\n    sql: select 1\n",
                "day-4.yml":
                    "version: 1\nplaybook: day-4\ngates:\n  promotion: false\n  wait_after: { playbook: day-3, variable: jwt_expiry }\nsteps:\n  - id: a\n    sql: select 1\n",
            ])
        #expect(diagnostics.isEmpty)
        let playbook = try #require(project?.playbooks.first { $0.name == "day-4" })
        let base = try #require(project?.environments.last)
        let staging = Environment(
            name: base.name, order: base.order, connection: base.connection,
            variables: ["jwt_expiry": "30m"], location: base.location)
        let now = Date()
        var ledger = Ledger.State()
        ledger.lastSuccess["day-3"] = now.addingTimeInterval(-600)
        let plan = Planner.plan(
            playbook, on: staging, ledger: ledger, previous: nil, suiteResults: [:], now: now,
            upstreamResults: [
                (
                    "warden", "dev", false,
                    "org-id-index on public.leads: no index leading with org_id"
                )
            ])
        #expect(plan.gates.map(\.name) == ["wait after day-3", "suite warden on dev"])
        #expect(
            plan.gates[0].detail == "day-3 succeeded here 10m ago; the wait is 30m (jwt_expiry)")
        #expect(plan.gates[0].unblock == "wait 20m more")
        #expect(plan.gates[1].unblock == "tollgate check --suite warden --env dev")
        #expect(
            plan.gates[1].detail
                == "failed: org-id-index on public.leads: no index leading with org_id")
    }
}
