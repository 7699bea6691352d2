import Testing

@testable import TollgateKit

struct DriftAttributionTests {
    let table = SchemaObjects.Key(kind: "table", name: "public.leads")
    let column = SchemaObjects.Key(kind: "column", name: "public.leads.org_id")

    func effect(
        _ key: SchemaObjects.Key, _ description: String?, migration: String? = "20250110090100"
    ) -> Ledger.SchemaEffect {
        .init(
            playbook: "day-1-organizations", step: "org-id-columns", migration: migration,
            kind: key.kind, object: key.name, description: description)
    }

    @Test func withoutAnyHistoryNothingIsFlaggedAndTheReportSaysWhy() {
        let result = DriftAttribution.attribute(
            environment: "dev", objects: [table: "table"], migrations: nil, effects: [])
        #expect(result.drift.isEmpty)
        #expect(result.note?.contains("no migration history") == true)
    }

    @Test func aChangeAfterAStepIsExcusedOnlyByAMigrationTollgateDidNotRun() {
        let objects = [table: "table", column: "uuid NOT NULL"]
        let base = DriftAttribution.Migration(
            version: "20241201090000", sql: "create table public.leads (id uuid);")
        let step = effect(column, "uuid")
        let changed = DriftAttribution.attribute(
            environment: "dev", objects: objects, migrations: [base], effects: [step])
        #expect(changed.drift.map(\.change) == [.changed])
        #expect(
            changed.drift.first?.detail
                == "changed since day-1-organizations/org-id-columns left it (was: uuid)")

        // A later CLI migration that names the column accounts for the change…
        let later = DriftAttribution.Migration(
            version: "20250120090000", sql: "alter table leads alter column org_id set not null;")
        #expect(
            DriftAttribution.attribute(
                environment: "dev", objects: objects, migrations: [base, later], effects: [step]
            ).drift.isEmpty)
        // …but Tollgate's own migration text does not: its effects say how it left the column.
        let own = DriftAttribution.Migration(
            version: "20250110090100", sql: "alter table leads add column org_id uuid;")
        #expect(
            DriftAttribution.attribute(
                environment: "dev", objects: objects, migrations: [base, own], effects: [step]
            ).drift.count == 1)
    }

    @Test func objectsOfThePlatformAreNotTheAppsDriftButItsTriggersOnThemAre() {
        let objects = [
            SchemaObjects.Key(kind: "table", name: "auth.users"): "table",
            SchemaObjects.Key(kind: "function", name: "auth.uid()"): "returns uuid",
            SchemaObjects.Key(kind: "trigger", name: "auth.users.on_signup"):
                "AFTER INSERT ROW → public.handle_signup()",
        ]
        let result = DriftAttribution.attribute(
            environment: "dev", objects: objects,
            migrations: [.init(version: "1", sql: "select 1")], effects: [])
        #expect(result.drift.map(\.object) == ["auth.users.on_signup"])
    }

    @Test func dynamicSQLInAMigrationTollgateDidNotRunIsACaveat() {
        let dynamic = DriftAttribution.Migration(
            version: "20241215120000", sql: "do $$ begin execute 'create table x ()'; end $$;")
        let result = DriftAttribution.attribute(
            environment: "dev", objects: [table: "table"], migrations: [dynamic], effects: [])
        #expect(result.note?.hasPrefix("migration 20241215120000 runs dynamic SQL") == true)
        #expect(result.drift.map(\.object) == ["public.leads"])
        let ran = DriftAttribution.attribute(
            environment: "dev", objects: [:], migrations: [dynamic], effects: [],
            runByTollgate: ["20241215120000"])
        #expect(ran.note == nil)
        let bare = DriftAttribution.Migration(version: "20241201090000", sql: "")
        let both = DriftAttribution.attribute(
            environment: "dev", objects: [:], migrations: [bare, dynamic], effects: [])
        #expect(
            both.note
                == "migration 20241201090000 recorded no statements; migration 20241215120000 runs dynamic SQL (EXECUTE), which cannot be read: what they make may show as drift"
        )
    }
}
