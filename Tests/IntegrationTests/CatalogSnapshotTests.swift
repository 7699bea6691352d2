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

    /// Constraints and indexes of every shape, with names that need quoting, for
    /// `writesTheDefinitionsTheServerPrints`.
    static let definitions = """
        create schema "My Schema";
        create table "My Schema"."Parents" (
          "Id" int, "select" int, code text collate "C",
          primary key ("Id", "select") include (code) with (fillfactor = 80),
          unique nulls not distinct (code));
        create table public.parents (id int primary key, ref text unique, other int unique,
          later int unique deferrable initially deferred, sooner int unique deferrable, "user" int);
        create unique index parents_user_key on public.parents ("user") where "user" > 0 and id < 1000;
        create domain public.positive as int check (value > 0);
        create table public."order" (
          id int generated always as identity primary key,
          parent_id int references public.parents (id) on delete cascade on update restrict,
          parent_ref text references public.parents (ref) match full on delete set null deferrable,
          other_id int references public.parents (other) on update cascade on delete set default,
          p1 int, p2 int, n varchar(20), d public.positive, j jsonb, c circle, t text, "Mixed Case" text,
          foreign key (p1, p2) references "My Schema"."Parents" ("Id", "select") on delete set null (p1),
          foreign key (p1, p2) references "My Schema"."Parents" ("Id", "select") on delete restrict,
          constraint amount_positive check (p1 > 0) no inherit,
          constraint c_no_overlap exclude using gist (c with &&),
          unique (p1, p2) with (fillfactor = 70));
        alter table public."order" add constraint order_parent_check
          foreign key (parent_id) references public.parents (id) not valid;
        alter table public."order" add constraint order_self foreign key (p2) references public."order" (id);
        create index on public."order" (t desc);
        create index on public."order" (t nulls first);
        create index on public."order" (t desc nulls last);
        create index on public."order" (t collate "C");
        create index on public."order" (t text_pattern_ops);
        create index on public."order" (n);
        create index on public."order" (d);
        create index on public."order" (lower(t));
        create index on public."order" ("Mixed Case", t);
        create index on public."order" (p1) include (p2);
        create index on public."order" (p1) with (fillfactor = 50);
        create index on public."order" using hash (t);
        create index on public."order" using gin (j);
        create index on public."order" using gin (j jsonb_path_ops);
        create index on public."order" using brin (p1);
        create index on public."order" using gist (c);
        create unique index on public."order" (t) nulls not distinct;
        create index "Ünïcode idx" on public."order" (t) where t <> '' or "Mixed Case" is null;
        create table public.events (id int, at date not null, primary key (id, at)) partition by range (at);
        create table public.events_2026 partition of public.events for values from ('2026-01-01') to ('2027-01-01');
        create index on public.events (at);
        create index on only public.events (id);
        create table public.docs (id int primary key, tsv tsvector, code text collate "C", ch char(3),
          nm name, arr int[], big bigint, "SELECT" int, dropme int);
        alter table public.docs drop column dropme;
        create index on public.docs using gist (tsv tsvector_ops (siglen = 100));
        create index on public.docs (code);
        create index on public.docs (code collate "C");
        create index on public.docs (ch);
        create index on public.docs (nm);
        create index on public.docs (arr);
        create index on public.docs using hash (big) where big > 0;
        create index on public.docs (big, "SELECT");
        create schema "select";
        create table "select"."Tab" ("Col" int primary key, "from" int unique);
        create table public.refs (
          a int references "select"."Tab" ("Col") match full on update set null on delete set default
            deferrable initially deferred,
          b int, c int,
          constraint refs_b_fk foreign key (b) references "select"."Tab" ("from") on delete set default (b));
        create unique index refs_c_idx on public.refs (c);
        alter table public.refs add constraint refs_c_key unique using index refs_c_idx;
        create table public.ev_ref (id int, at date, foreign key (id, at) references public.events (id, at));
        create table public.nd (x int, y int, unique (x, y) deferrable initially immediate);
        create index "table" on public.nd (y);
        create materialized view public.mv as select id from public.docs;
        create unique index on public.mv (id);
        -- A domain's own default operator class, named on an index: pg_get_indexdef names it.
        create domain public.dint as int;
        create operator family public.dfam using btree;
        create operator class public.dint_ops default for type public.dint using btree family public.dfam as
          operator 1 < (int4, int4), operator 2 <= (int4, int4), operator 3 = (int4, int4),
          operator 4 >= (int4, int4), operator 5 > (int4, int4),
          function 1 (public.dint, public.dint) btint4cmp(int4, int4);
        create table public.dt (v public.dint);
        create index on public.dt (v public.dint_ops);
        """

    /// The definitions a snapshot writes itself read as `pg_get_constraintdef` and
    /// `pg_get_indexdef` print them, for every constraint and index of `definitions`.
    @Test func writesTheDefinitionsTheServerPrints() throws {
        try withTestDatabase { db, _ in
            try db.execute(script: Self.definitions)
            let snapshot = try CatalogSnapshot.load(from: db)
            // As the snapshot reads them: with pg_catalog alone on the search path.
            let printed = try db.withTransaction { db in
                _ = try db.query("select set_config('search_path', 'pg_catalog', true)")
                let constraints = try db.query(
                    """
                    select 'constraint ' || n.nspname::text || '.' || c.relname::text || '.' || k.conname::text as key,
                           pg_get_constraintdef(k.oid) as definition
                    from pg_constraint k join pg_class c on c.oid = k.conrelid
                    join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname in ('public', 'My Schema', 'select')
                    """
                ).rows
                let indexes = try db.query(
                    """
                    select 'index ' || n.nspname::text || '.' || t.relname::text || '.' || i.relname::text as key,
                           pg_get_indexdef(i.oid) as definition
                    from pg_index x join pg_class i on i.oid = x.indexrelid
                    join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace
                    where n.nspname in ('public', 'My Schema', 'select')
                    """
                ).rows
                return try (constraints + indexes).map {
                    (
                        try $0.decode("key", as: String.self),
                        try $0.decode("definition", as: String.self)
                    )
                }
            }
            let written =
                snapshot.constraints.map { ("constraint \($0.table).\($0.name)", $0.definition) }
                + snapshot.indexes.map { ("index \($0.table).\($0.name)", $0.definition) }
            #expect(printed.count >= 75)
            #expect(
                Dictionary(written, uniquingKeysWith: { a, _ in a })
                    == Dictionary(printed, uniquingKeysWith: { a, _ in a }))
            for (key, definition) in printed {
                let mine = written.first { $0.0 == key }?.1
                #expect(mine == definition, "\(key)")
            }
        }
    }

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
