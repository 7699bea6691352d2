import Foundation
import Testing

@testable import TollgateKit

struct SQLDeclarationsTests {
    func key(_ kind: ObjectKind, _ name: String) -> SchemaObjects.Key {
        .init(kind: kind, name: name)
    }

    @Test func createTableNamesItsColumnsAndTheConstraintsPostgresNames() {
        let sql = SQLDeclarations(
            sql: """
                create table if not exists organizations (
                  id uuid primary key default gen_random_uuid(),
                  "Display Name" text,
                  status text default 'active' check (status in ('active', 'inactive')),
                  owner uuid references auth.users (id),
                  constraint organizations_name_unique unique ("Display Name"),
                  unique (status, owner)
                );
                """)
        for name in [
            "public.organizations.id", "public.organizations.Display Name",
            "public.organizations.status", "public.organizations.owner",
        ] {
            #expect(sql.accounts(for: key("column", name)), "\(name)")
        }
        #expect(sql.accounts(for: key("table", "public.organizations")))
        #expect(sql.accounts(for: key("constraint", "public.organizations.organizations_pkey")))
        #expect(sql.accounts(for: key("index", "public.organizations.organizations_pkey")))
        #expect(
            sql.accounts(for: key("constraint", "public.organizations.organizations_status_check")))
        #expect(
            sql.accounts(for: key("constraint", "public.organizations.organizations_owner_fkey")))
        #expect(
            sql.accounts(for: key("constraint", "public.organizations.organizations_name_unique")))
        #expect(
            sql.accounts(
                for: key("constraint", "public.organizations.organizations_status_owner_key")))
        // Not named: a column added later, a constraint on another column, another table.
        #expect(!sql.accounts(for: key("column", "public.organizations.org_id")))
        #expect(
            !sql.accounts(for: key("constraint", "public.organizations.organizations_org_id_fkey")))
        #expect(!sql.accounts(for: key("table", "public.organizations_backup")))
        #expect(!sql.dynamic)
    }

    @Test func alterTableNamesWhatEachActionTouches() {
        let sql = SQLDeclarations(
            sql: """
                alter table only public.leads
                  add column if not exists org_id uuid references public.organizations (id),
                  add constraint leads_org_fk foreign key (org_id) references organizations (id) not valid,
                  alter column status drop default,
                  drop column if exists legacy;
                alter table public.leads validate constraint leads_other_check;
                alter table public.calls enable row level security;
                alter table public.calls disable trigger calls_audit;
                alter table agents rename column voice to voice_id;
                """)
        let expected = [
            key("column", "public.leads.org_id"), key("constraint", "public.leads.leads_org_fk"),
            key("column", "public.leads.status"),
            key("column", "public.leads.legacy"),
            key("constraint", "public.leads.leads_other_check"), key("table", "public.calls"),
            key("trigger", "public.calls.calls_audit"), key("column", "public.agents.voice"),
            key("column", "public.agents.voice_id"),
            key("constraint", "public.leads.leads_org_id_fkey"),
        ]
        for item in expected { #expect(sql.accounts(for: item), "\(item)") }
        #expect(!sql.accounts(for: key("table", "public.leads")))
        #expect(!sql.accounts(for: key("column", "public.leads.name")))
    }

    @Test func indexesFunctionsTriggersPoliciesViewsAndGrants() {
        let sql = SQLDeclarations(
            sql: """
                create unique index concurrently if not exists leads_org_idx on public.leads using btree (org_id);
                create index on public.calls (org_id);
                drop index if exists public.leads_old_idx;
                create or replace function public.auth_org_id() returns uuid language sql stable as $fn$
                  select (auth.jwt() -> 'app_metadata' ->> 'org_id')::uuid; -- create table nope (x int);
                $fn$;
                create trigger leads_org_id_immutable before update of org_id on public.leads
                  for each row execute function public.prevent_org_id_change();
                drop policy if exists leads_owner on public.leads;
                create policy "leads tenant" on public.leads for all to authenticated using (true);
                create or replace view public.lead_summary with (security_invoker = true) as select id from public.leads;
                grant select on table public.organizations, public.members to authenticated;
                grant execute on function public.auth_org_id() to authenticated;
                grant select, insert on all tables in schema public to anon;
                comment on table public.calls is 'create table ignored (x int); alter table ignored add column y int';
                """)
        let expected = [
            key("index", "public.leads.leads_org_idx"),
            key("index", "public.calls.calls_org_id_idx"),
            key("index", "public.leads.leads_old_idx"),
            key("function", "public.auth_org_id()"),
            key("trigger", "public.leads.leads_org_id_immutable"),
            key("policy", "public.leads.leads_owner"), key("policy", "public.leads.leads tenant"),
            key("view", "public.lead_summary"),
            key("column", "public.lead_summary.id"), key("table", "public.organizations"),
            key("table", "public.members"),
        ]
        for item in expected { #expect(sql.accounts(for: item), "\(item)") }
        // Not named: text inside a function body, a comment or a string; tables reached only by
        // ON ALL TABLES IN SCHEMA.
        #expect(!sql.accounts(for: key("table", "public.nope")))
        #expect(!sql.accounts(for: key("table", "public.ignored")))
        #expect(!sql.accounts(for: key("column", "public.ignored.y")))
        #expect(!sql.accounts(for: key("table", "public.calls")))
        #expect(!sql.accounts(for: key("table", "public.leads")))
    }

    /// What `supabase db diff` and pg_dump write: quoted names, ONLY, OWNER TO, separate
    /// constraints, triggers on auth.users.
    @Test func theSupabaseCLIsDiffStyle() {
        let sql = SQLDeclarations(
            sql: #"""
                SET statement_timeout = 0;
                CREATE TABLE IF NOT EXISTS "public"."profiles" (
                    "id" "uuid" NOT NULL,
                    "Full Name" "text"
                );
                ALTER TABLE "public"."profiles" OWNER TO "postgres";
                ALTER TABLE ONLY "public"."profiles" ADD CONSTRAINT "profiles_pkey" PRIMARY KEY ("id");
                CREATE OR REPLACE FUNCTION "public"."handle_new_user"() RETURNS "trigger"
                    LANGUAGE "plpgsql" SECURITY DEFINER AS $$ begin insert into public.profiles (id) values (new.id); return new; end $$;
                CREATE OR REPLACE TRIGGER "on_auth_user_created" AFTER INSERT ON "auth"."users"
                    FOR EACH ROW EXECUTE FUNCTION "public"."handle_new_user"();
                CREATE POLICY "Public profiles are viewable" ON "public"."profiles" AS PERMISSIVE FOR SELECT TO "authenticated" USING (true);
                GRANT ALL ON TABLE "public"."profiles" TO "anon";
                RESET ALL;
                """#)
        let expected = [
            key("table", "public.profiles"), key("column", "public.profiles.id"),
            key("column", "public.profiles.Full Name"),
            key("constraint", "public.profiles.profiles_pkey"),
            key("index", "public.profiles.profiles_pkey"),
            key("function", "public.handle_new_user()"),
            key("trigger", "auth.users.on_auth_user_created"),
            key("policy", "public.profiles.Public profiles are viewable"),
        ]
        for item in expected { #expect(sql.accounts(for: item), "\(item)") }
        #expect(!sql.accounts(for: key("column", "public.profiles.full name")))
    }

    @Test func createTableAsNamesEveryColumn() {
        let sql = SQLDeclarations(
            sql: "create table public.leads_backup_20250110 as select * from public.leads;")
        #expect(sql.accounts(for: key("table", "public.leads_backup_20250110")))
        #expect(sql.accounts(for: key("column", "public.leads_backup_20250110.anything")))
        #expect(!sql.accounts(for: key("column", "public.leads.anything")))
    }

    @Test func doBlocksAreReadForTheirStaticStatementsAndFlaggedForDynamicOnes() {
        let sql = SQLDeclarations(
            sql: """
                do $$
                begin
                  if not exists (select from pg_constraint where conname = 'organizations_status_check') then
                    alter table public.organizations
                      add constraint organizations_status_check check (status in ('active'));
                  end if;
                end
                $$;
                """)
        #expect(
            sql.accounts(for: key("constraint", "public.organizations.organizations_status_check")))
        #expect(!sql.dynamic)
        let dynamic = SQLDeclarations(
            sql: "do $$ begin execute format('create table %I (x int)', 't'); end $$")
        #expect(dynamic.dynamic)
        #expect(!dynamic.accounts(for: key("table", "public.t")))
    }

    @Test func tokensSurviveQuotesCommentsAndDollarQuoting() {
        let tokens = SQLTokenizer.tokens(
            #"""
            select 'it''s; -- not a comment', E'\'; still a string', "Mixed ""Case""" /* a /* nested */ comment */ $tag$ $$ body $tag$ ; -- end
            """#)
        #expect(
            tokens.map(\.kind) == [
                .word, .literal, .symbol, .literal, .symbol, .quoted, .body, .symbol,
            ])
        #expect(tokens[5].text == "Mixed \"Case\"")
        #expect(tokens[6].text == " $$ body ")
    }

    /// The same migration recorded whole (Tollgate) or statement by statement (the Supabase
    /// CLI), with other comments and layout, has one checksum; another value does not.
    @Test func checksumsIgnoreLayoutButNotContent() {
        let file = """
            -- the organizations table
            CREATE TABLE public.organizations (id uuid primary key, status text default 'active');
            insert into public.organizations (id) values ('a0000000-0000-0000-0000-000000000001');
            """
        let recorded =
            "create table public.organizations (\n  id uuid primary key,\n  status text default 'active'\n)\n;\n"
            + "insert into public.organizations (id) values ('a0000000-0000-0000-0000-000000000001')"
        #expect(SQLTokenizer.checksum(file) == SQLTokenizer.checksum(recorded))
        #expect(
            SQLTokenizer.checksum(file)
                != SQLTokenizer.checksum(
                    file.replacingOccurrences(of: "'active'", with: "'inactive'")))
        #expect(
            SQLTokenizer.checksum(file)
                != SQLTokenizer.checksum(
                    file.replacingOccurrences(of: "primary key", with: "unique")))
    }

    /// Every migration Tollgate ships names the objects its playbook step is for.
    @Test func theShippedMigrationsNameTheirObjects() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Playbooks/migrations")
        func read(_ name: String) throws -> SQLDeclarations {
            SQLDeclarations(
                sql: try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
        }
        let organizations = try read("20250110090000_create_organizations_table.sql")
        #expect(organizations.accounts(for: key("table", "public.organizations")))
        #expect(organizations.accounts(for: key("column", "public.organizations.name")))
        #expect(
            organizations.accounts(
                for: key("constraint", "public.organizations.organizations_status_check")))
        let columns = try read("20250110090100_add_org_id_to_tenant_tables.sql")
        #expect(columns.accounts(for: key("column", "public.leads.org_id")))
        #expect(columns.accounts(for: key("column", "public.call_logs.org_id")))
        let function = try read("20250112090000_create_public_auth_org_id.sql")
        #expect(function.accounts(for: key("function", "public.auth_org_id()")))
    }
}
