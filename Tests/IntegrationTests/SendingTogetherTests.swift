import Foundation
import PostgresClient
import Testing
import TollgateKit

/// Checks that need the database are sent together, a few round trips a suite; what they find
/// must be exactly what they find one statement at a time.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct SendingTogetherTests {
    /// The fixed database broken in the ways probes and data checks meet in other people's
    /// databases: a policy that leaks, a missing trigger, a constraint no new row can meet (the
    /// fixture fails), the owner under forced row level security, a user without an
    /// organization (a requirement fails, so a check is skipped).
    static let breakage = """
        drop policy campaigns_tenant on public.campaigns;
        create policy campaigns_tenant on public.campaigns for all to authenticated
          using (org_id = (select public.auth_org_id()) or true) with check (true);
        drop trigger agents_org_id_immutable on public.agents;
        alter table public.calls add constraint calls_refuses_new_rows check (false) not valid;
        alter table public.integrations force row level security;
        update auth.users set raw_app_meta_data = raw_app_meta_data - 'org_id'
          where id = (select min(id::text)::uuid from auth.users);
        """

    /// Every suite the project ships, sent both ways on one connection.
    func compareEverySuite(
        _ environment: Environment, _ project: Project
    ) throws -> [CheckOutcome: Int] {
        let db = try environment.connect()
        let snapshot = try CatalogSnapshot.load(from: db)
        var outcomes: [CheckOutcome: Int] = [:]
        for name in project.suites.keys.sorted() {
            let suite = try #require(project.suites[name])
            let start = db.roundTripCount
            let together = try CheckRunner(project: project).run(
                suite, on: db, environment: "dev", snapshot: snapshot)
            let middle = db.roundTripCount
            let alone = try CheckRunner(project: project, sending: .oneByOne).run(
                suite, on: db, environment: "dev", snapshot: snapshot)
            #expect(together == alone, "suite \(name)")
            // One round trip per wave: the checks that wait on nothing, then on those, and a
            // probe's model row before the probe.
            #expect(middle - start <= 3, "suite \(name): \(middle - start) round trips")
            if together.results.contains(where: { $0.outcome != .passed && $0.outcome != .error })
                || suite.checks.contains(where: { $0.forEach != nil })
            {
                #expect(db.roundTripCount - middle >= middle - start, "suite \(name)")
            }
            #expect(!db.isInTransaction)
            for result in together.results { outcomes[result.outcome, default: 0] += 1 }
        }
        return outcomes
    }

    @Test func theStartingStateFindsTheSameEitherWay() throws {
        try WardenGateTests().withSandboxDatabase(migrated: false) { _, environment, project in
            let outcomes = try compareEverySuite(environment, project)
            #expect(outcomes[.failed, default: 0] > 0 && outcomes[.skipped, default: 0] > 0)
        }
    }

    @Test func aBrokenFixedDatabaseFindsTheSameEitherWayAndKeepsNothing() throws {
        try VerifyGateTests().withFixedDatabase { db, environment, project in
            try db.execute(script: Self.breakage)
            let counts = """
                select (select count(*) from public.organizations) as orgs, (select count(*) from auth.users) as users,
                       (select count(*) from public.leads) as leads, (select count(*) from public.calls) as calls
                """
            let before = try db.query(Query(unsafeSQL: counts)).first!.values
            let fingerprint = try CatalogSnapshot.load(from: db).fingerprint
            let outcomes = try compareEverySuite(environment, project)
            for outcome in [CheckOutcome.passed, .failed, .error, .skipped] {
                #expect(outcomes[outcome, default: 0] > 0, "no check ended \(outcome)")
            }
            #expect(try db.query(Query(unsafeSQL: counts)).first!.values == before)
            #expect(try CatalogSnapshot.load(from: db).fingerprint == fingerprint)

            let report = CheckRunner(project: project).run(
                [try project.suite(named: "verify")], on: environment)
            #expect(report.error == nil, "\(report.error ?? "")")
            let verify = try #require(report.suites.first)
            func outcome(_ check: String, _ table: String) -> CheckResult? {
                verify.results.first { $0.check == check && $0.subject == "public." + table }
            }
            #expect(
                outcome("tenant-isolation", "campaigns")?.found?.hasPrefix(
                    "a user of organisation A sees a row of organisation B; a user of organisation A sees "
                ) == true)
            #expect(
                outcome("tenant-isolation", "campaigns")?.found?.hasSuffix(
                    "rows of other organisations; a user of organisation A can insert a row into organisation B"
                ) == true)
            #expect(outcome("org-id-immutable", "agents")?.outcome == .failed)
            #expect(
                outcome("tenant-isolation", "calls")?.found?.hasPrefix("cannot run: 23514") == true)
            #expect(
                outcome("org-id-immutable", "integrations")?.found
                    == "cannot run: public.integrations has no rows to model probe rows on")
            #expect(outcome("tenant-isolation", "leads")?.outcome == .passed)
        }
    }
}
