import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The verify suite, probes included, against sandbox-shaped databases.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct VerifyGateTests {
    /// The Warden fixes as the report meant them, with auth.org_id() moved to public.
    static let wardenFixes = """
        create function public.auth_org_id() returns uuid language sql stable set search_path = '' as $$
          select nullif((select auth.jwt()) -> 'app_metadata' ->> 'org_id', '')::uuid
        $$;
        create function public.prevent_org_id_change() returns trigger language plpgsql set search_path = '' as $$
        begin
          if new.org_id is distinct from old.org_id then
            raise exception 'org_id is immutable on %', tg_table_name using errcode = '42501';
          end if;
          return new;
        end
        $$;
        do $$
        declare t text;
        begin
          foreach t in array array['leads', 'campaigns', 'knowledge_base', 'call_logs', 'cold_call_logs',
                                   'call_tracking', 'calls', 'agents', 'integrations'] loop
            execute format('create trigger %I before update of org_id on public.%I
                            for each row execute function public.prevent_org_id_change()', t || '_org_id_immutable', t);
            execute format('drop policy if exists %I on public.%I', t || '_owner', t);
            execute format('alter table public.%I enable row level security', t);
            execute format('create policy %I on public.%I for all to authenticated
                            using (org_id = (select public.auth_org_id()))
                            with check (org_id = (select public.auth_org_id()))', t || '_tenant', t);
          end loop;
        end
        $$;
        """

    func withFixedDatabase<T>(_ body: (Connection, Environment, Project) throws -> T) throws -> T {
        try WardenGateTests().withSandboxDatabase(migrated: true) { db, environment, project in
            try WardenGateTests().asApplication(db, Self.wardenFixes)
            return try body(db, environment, project)
        }
    }

    func verify(_ project: Project, _ environment: Environment) throws -> SuiteRun {
        let report = CheckRunner(project: project).run(
            [try project.suite(named: "verify")], on: environment)
        #expect(report.error == nil, "\(report.error ?? "")")
        return try #require(report.suites.first)
    }

    @Test func theWardenFixesPassVerifyAndWarden() throws {
        try withFixedDatabase { db, environment, project in
            let run = try verify(project, environment)
            #expect(run.passed, "\(run.failures)")
            #expect(
                run.results.filter { $0.check == "tenant-isolation" }.count
                    == (try project.subjects(of: "tenant-isolation", in: "verify")))
            let warden = CheckRunner(project: project).run(
                [try project.suite(named: "warden")], on: environment)
            #expect(warden.passed)
        }
    }

    @Test func probesChangeNothing() throws {
        try withFixedDatabase { db, environment, project in
            let counts = """
                select (select count(*) from public.organizations) as orgs, (select count(*) from auth.users) as users,
                       (select count(*) from public.leads) as leads, (select count(*) from public.call_tracking) as tracking
                """
            let before = try db.query(Query(unsafeSQL: counts)).first!.values
            let fingerprint = try CatalogSnapshot.load(from: db).fingerprint
            _ = try verify(project, environment)
            #expect(try db.query(Query(unsafeSQL: counts)).first!.values == before)
            #expect(try CatalogSnapshot.load(from: db).fingerprint == fingerprint)
        }
    }

    @Test func everyOrganisationInTheDefaultOneStillGetsIsolationTested() throws {
        try withFixedDatabase { db, environment, project in
            // Option C of the report: everything in the default organisation.
            try WardenGateTests().asApplication(
                db,
                """
                alter table public.leads disable trigger leads_org_id_immutable;
                update public.leads set org_id = 'a0000000-0000-0000-0000-000000000001';
                alter table public.leads enable trigger leads_org_id_immutable;
                """)
            let run = try verify(project, environment)
            let leads = try #require(
                run.results.first { $0.check == "tenant-isolation" && $0.subject == "public.leads" }
            )
            #expect(leads.passed)
        }
    }

    struct Mutation: CustomTestStringConvertible, Sendable {
        let check: String
        let subject: String?
        let sql: String
        var found: String? = nil
        var alsoFailing: [String] = []
        var testDescription: String { "\(check)\(subject.map { " on \($0)" } ?? "")" }
    }

    static let mutations: [Mutation] = [
        Mutation(
            check: "auth-org-id-function", subject: nil,
            sql: """
                create or replace function public.auth_org_id() returns uuid language sql stable set search_path = '' as $$
                  select nullif((select auth.jwt()) -> 'user_metadata' ->> 'org_id', '')::uuid $$
                """,
            alsoFailing: ["tenant-isolation", "no-claim-spoofing"]),
        Mutation(
            check: "immutability-trigger", subject: "public.calls",
            sql: "drop trigger calls_org_id_immutable on public.calls",
            alsoFailing: ["org-id-immutable"]),
        Mutation(
            check: "org-id-immutable", subject: "public.agents",
            sql: """
                create or replace function public.agents_touch() returns trigger language plpgsql as $$ begin return new; end $$;
                drop trigger agents_org_id_immutable on public.agents;
                create trigger agents_touch before update on public.agents for each row execute function public.agents_touch();
                """,
            found: "a row's org_id was changed from one organisation to another"),
        Mutation(
            check: "rls-enabled", subject: "public.knowledge_base",
            sql: "alter table public.knowledge_base disable row level security",
            found: "row level security disabled",
            alsoFailing: ["tenant-isolation", "no-claim-spoofing"]),
        Mutation(
            check: "org-policy", subject: "public.campaigns",
            sql: """
                drop policy campaigns_tenant on public.campaigns;
                create policy campaigns_tenant on public.campaigns for all to authenticated using (user_id = auth.uid());
                """,
            found: "policy campaigns_tenant for ALL using (user_id = auth.uid())",
            alsoFailing: ["no-claim-spoofing"]),
        Mutation(
            check: "tenant-isolation", subject: "public.integrations",
            sql:
                "create policy integrations_peek on public.integrations for select to authenticated using (true)",
            found:
                "a user of organisation A sees a row of organisation B; a user of organisation A sees",
            alsoFailing: ["no-claim-spoofing"]),
        Mutation(
            check: "tenant-isolation", subject: "public.call_tracking",
            sql: """
                drop policy call_tracking_tenant on public.call_tracking;
                create policy call_tracking_tenant on public.call_tracking for all to authenticated
                  using (org_id = (select public.auth_org_id())) with check (true);
                """,
            found: "a user of organisation A can insert a row into organisation B"),
        Mutation(
            check: "no-claim-spoofing", subject: "public.leads",
            sql: """
                create policy leads_team on public.leads for select to authenticated
                  using (org_id = nullif((select auth.jwt()) -> 'user_metadata' ->> 'org_id', '')::uuid)
                """,
            found: "user_metadata.org_id (which users can edit) grants access to organisation B"),
        Mutation(
            check: "no-definer-views", subject: nil,
            sql:
                "create view public.all_leads as select * from public.leads; grant select on public.all_leads to authenticated"
        ),
        Mutation(
            check: "no-definer-functions", subject: nil,
            sql: """
                create function public.lead_count() returns bigint language sql security definer as $$ select count(*) from public.leads $$;
                """),
    ]

    @Test(arguments: mutations)
    func everyRequirementBlocksWhenBroken(_ mutation: Mutation) throws {
        try withFixedDatabase { db, environment, project in
            try WardenGateTests().asApplication(db, mutation.sql)
            let run = try verify(project, environment)
            #expect(!run.passed)
            let failing = run.failures.filter { $0.outcome == .failed }
            #expect(
                failing.map(\.check).allSatisfy {
                    $0 == mutation.check || mutation.alsoFailing.contains($0)
                }, "\(failing)")
            #expect(run.failures.allSatisfy { $0.outcome != .error }, "\(run.failures)")
            let named = try #require(
                failing.first { $0.check == mutation.check && $0.subject == mutation.subject },
                "\(run.failures)")
            if let found = mutation.found {
                #expect(named.found?.hasPrefix(found) == true, "\(named.found ?? "")")
            }
        }
    }
}
