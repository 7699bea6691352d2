import Foundation
import Testing

@testable import PostgresClient
@testable import TollgateKit

@Suite struct RedactionTests {
    @Test(arguments: [
        ("postgresql://app:s3cret@db:5432/prod", "postgresql://app:***@db:5432/prod"),
        (
            "postgres://app:p%40ss@db/prod?sslmode=require",
            "postgres://app:***@db/prod?sslmode=require"
        ),
        (
            "postgresql://db/prod?user=app&password=s3cret&sslmode=require",
            "postgresql://db/prod?user=app&password=***&sslmode=require"
        ),
        ("host=db password=s3cret user=app", "host=db password=*** user=app"),
        ("host=db password = 's3 cr\\'et' user=app", "host=db password = *** user=app"),
        ("host=db PASSWORD=x", "host=db PASSWORD=***"),
        ("host=db user=app", "host=db user=app"),
        ("postgresql://app@db/prod", "postgresql://app@db/prod"),
        ("passwordless=1 host=x", "passwordless=1 host=x"),
        ("failed for \"postgresql://u:pw@h/d\" now", "failed for \"postgresql://u:***@h/d\" now"),
    ])
    func redacts(input: String, expected: String) {
        #expect(Redaction.redact(input) == expected)
    }

    /// Rebuilt from libpq's own reading, without the password (for pg_dump's arguments).
    @Test(arguments: [
        ("postgresql://app:s3cret@db:5432/prod", "user='app' dbname='prod' host='db' port='5432'"),
        (
            "postgresql://db/prod?password=s3cret&sslmode=require",
            "dbname='prod' host='db' sslmode='require'"
        ),
        ("host=db password='a b' user=app", "user='app' host='db'"),
        ("host=db user=app password=x", "user='app' host='db'"),
        ("host=db user='o\\'brien'", "user='o\\'brien' host='db'"),
    ])
    func removesPasswordsForOtherPrograms(input: String, expected: String) {
        #expect(Redaction.removingPassword(from: input) == expected)
    }

    @Test func connectionStringNeverPrintsItsPassword() {
        let connection = ConnectionString("postgresql://app:sekrit-canary@db/prod")
        #expect(!"\(connection)".contains("sekrit-canary"))
        #expect(!String(reflecting: connection).contains("sekrit-canary"))
        #expect(connection.secrets.contains("sekrit-canary"))
    }

    /// What a shell step prints loses a secret where it stands as a word, never inside one.
    @Test func scrubMasksWholeWordsOnly() {
        let quoted = "host=db password='a b' x"
        #expect(Redaction.passwords(in: quoted) == ["a b"])
        #expect(
            Redaction.scrub("the password is \"sekrit\"", secrets: ["sekrit"])
                == "the password is \"***\"")
        #expect(
            Redaction.scrub("connection e refused, e", secrets: ["e"])
                == "connection *** refused, ***")
    }

    /// Strings libpq would misread are refused before libpq sees them, in words that quote
    /// nothing of them; the rest read as before.
    @Test(arguments: [
        ("postgresql://u:p@ss:w/rd@db.example.com:5432/app", "unencoded '@' or '/'"),
        ("postgresql://u:p@ss@db.example.com:5432/app", "unencoded '@' or '/'"),
        ("postgresql://u:p/ss@db.example.com:5432/app", "unencoded '@' or '/'"),
        ("mysql://u:secret@db.example.com/app", "it is a mysql:// URL"),
        ("https://abcdefgh.supabase.co", "the Supabase project's API URL"),
        ("host=db password=sekrit dbname", "cannot be read by libpq: check that every key"),
        ("host=db password=my pass\"word", "cannot be read by libpq"),
    ])
    func misreadStringsAreNamedNotQuoted(_ text: String, _ expected: String) throws {
        let problem = try #require(ConnectionString(text).problem)
        #expect(problem.contains(expected), "\(problem)")
        for fragment in ["ss:w", "rd@", "p/ss", "sekrit", "secret", "ss\"wo"] {
            #expect(!problem.contains(fragment), "\(problem)")
        }
        // Nor is the string itself shown, nor an endpoint read from it.
        let connection = ConnectionString(text)
        #expect(connection.description.hasPrefix("(not shown: "))
        #expect(connection.endpoint == nil)
    }

    /// Passwords libpq reads correctly are redacted exactly, whatever they hold.
    @Test(arguments: [
        "postgresql://app:hun?ter2@127.0.0.1:1/dev",
        "postgresql://app:hun ter2@127.0.0.1:1/dev",
        "postgresql://app:hun\"ter2@127.0.0.1:1/dev",
        "postgresql://app:hun'ter2@h1,h2:5432/dev",
        "host=127.0.0.1 password=hun&ter2 dbname=dev",
        "host=127.0.0.1 password='hun ter2' dbname=dev",
        "postgres://127.0.0.1/dev?password=hunter2&sslmode=disable",
    ])
    func passwordsAreRedactedWhateverTheyHold(_ text: String) throws {
        let connection = ConnectionString(text)
        #expect(connection.problem == nil, "\(text)")
        for shown in [connection.description, Redaction.removingPassword(from: text)] {
            #expect(!shown.contains("hun") && !shown.contains("ter2"), "\(shown)")
            #expect(!shown.contains("hunter2"), "\(shown)")
        }
        let passwords = Redaction.passwords(in: text)
        #expect(passwords.count == 1 && passwords[0].hasPrefix("hun"), "\(passwords)")
        // What pg_dump gets still reaches the same place.
        #expect(
            ConnectionString(Redaction.removingPassword(from: text)).endpoint?.database == "dev")
    }

    @Test func keyValuePasswordsAreNotPercentDecoded() {
        #expect(Redaction.passwords(in: "host=h password=p%41x") == ["p%41x"])
        #expect(Redaction.passwords(in: "postgresql://u:p%41x@h/d") == ["pAx"])
    }

    @Test func wellFormedStringsHaveNoProblem() {
        for text in [
            "postgresql://u:p%40ss%3Aw%2Frd@db.example.com:5432/app",
            "postgresql://u:pa:ss@db.example.com/app", "postgres://db/app?sslmode=require",
            "host=db port=5432 dbname=app user=u password='p@ss:w/rd'", "service=staging",
            "dbname=app", "postgresql://u@h/db@x", "postgresql:///dev?host=/var/run/postgresql",
            "postgresql://[::1]:5432/dev", "postgresql://u%40corp:p@h/dev",
        ] {
            #expect(ConnectionString(text).problem == nil, "\(text)")
        }
    }
}

@Suite struct QueryTests {
    @Test func interpolationsBecomeParameters() throws {
        let id = UUID(uuidString: "A0000000-0000-0000-0000-000000000001")!
        let missing: String? = nil
        let query: Query =
            "select * from \(identifier: "public", "Leads") where id = \(id) and n > \(5) and x = \(missing) and t = any(\(["a", "b\"c"]))"
        #expect(
            query.sql { "\"\($0)\"" }
                == "select * from \"public\".\"Leads\" where id = $1 and n > $2 and x = $3 and t = any($4)"
        )
        #expect(
            query.binds == ["a0000000-0000-0000-0000-000000000001", "5", nil, "{\"a\",\"b\\\"c\"}"])
        let raw = Query(unsafeSQL: "select $1", binds: ["x"])
        #expect(raw.binds == ["x"])
    }
}

@Suite struct DecodingTests {
    @Test func timestamps() throws {
        let date = try Date(postgresText: "2025-01-10 09:30:00.25+00")
        #expect(date.timeIntervalSince1970 == 1_736_501_400.25)
        #expect(
            try Date(postgresText: "2025-01-10 10:30:00+01").timeIntervalSince1970 == 1_736_501_400)
        #expect(
            try Date(postgresText: "2025-01-10 04:00:00-05:30").timeIntervalSince1970
                == 1_736_501_400)
        #expect(try Date(postgresText: date.postgresText) == date)
        #expect(throws: PostgresError.self) { try Date(postgresText: "yesterday") }
    }

    @Test func arrays() throws {
        #expect(try [String](postgresText: "{}") == [])
        #expect(
            try [String](postgresText: "{a,\"b c\",\"d,e\",\"f\\\"g\",\"NULL\"}") == [
                "a", "b c", "d,e", "f\"g", "NULL",
            ])
        #expect(try parseTextArray("{a,NULL}") == ["a", nil])
        #expect(throws: PostgresError.self) { try [String](postgresText: "{a,NULL}") }
        #expect(throws: PostgresError.self) { try [String](postgresText: "not an array") }
    }

    @Test func scalars() throws {
        #expect(try Bool(postgresText: "t") == true)
        #expect(try Bool(postgresText: "f") == false)
        #expect(throws: PostgresError.self) { try Bool(postgresText: "maybe") }
        #expect(try Int(postgresText: "-42") == -42)
        #expect(throws: PostgresError.self) { try Int(postgresText: "4.2") }
        #expect(
            try UUID(postgresText: "a0000000-0000-0000-0000-000000000001").postgresText
                == "a0000000-0000-0000-0000-000000000001")
        let json = try JSONValue(
            postgresText: "{\"org_id\": \"x\", \"providers\": [\"email\"], \"n\": 1, \"ok\": true}")
        #expect(json["org_id"]?.stringValue == "x")
        #expect(json["providers"] == .array([.string("email")]))
        #expect(
            json.postgresText == "{\"n\":1,\"ok\":true,\"org_id\":\"x\",\"providers\":[\"email\"]}")
    }
}

@Suite struct SHA256Tests {
    @Test func knownVectors() {
        #expect(
            TollgateKit.SHA256.hex("")
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            TollgateKit.SHA256.hex("abc")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            TollgateKit.SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            TollgateKit.SHA256.hex(String(repeating: "a", count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    /// Fed in pieces of any size, across block boundaries, the digest is the same.
    @Test func piecesGiveTheWholeDigest() {
        let message = Array(String(repeating: "tollgate fingerprint ", count: 50).utf8)
        let whole = TollgateKit.SHA256.hex(message)
        for size in [1, 7, 63, 64, 65, 200] {
            var hasher = TollgateKit.SHA256.Hasher()
            for start in stride(from: 0, to: message.count, by: size) {
                hasher.update(message[start..<min(start + size, message.count)])
            }
            #expect(hasher.finalizeHex() == whole, "pieces of \(size)")
        }
    }
}

@Suite struct CanonicalHashTests {
    /// Nesting and quotes cannot make two different values hash alike.
    @Test func differentValuesNeverShareAnEncoding() throws {
        let values: [[[String]]] = [
            [["a", "b"], ["c"]], [["a"], ["b", "c"]], [["a\",\"b"], ["c"]], [["a\\", "b"], ["c"]],
            [["a", "b", "c"]], [[], ["a", "b", "c"]],
        ]
        let hashes = try values.map { try CanonicalHash.hex(of: $0) }
        #expect(Set(hashes).count == values.count)
        #expect(try CanonicalHash.hex(of: values[0]) == hashes[0])
    }

    /// The fingerprint written field by field is, byte for byte, the snapshot's `Encodable`
    /// conformance hashed: with every optional set and unset, quotes, backslashes and
    /// non-ASCII text in every kind of object.
    @Test func theWrittenFingerprintIsTheEncodedOne() throws {
        let name = QualifiedName("Mÿ \"schema\"", "t\\1")
        let column = Column(
            name: "id", type: "uuid", notNull: true, defaultExpression: nil, generated: nil)
        var full = Column(
            name: "amount", type: "numeric(12,2)", notNull: false, defaultExpression: "0",
            generated: "s", collation: "pg_catalog.C", identity: "always",
            privileges: ["anon:SELECT"], comment: "the \"amount\"", identitySequence: "start 1")
        full.privileges?.append("app:UPDATE+grant")
        var snapshot = CatalogSnapshot(
            serverVersionNumber: 150_004, schemas: ["public": "postgres", "Mÿ \"schema\"": "o"],
            relations: [
                name: Relation(
                    name: name, kind: .table, owner: "postgres", rowSecurity: true,
                    forceRowSecurity: false, options: ["fillfactor=80"], apiGrants: [],
                    columns: [column, full], privileges: ["anon:SELECT"], persistence: "unlogged",
                    partitionKey: "RANGE (id)", partitionBound: nil, parents: ["public.p"],
                    viewDefinition: nil, replicaIdentity: "full", comment: "c"),
                QualifiedName("public", "v"): Relation(
                    name: QualifiedName("public", "v"), kind: .view, owner: "o", rowSecurity: false,
                    forceRowSecurity: true, options: [], apiGrants: ["anon:SELECT"], columns: [],
                    viewDefinition: " SELECT 1"),
            ],
            constraints: [
                Constraint(
                    table: name, name: "fk", kind: .foreignKey, definition: "FOREIGN KEY (a)",
                    validated: false, columns: ["a"], referencedTable: QualifiedName("public", "p"),
                    referencedColumns: ["id"]),
                Constraint(
                    table: name, name: "ck", kind: .check, definition: "CHECK (a > 0)",
                    validated: true, columns: [], referencedTable: nil, referencedColumns: []),
            ],
            indexes: [
                Index(
                    table: name, name: "i", columns: ["a", "(expression)"], unique: true,
                    primary: false, valid: false, predicate: "(a > 0)", definition: "CREATE …"),
                Index(
                    table: name, name: "j", columns: [], unique: false, primary: true, valid: true,
                    predicate: nil, definition: "CREATE INDEX j"),
            ],
            functions: [
                Function(
                    name: QualifiedName("public", "f"), arguments: "a integer", result: "void",
                    volatility: .stable, securityDefiner: true, settings: ["search_path=\"\""],
                    language: "sql", owner: "o", bodyHash: "ab", body: "select 1",
                    kind: "procedure", fullArguments: "a integer DEFAULT 1",
                    attributes: ["strict"], privileges: [], aggregate: "sfunc x", comment: "f",
                    sourceHash: "cd"),
                Function(
                    name: QualifiedName("public", "g"), arguments: "", result: "int",
                    volatility: .volatile, securityDefiner: false, settings: [],
                    language: "plpgsql",
                    owner: "o", bodyHash: "ef", body: "begin end"),
            ],
            triggers: [
                Trigger(
                    table: name, name: "t", function: QualifiedName("public", "g"),
                    timing: .before, events: [.insert, .update], level: "ROW", enabled: .disabled,
                    definition: "CREATE TRIGGER t")
            ],
            policies: [
                Policy(
                    table: name, name: "p", command: .select, permissive: false,
                    roles: ["authenticated", "anon"], using: "(a = 1)", withCheck: nil),
                Policy(
                    table: name, name: "q", command: .all, permissive: true, roles: [],
                    using: nil, withCheck: "true"),
            ],
            fingerprint: "")
        snapshot.schemaPrivileges = ["public": ["anon:USAGE", "app:CREATE"], "b": []]
        snapshot.extensions = [Extension(name: "pgcrypto", version: "1.3", schema: "extensions")]
        snapshot.types = [
            UserType(
                name: QualifiedName("public", "status"), kind: "enum", owner: "o",
                values: ["new", "done"], base: nil, notNull: false, defaultExpression: nil,
                constraints: [], attributes: [], collation: nil),
            UserType(
                name: QualifiedName("public", "positive"), kind: "domain", owner: "o", values: [],
                base: "integer", notNull: true, defaultExpression: "1",
                constraints: ["positive_check: CHECK (VALUE > 0)"], attributes: ["a int"],
                collation: "C"),
        ]
        snapshot.sequences = [
            DatabaseSequence(
                name: QualifiedName("public", "s"), type: "bigint", start: 1, increment: -2,
                minimum: Int64.min, maximum: Int64.max, cache: 1, cycle: true,
                ownedBy: "public.t.id", owner: "o", privileges: ["anon:USAGE"]),
            DatabaseSequence(
                name: QualifiedName("public", "u"), type: "integer", start: 5, increment: 1,
                minimum: 1, maximum: 100, cache: 10, cycle: false, ownedBy: nil, owner: "o",
                privileges: []),
        ]
        snapshot.eventTriggers = [
            EventTrigger(
                name: "e", event: "ddl_command_end", function: QualifiedName("public", "g"),
                enabled: "O", tags: ["CREATE TABLE"])
        ]
        snapshot.defaultPrivileges = [
            DefaultPrivileges(
                role: "o", schema: nil, objectType: "tables", privileges: ["anon:SELECT"]),
            DefaultPrivileges(role: "o", schema: "public", objectType: "functions", privileges: []),
        ]
        snapshot.publications = [
            Publication(
                name: "supabase_realtime", allTables: false, operations: ["insert"],
                viaRoot: true, tables: ["public.t"], schemas: ["s"]),
            Publication(
                name: "all", allTables: true, operations: [], viaRoot: false, tables: []),
        ]
        snapshot.fingerprint = snapshot.computeFingerprint()
        #expect(snapshot.fingerprint == snapshot.encodedFingerprint())
        #expect(snapshot.fingerprint.count == 64)
        // Each part counts: a changed optional, list, flag or number changes the fingerprint.
        var changed = snapshot
        changed.relations[name]?.columns[1].identitySequence = nil
        #expect(changed.computeFingerprint() == changed.encodedFingerprint())
        #expect(changed.computeFingerprint() != snapshot.fingerprint)
        changed = snapshot
        changed.sequences[0].cache = 2
        #expect(changed.computeFingerprint() != snapshot.fingerprint)
        changed = snapshot
        changed.triggers[0].events = [.update, .insert]
        #expect(changed.computeFingerprint() == changed.encodedFingerprint())
        #expect(changed.computeFingerprint() != snapshot.fingerprint)
        // The server version is left out.
        changed = snapshot
        changed.serverVersionNumber = 170_000
        #expect(changed.computeFingerprint() == snapshot.fingerprint)
    }

    /// Dictionaries are hashed in key order, whatever order they were filled in.
    @Test func aSnapshotsFingerprintDoesNotDependOnInsertionOrder() throws {
        func snapshot(_ names: [String]) -> CatalogSnapshot {
            var schemas: [String: String] = [:]
            var privileges: [String: [String]] = [:]
            for name in names {
                schemas[name] = "owner_" + name
                privileges[name] = ["app:USAGE", "anon:USAGE"]
            }
            var snapshot = CatalogSnapshot(
                serverVersionNumber: 150_000, schemas: schemas, relations: [:], constraints: [],
                indexes: [], functions: [], triggers: [], policies: [], fingerprint: "")
            snapshot.schemaPrivileges = privileges
            snapshot.fingerprint = snapshot.computeFingerprint()
            return snapshot
        }
        let names = (0..<300).map { "schema_\($0)" }
        let forward = snapshot(names)
        #expect(forward.fingerprint.count == 64)
        #expect(snapshot(names.reversed()).fingerprint == forward.fingerprint)
        #expect(snapshot(names.shuffled()).fingerprint == forward.fingerprint)
        #expect(snapshot(names.dropLast()).fingerprint != forward.fingerprint)
        // What a snapshot's JSON holds gives back the same fingerprint.
        let decoded = try JSONDecoder().decode(
            CatalogSnapshot.self, from: JSONEncoder().encode(forward))
        #expect(decoded.computeFingerprint() == forward.fingerprint)
    }
}
