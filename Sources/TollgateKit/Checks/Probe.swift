import Foundation
import PostgresClient

/// Behavioural probes: impersonate tenants the way Supabase's API does (`role authenticated`,
/// `request.jwt.claims`) and check what the database lets them see and do.
///
/// Every probe builds its own fixture inside a transaction that is always rolled back: two
/// synthetic organisations, users of each (two teammates in the first), and rows cloned from
/// a real row of the table. Isolation is therefore tested whatever the data looks like, even
/// when every row belongs to the default organisation, and nothing is left behind.
struct Probe {
    /// How a probe ended: it passed or failed on the behaviour it tests.
    ///
    /// Anything else (a table it cannot model rows on, an error that is not a refusal) is thrown as
    /// ``Failure`` and reported as the check's `error` outcome, which never passes.
    struct Outcome {
        var passed: Bool
        var found: String?
    }

    struct Failure: Error { let message: String }

    /// The SQLSTATEs by which a trigger refuses a change: `raise exception` (P0001, or P0004
    /// for `assert`), and the codes a trigger may choose for it (23000, 23001 restrict, 23514
    /// check, and 42501 when raised inside a function).
    static let triggerRefusals: Set<String> = [
        "P0001", "P0004", "23000", "23001", "23514", "42501",
    ]

    /// Whether `error` is the database refusing what a probe tried.
    ///
    /// A tenant's write may be refused by row level security or a missing privilege (42501) or by a
    /// trigger; the owner's change of `org_id` only by a trigger, so there 42501 counts only when a
    /// function raised it (the error has a context), not for a privilege the owner lacks or a
    /// forced policy. Any other error, such as 42703 for a column the probe wrongly assumed, says
    /// nothing about isolation: it is an error, never a pass.
    static func isRefusal(_ error: PostgresError, byTriggerOnly: Bool) -> Bool {
        guard error.kind == .server, let state = error.sqlState, triggerRefusals.contains(state)
        else { return false }
        return state != "42501" || !byTriggerOnly || error.context != nil
    }

    let table: QualifiedName
    let snapshot: CatalogSnapshot
    let organizations = QualifiedName("public", "organizations")

    /// Starts the probe: first the row its rows are modelled on, then, in one transaction that
    /// is always rolled back, the fixture and what the probe tries.
    ///
    /// Each stage is one group of statements, so the runner can send every probe's stage
    /// together: a probe costs its statements, not a round trip each.
    func start(_ kind: ProbeKind, quotingWith db: Connection) throws -> Staged<Outcome> {
        var fixture = try prepare(quotingWith: db)
        let model = Query(
            unsafeSQL: "select to_jsonb(t) as row from \(fixture.tableSQL) t limit 1")
        return .needs(RolledBackStatements([model], readOnly: true)) { results in
            guard let model = try results[0].get().first,
                case .object(let template) = try model.decode("row", as: JSONValue.self)
            else {
                throw Failure(message: "\(table) has no rows to model probe rows on")
            }
            fixture.template = template
            var script = Script()
            addFixture(&script, &fixture)
            let decide: ([Result<QueryResult, PostgresError>]) throws -> Outcome
            switch kind {
            case .tenantIsolation: decide = tenantIsolation(&script, fixture)
            case .immutability: decide = immutability(&script, fixture)
            case .claimSpoofing: decide = claimSpoofing(&script, fixture)
            }
            return .needs(RolledBackStatements(script.statements, readOnly: false)) { results in
                try script.requireSuccess(results)
                return .done(try decide(results))
            }
        }
    }

    /// A probe's statements: the ones that must succeed, and the attempts the database may
    /// refuse, each in a savepoint rolled back after it.
    struct Script {
        private(set) var statements: [Query] = []
        private var attempts: Set<Int> = []

        /// Adds a statement that must succeed; returns where its result will be.
        @discardableResult mutating func add(_ statement: Query) -> Int {
            statements.append(statement)
            return statements.count - 1
        }

        /// Adds something the database may refuse, in a savepoint rolled back after it.
        mutating func attempt(_ statement: Query) -> Int {
            add("savepoint tollgate_attempt")
            let index = add(statement)
            attempts.insert(index)
            add("rollback to savepoint tollgate_attempt")
            return index
        }

        /// Throws the first error of a statement that had to succeed: the fixture's, usually,
        /// after which every statement finds the transaction aborted.
        func requireSuccess(_ results: [Result<QueryResult, PostgresError>]) throws {
            for (index, result) in results.enumerated() where !attempts.contains(index) {
                if case .failure(let error) = result { throw error }
            }
        }
    }

    /// The table's primary key, whatever its name and however many columns it has: probe rows
    /// are told apart by it.
    struct Key {
        /// The key's columns with their types.
        var columns: [(name: String, type: String)]
    }

    struct Fixture {
        let orgA = UUID(), orgB = UUID()
        let teammate1 = UUID(), teammate2 = UUID(), userB = UUID(), spoofer = UUID()
        /// The probe rows' keys, as JSON objects of their key columns' text.
        var rowA1 = JSONValue.null, rowA2 = JSONValue.null, rowB = JSONValue.null
        var template: [String: JSONValue] = [:]
        var key = Key(columns: [])
        /// The SQL that finds rows by key, `("a", "b") in (select … from jsonb_populate_recordset(…))`.
        var keyMatch = ""
        var keyObject = ""
        var tableSQL = ""
        var insertColumns = ""
    }

    func primaryKey() throws -> Key {
        guard let relation = snapshot.relation(table), relation.isTable else {
            throw Failure(message: "no table \(table)")
        }
        guard
            let primaryKey = snapshot.constraints(on: table).first(where: { $0.kind == .primaryKey }
            )
        else {
            throw Failure(
                message:
                    "\(table) has no primary key, so a probe cannot tell its rows apart; add one (any column or columns)"
            )
        }
        let columns = try primaryKey.columns.map { name -> (name: String, type: String) in
            guard let column = relation.column(name) else {
                throw Failure(message: "\(table) has no column \(name)")
            }
            return (name, column.type)
        }
        return Key(columns: columns)
    }

    /// The fixture's names and SQL fragments, before any statement runs.
    func prepare(quotingWith db: Connection) throws -> Fixture {
        var fixture = Fixture()
        fixture.key = try primaryKey()
        let quotedTable =
            try db.quoteIdentifier(table.schema) + "." + db.quoteIdentifier(table.name)
        let keyList = try fixture.key.columns.map { try db.quoteIdentifier($0.name) }
        fixture.tableSQL = quotedTable
        fixture.keyMatch =
            "(\(keyList.joined(separator: ", "))) in (select \(keyList.map { "k." + $0 }.joined(separator: ", ")) "
            + "from jsonb_populate_recordset(null::\(quotedTable), $1::jsonb) as k)"
        fixture.keyObject =
            "jsonb_build_object("
            + (try fixture.key.columns.map {
                "\(quoteLiteral($0.name)), \(try db.quoteIdentifier($0.name))::text"
            }).joined(separator: ", ")
            + ")"
        // Stored generated columns take no value in an insert.
        let relation = snapshot.relation(table)!
        fixture.insertColumns = try relation.columns.filter { $0.generated == nil }.map {
            try db.quoteIdentifier($0.name)
        }
        .joined(separator: ", ")
        return fixture
    }

    /// The fixture: two organisations, four users (two teammates in the first, and one whose
    /// editable user_metadata names the second), and three rows modelled on the template.
    ///
    /// Three statements, whatever the table.
    func addFixture(_ script: inout Script, _ fixture: inout Fixture) {
        script.add(
            """
            insert into \(identifier: organizations.schema, organizations.name) (id, name)
            values (\(fixture.orgA), 'tollgate probe A'), (\(fixture.orgB), 'tollgate probe B')
            """)
        var users: [JSONValue] = []
        for (user, org, spoofed) in [
            (fixture.teammate1, fixture.orgA, nil), (fixture.teammate2, fixture.orgA, nil),
            (fixture.userB, fixture.orgB, nil), (fixture.spoofer, fixture.orgA, fixture.orgB),
        ] as [(UUID, UUID, UUID?)] {
            users.append(
                .object([
                    "id": .string(user.postgresText),
                    "email": .string("probe-\(user.postgresText)@tollgate.invalid"),
                    "app": .object([
                        "provider": .string("email"), "org_id": .string(org.postgresText),
                    ]),
                    "user": .object(spoofed.map { ["org_id": .string($0.postgresText)] } ?? [:]),
                ]))
        }
        script.add(
            """
            insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
            select u.id, 'authenticated', 'authenticated', u.email, u.app, u."user", now(), now()
            from jsonb_to_recordset(\(JSONValue.array(users))::jsonb) as u(id uuid, email text, app jsonb, "user" jsonb)
            """)
        let rows = [
            (fixture.orgA, fixture.teammate1), (fixture.orgA, fixture.teammate2),
            (fixture.orgB, fixture.userB),
        ]
        .map { row(fixture, org: $0.0, user: $0.1) }
        (fixture.rowA1, fixture.rowA2, fixture.rowB) = (rows[0].key, rows[1].key, rows[2].key)
        script.add(insert(fixture, rows.map(\.row)))
    }

    /// A copy of the template row with a new primary key, the given organisation and owner,
    /// and unique text values made unique again.
    func row(_ fixture: Fixture, org: UUID, user: UUID) -> (key: JSONValue, row: JSONValue) {
        var values = fixture.template
        let id = UUID()
        for column in fixture.key.columns {
            values[column.name] = Self.newKeyValue(type: column.type, id: id)
        }
        values["org_id"] = .string(org.postgresText)
        if values["user_id"] != nil { values["user_id"] = .string(user.postgresText) }
        for index in snapshot.indexes(on: table) where index.unique && !index.primary {
            for column in index.columns {
                if case .string(let text) = values[column] {
                    values[column] = .string(text + "-probe-" + id.postgresText.prefix(8))
                }
            }
        }
        // The key as the row will hold it, after org_id, user_id and unique values were set.
        var key: [String: JSONValue] = [:]
        for column in fixture.key.columns { key[column.name] = values[column.name] }
        return (.object(key), .object(values))
    }

    /// A key value no real row has: a new UUID, a number far above the usual sequences, or a marked
    /// text.
    ///
    /// Identity and serial columns are overridden, never advanced.
    static func newKeyValue(type: String, id: UUID) -> JSONValue {
        let seed = id.uuid
        let random = [seed.0, seed.1, seed.2, seed.3, seed.4, seed.5].reduce(Int64(0)) {
            ($0 << 8) | Int64($1)
        }
        switch type {
        case "uuid": return .string(id.postgresText)
        case "bigint":
            return .string(String(4_000_000_000_000_000_000 + random % 1_000_000_000_000_000))
        case "integer": return .string(String(2_000_000_000 + random % 100_000_000))
        case "smallint": return .string(String(30_000 + random % 2_000))
        default: return .string("tollgate-probe-\(id.postgresText)")
        }
    }

    /// Inserts rows given as JSON objects, in one statement.
    func insert(_ fixture: Fixture, _ rows: [JSONValue]) -> Query {
        Query(
            unsafeSQL: """
                insert into \(fixture.tableSQL) (\(fixture.insertColumns)) overriding system value
                select \(fixture.insertColumns) from jsonb_populate_recordset(null::\(fixture.tableSQL), $1::jsonb)
                """,
            binds: [JSONValue.array(rows).postgresText])
    }

    /// Acts as `user` the way PostgREST does: role `authenticated` and the JWT's claims.
    func impersonate(_ script: inout Script, user: UUID, org: UUID, userMetadataOrg: UUID? = nil) {
        let claims = JSONValue.object([
            "sub": .string(user.postgresText), "role": .string("authenticated"),
            "aud": .string("authenticated"),
            "app_metadata": .object([
                "provider": .string("email"), "org_id": .string(org.postgresText),
            ]),
            "user_metadata": .object(
                userMetadataOrg.map { ["org_id": .string($0.postgresText)] } ?? [:]),
        ])
        script.add("set local role authenticated")
        script.add("select set_config('request.jwt.claims', \(claims.postgresText), true)")
    }

    /// The statement that finds which of the probe rows `keys` the current role sees.
    func visible(_ fixture: Fixture, among keys: [JSONValue]) -> Query {
        Query(
            unsafeSQL:
                "select \(fixture.keyObject)::text as key from \(fixture.tableSQL) where \(fixture.keyMatch)",
            binds: [JSONValue.array(keys).postgresText])
    }

    /// Which of `keys` the rows of `result` (of ``visible(_:among:)``) are.
    func seen(
        _ result: Result<QueryResult, PostgresError>, among keys: [JSONValue]
    ) throws
        -> [JSONValue]
    {
        let seen = Set(
            try result.get().rows.map { try JSONValue(postgresText: $0.decode("key")).postgresText }
        )
        return keys.filter { seen.contains($0.postgresText) }
    }

    /// Moves the row with `key` into `org`.
    func moveRow(_ fixture: Fixture, _ key: JSONValue, to org: UUID) -> Query {
        Query(
            unsafeSQL: "update \(fixture.tableSQL) set org_id = $2::uuid where \(fixture.keyMatch)",
            binds: [JSONValue.array([key]).postgresText, org.postgresText])
    }

    /// How an attempt the database should refuse ended.
    enum Attempt: Equatable {
        /// It changed the rows it aimed at.
        case wentThrough
        /// The database refused it, with the SQLSTATE of a refusal (or it changed no row).
        case refused
    }

    /// Whether the database let an attempt through.
    ///
    /// An error that is not a refusal (``isRefusal(_:byTriggerOnly:)``) is thrown as a
    /// ``Failure`` naming its SQLSTATE.
    func attempt(_ what: String, _ result: Result<QueryResult, PostgresError>) throws -> Attempt {
        switch result {
        case .success(let rows):
            return (rows.affectedRows ?? 1) > 0 ? .wentThrough : .refused
        case .failure(let error):
            if Self.isRefusal(error, byTriggerOnly: false) { return .refused }
            throw Failure(
                message:
                    "\(what) ended in an error that is not a refusal: \(error.sqlState ?? "?") \(error.message)"
            )
        }
    }

    func tenantIsolation(
        _ script: inout Script, _ fixture: Fixture
    ) -> ([Result<QueryResult, PostgresError>]) throws -> Outcome {
        impersonate(&script, user: fixture.teammate1, org: fixture.orgA)
        let keys = [fixture.rowA1, fixture.rowA2, fixture.rowB]
        let visible = script.add(visible(fixture, among: keys))
        let foreign = script.add(
            "select count(*) as n from \(identifier: table.schema, table.name) where org_id is distinct from \(fixture.orgA)"
        )
        let intruder = row(fixture, org: fixture.orgB, user: fixture.teammate1).row
        let insertion = script.attempt(insert(fixture, [intruder]))
        let move = script.attempt(moveRow(fixture, fixture.rowA1, to: fixture.orgB))
        return { results in
            var problems: [String] = []
            let seen = try seen(results[visible], among: keys)
            if !seen.contains(fixture.rowA1) { problems.append("a user does not see its own row") }
            if !seen.contains(fixture.rowA2) {
                problems.append("a user does not see a teammate's row")
            }
            if seen.contains(fixture.rowB) {
                problems.append("a user of organisation A sees a row of organisation B")
            }
            let others: Int = try results[foreign].get().first!.decode("n")
            if others > 0 {
                problems.append(
                    "a user of organisation A sees \(others) rows of other organisations")
            }
            if try attempt("inserting a row into organisation B", results[insertion])
                == .wentThrough
            {
                problems.append("a user of organisation A can insert a row into organisation B")
            }
            if try attempt("moving a row into organisation B", results[move]) == .wentThrough {
                problems.append("a user of organisation A can move its row into organisation B")
            }
            return Outcome(
                passed: problems.isEmpty,
                found: problems.isEmpty ? nil : problems.joined(separator: "; "))
        }
    }

    func immutability(
        _ script: inout Script, _ fixture: Fixture
    ) -> ([Result<QueryResult, PostgresError>]) throws -> Outcome {
        // As the connection's own role, which owns the table and so bypasses RLS: only a
        // trigger can refuse this. Changing no row proves nothing (the row must be there).
        let move = script.attempt(moveRow(fixture, fixture.rowA1, to: fixture.orgB))
        return { results in
            switch results[move] {
            case .failure(let error):
                if Self.isRefusal(error, byTriggerOnly: true) { return Outcome(passed: true) }
                throw Failure(
                    message:
                        "changing org_id ended in an error that is not a trigger's refusal: \(error.sqlState ?? "?") \(error.message)"
                )
            case .success(let rows):
                guard let changed = rows.affectedRows, changed > 0 else {
                    throw Failure(
                        message:
                            "the update of the probe row changed no row, so it proves nothing (is row level security forced for the table's owner?)"
                    )
                }
                return Outcome(
                    passed: false,
                    found: "a row's org_id was changed from one organisation to another")
            }
        }
    }

    func claimSpoofing(
        _ script: inout Script, _ fixture: Fixture
    ) -> ([Result<QueryResult, PostgresError>]) throws -> Outcome {
        impersonate(
            &script, user: fixture.spoofer, org: fixture.orgA, userMetadataOrg: fixture.orgB)
        let keys = [fixture.rowA1, fixture.rowA2, fixture.rowB]
        let visible = script.add(visible(fixture, among: keys))
        return { results in
            let seen = try seen(results[visible], among: keys)
            if seen.contains(fixture.rowB) {
                return Outcome(
                    passed: false,
                    found:
                        "user_metadata.org_id (which users can edit) grants access to organisation B"
                )
            }
            if seen.isEmpty {
                return Outcome(
                    passed: false,
                    found:
                        "the user sees none of its organisation's rows (app_metadata.org_id is ignored)"
                )
            }
            return Outcome(passed: true)
        }
    }
}

/// A SQL string literal, for the key names inside `jsonb_build_object`.
private func quoteLiteral(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
}
