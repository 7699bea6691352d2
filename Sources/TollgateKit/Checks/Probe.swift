import Foundation
import PostgresClient

/// Behavioural probes: impersonate tenants the way Supabase's API does (`role authenticated`,
/// `request.jwt.claims`) and check what the database lets them see and do.
///
/// Every probe builds its own fixture inside a transaction that is always rolled back: two
/// synthetic organisations, users of each (two teammates in the first), and rows cloned from
/// a real row of the table. Isolation is therefore tested whatever the data looks like, even
/// when every row belongs to the default organisation, and nothing is left behind.
public enum ProbeKind: String, Sendable, CaseIterable {
    /// Users see their organisation's rows (a teammate's too) and nothing else, and cannot
    /// insert or move a row into another organisation.
    case tenantIsolation = "tenant_isolation"
    /// Changing a row's `org_id` is rejected, even for a role that bypasses RLS.
    case immutability
    /// A user whose `user_metadata` (which users can edit) names another organisation still
    /// sees only the organisation in `app_metadata`.
    case claimSpoofing = "claim_spoofing"
}

struct Probe {
    struct Outcome {
        var passed: Bool
        var found: String?
    }

    struct Failure: Error { let message: String }

    let table: QualifiedName
    let snapshot: CatalogSnapshot
    let organizations = QualifiedName("public", "organizations")

    func run(_ kind: ProbeKind, on db: Connection) throws -> Outcome {
        try db.withRolledBackTransaction { db in
            let fixture = try makeFixture(db)
            switch kind {
            case .tenantIsolation: return try tenantIsolation(db, fixture)
            case .immutability: return try immutability(db, fixture)
            case .claimSpoofing: return try claimSpoofing(db, fixture)
            }
        }
    }

    struct Fixture {
        let orgA = UUID(), orgB = UUID()
        let teammate1 = UUID(), teammate2 = UUID(), userB = UUID(), spoofer = UUID()
        var rowA1 = UUID(), rowA2 = UUID(), rowB = UUID()
        var template: [String: JSONValue] = [:]
    }

    func makeFixture(_ db: Connection) throws -> Fixture {
        var fixture = Fixture()
        try db.query(
            """
            insert into \(identifier: organizations.schema, organizations.name) (id, name)
            values (\(fixture.orgA), 'tollgate probe A'), (\(fixture.orgB), 'tollgate probe B')
            """)
        // One statement for the four users and one for the three rows: a probe runs over the
        // network as often as a gate does, and each statement is a round trip.
        var users: [JSONValue] = []
        for (user, org, spoofed) in [
            (fixture.teammate1, fixture.orgA, nil), (fixture.teammate2, fixture.orgA, nil),
            (fixture.userB, fixture.orgB, nil), (fixture.spoofer, fixture.orgA, fixture.orgB),
        ] as [(UUID, UUID, UUID?)] {
            users.append(.object([
                "id": .string(user.postgresText), "email": .string("probe-\(user.postgresText)@tollgate.invalid"),
                "app": .object(["provider": .string("email"), "org_id": .string(org.postgresText)]),
                "user": .object(spoofed.map { ["org_id": .string($0.postgresText)] } ?? [:]),
            ]))
        }
        try db.query(
            """
            insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
            select u.id, 'authenticated', 'authenticated', u.email, u.app, u."user", now(), now()
            from jsonb_to_recordset(\(JSONValue.array(users))::jsonb) as u(id uuid, email text, app jsonb, "user" jsonb)
            """)
        guard let model = try db.query("select to_jsonb(t) as row from \(identifier: table.schema, table.name) t limit 1").first,
            case .object(let template) = try model.decode("row", as: JSONValue.self)
        else {
            throw Failure(message: "\(table) has no rows to model probe rows on")
        }
        fixture.template = template
        let rows = try [(fixture.orgA, fixture.teammate1), (fixture.orgA, fixture.teammate2), (fixture.orgB, fixture.userB)]
            .map { try row(fixture, org: $0.0, user: $0.1) }
        (fixture.rowA1, fixture.rowA2, fixture.rowB) = (rows[0].0, rows[1].0, rows[2].0)
        try insert(db, rows.map(\.1))
        return fixture
    }

    /// A copy of the template row with a new primary key, the given organisation and owner,
    /// and unique text values made unique again.
    func row(_ fixture: Fixture, org: UUID, user: UUID) throws -> (UUID, JSONValue) {
        var values = fixture.template
        let id = UUID()
        guard let primaryKey = snapshot.constraints(on: table).first(where: { $0.kind == "p" }), primaryKey.columns.count == 1,
            snapshot.relation(table)?.column(primaryKey.columns[0])?.type == "uuid"
        else {
            throw Failure(message: "\(table) needs a single uuid primary key for probe rows")
        }
        values[primaryKey.columns[0]] = .string(id.postgresText)
        values["org_id"] = .string(org.postgresText)
        if values["user_id"] != nil { values["user_id"] = .string(user.postgresText) }
        for index in snapshot.indexes(on: table) where index.unique && !index.primary {
            for column in index.columns {
                if case .string(let text) = values[column] { values[column] = .string(text + "-probe-" + id.postgresText.prefix(8)) }
            }
        }
        return (id, .object(values))
    }

    /// Inserts rows given as JSON objects, in one statement.
    func insert(_ db: Connection, _ rows: [JSONValue]) throws {
        try db.query(
            """
            insert into \(identifier: table.schema, table.name)
            select * from jsonb_populate_recordset(null::\(identifier: table.schema, table.name), \(JSONValue.array(rows))::jsonb)
            """)
    }

    /// Acts as `user` the way PostgREST does: role `authenticated` and the JWT's claims.
    func impersonate(_ db: Connection, user: UUID, org: UUID, userMetadataOrg: UUID? = nil) throws {
        let claims = JSONValue.object([
            "sub": .string(user.postgresText), "role": .string("authenticated"), "aud": .string("authenticated"),
            "app_metadata": .object(["provider": .string("email"), "org_id": .string(org.postgresText)]),
            "user_metadata": .object(userMetadataOrg.map { ["org_id": .string($0.postgresText)] } ?? [:]),
        ])
        try db.query("set local role authenticated")
        try db.setSetting("request.jwt.claims", claims.postgresText, local: true)
    }

    func visible(_ db: Connection, among ids: [UUID]) throws -> Set<UUID> {
        let rows = try db.query(
            "select id from \(identifier: table.schema, table.name) where id = any(\(ids.map(\.postgresText))::uuid[])")
        return Set(try rows.rows.map { try $0.decode("id", as: UUID.self) })
    }

    /// Runs `body` in a savepoint; true when it went through, false when the database refused.
    func succeeds(_ db: Connection, _ body: (Connection) throws -> Int?) -> Bool {
        do {
            let affected = try db.withTransaction(body)
            return (affected ?? 1) > 0
        } catch {
            return false
        }
    }

    func tenantIsolation(_ db: Connection, _ fixture: Fixture) throws -> Outcome {
        try impersonate(db, user: fixture.teammate1, org: fixture.orgA)
        var problems: [String] = []
        let seen = try visible(db, among: [fixture.rowA1, fixture.rowA2, fixture.rowB])
        if !seen.contains(fixture.rowA1) { problems.append("a user does not see its own row") }
        if !seen.contains(fixture.rowA2) { problems.append("a user does not see a teammate's row") }
        if seen.contains(fixture.rowB) { problems.append("a user of organisation A sees a row of organisation B") }
        let foreign: Int = try db.query(
            "select count(*) as n from \(identifier: table.schema, table.name) where org_id is distinct from \(fixture.orgA)"
        ).first!.decode("n")
        if foreign > 0 { problems.append("a user of organisation A sees \(foreign) rows of other organisations") }
        let (_, intruder) = try row(fixture, org: fixture.orgB, user: fixture.teammate1)
        if succeeds(db, { db in try insert(db, [intruder]); return nil }) {
            problems.append("a user of organisation A can insert a row into organisation B")
        }
        if succeeds(db, { db in
            try db.query("update \(identifier: table.schema, table.name) set org_id = \(fixture.orgB) where id = \(fixture.rowA1)").affectedRows
        }) {
            problems.append("a user of organisation A can move its row into organisation B")
        }
        try db.query("reset role")
        return Outcome(passed: problems.isEmpty, found: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    func immutability(_ db: Connection, _ fixture: Fixture) throws -> Outcome {
        // As the connection's own role, which owns the table and so bypasses RLS: only a
        // trigger can refuse this.
        let changed = succeeds(db) { db in
            try db.query("update \(identifier: table.schema, table.name) set org_id = \(fixture.orgB) where id = \(fixture.rowA1)").affectedRows
        }
        return Outcome(passed: !changed, found: changed ? "a row's org_id was changed from one organisation to another" : nil)
    }

    func claimSpoofing(_ db: Connection, _ fixture: Fixture) throws -> Outcome {
        try impersonate(db, user: fixture.spoofer, org: fixture.orgA, userMetadataOrg: fixture.orgB)
        let seen = try visible(db, among: [fixture.rowA1, fixture.rowA2, fixture.rowB])
        try db.query("reset role")
        if seen.contains(fixture.rowB) {
            return Outcome(passed: false, found: "user_metadata.org_id (which users can edit) grants access to organisation B")
        }
        if seen.isEmpty {
            return Outcome(passed: false, found: "the user sees none of its organisation's rows (app_metadata.org_id is ignored)")
        }
        return Outcome(passed: true)
    }
}
