import Foundation
import PostgresClient
import Testing
import TollgateKit

@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CatalogSnapshotTests {
    static let schema = """
        create table public.organizations (id uuid primary key, name text not null);
        create table public.leads (
          id uuid primary key, user_id uuid not null, org_id uuid,
          status text default 'new' check (status in ('new', 'lost'))
        );
        alter table public.leads add constraint leads_org_id_fkey
          foreign key (org_id) references public.organizations (id) not valid;
        create index leads_org_id_idx on public.leads (org_id) where org_id is not null;
        create function public.auth_org_id() returns uuid language sql stable
          set search_path = '' as $$ select null::uuid $$;
        create function public.keep_org_id() returns trigger language plpgsql as $$
          begin if new.org_id is distinct from old.org_id then raise exception 'org_id is immutable'; end if; return new; end $$;
        create trigger leads_org_id_immutable before update on public.leads
          for each row execute function public.keep_org_id();
        alter table public.leads enable row level security;
        create policy leads_tenant on public.leads for select to public
          using (org_id = (select public.auth_org_id()));
        create view public.lead_view with (security_invoker = true) as select id from public.leads;
        """

    @Test func readsEveryKindWithAFixedNumberOfQueries() throws {
        try withTestDatabase { db, _ in
            try db.execute(script: Self.schema)
            let (statements, trips) = (db.statementCount, db.roundTripCount)
            let snapshot = try CatalogSnapshot.load(from: db)
            // begin, search_path, the catalog queries, rollback: in one round trip.
            #expect(db.statementCount - statements == CatalogSnapshot.queryCount + 3)
            #expect(db.roundTripCount - trips == 1)

            let leads = try #require(snapshot.relation(QualifiedName("public", "leads")))
            #expect(leads.isTable && leads.rowSecurity && !leads.forceRowSecurity)
            #expect(leads.columns.map(\.name) == ["id", "user_id", "org_id", "status"])
            let orgID = try #require(leads.column("org_id"))
            #expect(orgID.type == "uuid" && !orgID.notNull && orgID.defaultExpression == nil)
            #expect(leads.column("status")?.defaultExpression == "'new'::text")
            #expect(
                snapshot.relation(QualifiedName("public", "lead_view"))?.securityInvoker == true)
            try db.execute(
                script:
                    "do $$ begin if to_regrole('authenticated') is null then create role authenticated nologin; end if; end $$"
            )
            try db.execute(script: "grant select, update on public.leads to authenticated")
            let granted = try CatalogSnapshot.load(from: db)
            #expect(
                granted.relation(leads.name)?.apiGrants == [
                    "authenticated:SELECT", "authenticated:UPDATE",
                ])
            #expect(granted.fingerprint != snapshot.fingerprint)

            let foreignKey = try #require(
                snapshot.constraints(on: leads.name).first { $0.kind == .foreignKey })
            #expect(foreignKey.name == "leads_org_id_fkey")
            #expect(!foreignKey.validated)
            #expect(foreignKey.columns == ["org_id"])
            #expect(foreignKey.referencedTable == QualifiedName("public", "organizations"))
            #expect(foreignKey.referencedColumns == ["id"])
            #expect(
                foreignKey.definition
                    == "FOREIGN KEY (org_id) REFERENCES public.organizations(id) NOT VALID")

            let index = try #require(
                snapshot.indexes(on: leads.name).first { $0.name == "leads_org_id_idx" })
            #expect(index.columns == ["org_id"] && index.valid && !index.unique)
            #expect(index.predicate == "(org_id IS NOT NULL)")

            let function = try #require(
                snapshot.functions(named: QualifiedName("public", "auth_org_id")).first)
            #expect(
                function.result == "uuid" && function.volatility == "s" && !function.securityDefiner
            )
            #expect(function.settings == ["search_path=\"\""])

            let trigger = try #require(snapshot.triggers(on: leads.name).first)
            #expect(trigger.function == QualifiedName("public", "keep_org_id"))
            #expect(
                trigger.timing == "BEFORE" && trigger.events == ["UPDATE"] && trigger.level == "ROW"
                    && trigger.enabled == .enabled)

            let policy = try #require(snapshot.policies(on: leads.name).first)
            #expect(
                policy.commandName == "SELECT" && policy.permissive && policy.roles == ["public"])
            #expect(policy.using == "(org_id = ( SELECT public.auth_org_id() AS auth_org_id))")
        }
    }

    @Test func sameSchemaSameFingerprintWhateverTheDataAndOrder() throws {
        try withTestDatabase { first, _ in
            try first.execute(script: Self.schema)
            try first.execute(
                script: "insert into public.organizations values (gen_random_uuid(), 'a')")
            try withTestDatabase { second, _ in
                // The same objects created in another order, with other OIDs and no data.
                try second.execute(
                    script: "create table public.filler (n int); drop table public.filler;")
                try second.execute(script: Self.schema)
                let a = try CatalogSnapshot.load(from: first)
                let b = try CatalogSnapshot.load(from: second)
                #expect(a.fingerprint == b.fingerprint)
                #expect(a == b)
                try second.execute(
                    script: "alter table public.leads validate constraint leads_org_id_fkey")
                #expect(try CatalogSnapshot.load(from: second).fingerprint != a.fingerprint)
                #expect(try CatalogSnapshot.load(from: first).fingerprint == a.fingerprint)
            }
        }
    }
}
