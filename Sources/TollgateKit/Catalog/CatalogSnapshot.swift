import Foundation
import PostgresClient

/// What an environment's schema is: every object a rollout touches, read in one pass of
/// `pg_catalog`, keyed by name, sorted, with a fingerprint.
///
/// Two databases with the same schema give the same snapshot and fingerprint, whatever their
/// OIDs, data or object creation order.
public struct CatalogSnapshot: Sendable, Codable, Equatable {
    /// The snapshot's JSON shape; raised when a field changes meaning.
    public var version = 2
    public var serverVersionNumber: Int
    /// Schema names with their owners.
    public var schemas: [String: String]
    public var relations: [QualifiedName: Relation]
    public var constraints: [Constraint]
    public var indexes: [Index]
    public var functions: [Function]
    public var triggers: [Trigger]
    public var policies: [Policy]
    /// Privileges on each schema, as ``Relation/privileges``.
    public var schemaPrivileges: [String: [String]] = [:]
    public var extensions: [Extension] = []
    public var types: [UserType] = []
    public var sequences: [DatabaseSequence] = []
    public var eventTriggers: [EventTrigger] = []
    public var defaultPrivileges: [DefaultPrivileges] = []
    public var publications: [Publication] = []
    /// SHA-256 of the snapshot's sorted JSON, without the server version.
    public var fingerprint: String

    enum CodingKeys: String, CodingKey {
        case version, serverVersionNumber, schemas, relations, constraints, indexes, functions,
            triggers, policies, schemaPrivileges, extensions, types, sequences, eventTriggers,
            defaultPrivileges, publications, fingerprint
    }

    public init(
        serverVersionNumber: Int, schemas: [String: String], relations: [QualifiedName: Relation],
        constraints: [Constraint], indexes: [Index], functions: [Function], triggers: [Trigger],
        policies: [Policy], fingerprint: String
    ) {
        self.serverVersionNumber = serverVersionNumber
        self.schemas = schemas
        self.relations = relations
        self.constraints = constraints
        self.indexes = indexes
        self.functions = functions
        self.triggers = triggers
        self.policies = policies
        self.fingerprint = fingerprint
    }

    /// Relations are written as an array sorted by name: a dictionary with non-string keys
    /// would be encoded in hash order, which changes from run to run.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(serverVersionNumber, forKey: .serverVersionNumber)
        // Dictionaries in key order: an encoder that keeps the given order (the fingerprint's)
        // would otherwise see hash order, which changes from run to run.
        try container.encode(SortedEntries(schemas), forKey: .schemas)
        try container.encode(relations.values.sorted { $0.name < $1.name }, forKey: .relations)
        try container.encode(constraints, forKey: .constraints)
        try container.encode(indexes, forKey: .indexes)
        try container.encode(functions, forKey: .functions)
        try container.encode(triggers, forKey: .triggers)
        try container.encode(policies, forKey: .policies)
        try container.encode(SortedEntries(schemaPrivileges), forKey: .schemaPrivileges)
        try container.encode(extensions, forKey: .extensions)
        try container.encode(types, forKey: .types)
        try container.encode(sequences, forKey: .sequences)
        try container.encode(eventTriggers, forKey: .eventTriggers)
        try container.encode(defaultPrivileges, forKey: .defaultPrivileges)
        try container.encode(publications, forKey: .publications)
        try container.encode(fingerprint, forKey: .fingerprint)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        serverVersionNumber = try container.decode(Int.self, forKey: .serverVersionNumber)
        schemas = try container.decode([String: String].self, forKey: .schemas)
        let list = try container.decode([Relation].self, forKey: .relations)
        relations = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
        constraints = try container.decode([Constraint].self, forKey: .constraints)
        indexes = try container.decode([Index].self, forKey: .indexes)
        functions = try container.decode([Function].self, forKey: .functions)
        triggers = try container.decode([Trigger].self, forKey: .triggers)
        policies = try container.decode([Policy].self, forKey: .policies)
        // Snapshots of version 1 hold none of these.
        schemaPrivileges =
            try container.decodeIfPresent([String: [String]].self, forKey: .schemaPrivileges) ?? [:]
        extensions = try container.decodeIfPresent([Extension].self, forKey: .extensions) ?? []
        types = try container.decodeIfPresent([UserType].self, forKey: .types) ?? []
        sequences = try container.decodeIfPresent([DatabaseSequence].self, forKey: .sequences) ?? []
        eventTriggers =
            try container.decodeIfPresent([EventTrigger].self, forKey: .eventTriggers) ?? []
        defaultPrivileges =
            try container.decodeIfPresent([DefaultPrivileges].self, forKey: .defaultPrivileges)
            ?? []
        publications =
            try container.decodeIfPresent([Publication].self, forKey: .publications) ?? []
        fingerprint = try container.decode(String.self, forKey: .fingerprint)
    }

    /// The catalog queries ``load(from:)`` runs, whatever the number of tables.
    static func queries(serverVersion: Int) -> [String] {
        [
            CatalogQueries.schemas, CatalogQueries.relations, CatalogQueries.columns,
            CatalogQueries.constraints(serverVersion: serverVersion),
            CatalogQueries.indexes(serverVersion: serverVersion), CatalogQueries.functions,
            CatalogQueries.triggers, CatalogQueries.policies, CatalogQueries.extensions,
            CatalogQueries.types, CatalogQueries.sequences, CatalogQueries.eventTriggers,
            CatalogQueries.defaultPrivileges,
            CatalogQueries.publications(serverVersion: serverVersion),
        ]
    }

    /// How many catalog queries ``load(from:)`` runs, whatever the number of tables.
    public static let queryCount = queries(serverVersion: 150_000).count

    /// What the snapshot's transaction sets before the catalog queries.
    ///
    /// The queries join in the order they are written, which suits a catalog of ten tables and
    /// one of thousands alike: searching for another order cost the planner more than it saved
    /// (with the collapse limits at 1, the 14 queries plan in 4.0 ms instead of 6.4 on the
    /// sandbox and in 5.6 instead of 8.6 at 2,000 tables, and run in the same time).
    static let settings: Query = """
        select set_config('search_path', 'pg_catalog', true),
               set_config('join_collapse_limit', '1', true),
               set_config('from_collapse_limit', '1', true)
        """

    /// Reads the snapshot inside a read-only transaction that is rolled back, in one round
    /// trip: the catalog queries go to the server together.
    /// - Throws: `PostgresError` when a catalog query fails.
    public static func load(from db: Connection) throws -> CatalogSnapshot {
        try load(from: db, after: []).snapshot.get()
    }

    /// Reads the snapshot as ``load(from:)`` does, with `leading` statements sent first in the
    /// same round trip (outside the snapshot's transaction), and returns their results too:
    /// a statement's error is its result, and so is the snapshot's, so that what the leading
    /// statements read is not lost when a catalog query fails (a timeout).
    /// - Throws: `PostgresError` when the snapshot's transaction cannot be opened, or is not
    ///   left as it was found; a failure of the catalog queries (a lost connection included)
    ///   is the snapshot's result.
    public static func load(
        from db: Connection, after leading: [Query]
    ) throws -> (
        snapshot: Result<CatalogSnapshot, any Error>,
        leading: [Result<QueryResult, PostgresError>]
    ) {
        let queries = queries(serverVersion: db.serverVersionNumber)
        let group = RolledBackStatements(
            [settings] + queries.map { Query(unsafeSQL: $0) }, readOnly: true)
        // Each query's rows are decoded as they arrive, in the order they were sent.
        return try db.runRolledBack(group, after: leading) { first, results in
            let snapshot = Result { () throws -> CatalogSnapshot in
                _ = try results.next().get()
                var sent = queries[...]
                return try read(serverVersionNumber: db.serverVersionNumber) { sql in
                    precondition(sent.popFirst() == sql, "catalog queries read out of order")
                    return try results.next().get().rows
                }
            }
            return (snapshot, first)
        }
    }

    static func read(
        serverVersionNumber: Int, rows: (String) throws -> [Row]
    ) throws -> CatalogSnapshot {
        var schemas: [String: String] = [:]
        var schemaPrivileges: [String: [String]] = [:]
        for row in try rows(CatalogQueries.schemas) {
            schemas[try row.decode("schema")] = try row.decode("owner")
            schemaPrivileges[try row.decode("schema")] = try row.decode("privileges")
        }
        var relations: [QualifiedName: Relation] = [:]
        for row in try rows(CatalogQueries.relations) {
            let name = QualifiedName(try row.decode("schema"), try row.decode("name"))
            relations[name] = Relation(
                name: name, kind: try row.decode("kind"), owner: try row.decode("owner"),
                rowSecurity: try row.decode("rls"), forceRowSecurity: try row.decode("forced"),
                options: try row.decode("options"), apiGrants: try row.decode("api_grants"),
                columns: [], privileges: try row.decode("privileges"),
                persistence: try row.decodeIfPresent("persistence"),
                partitionKey: try row.decodeIfPresent("partition_key"),
                partitionBound: try row.decodeIfPresent("partition_bound"),
                parents: try row.decode("parents", as: [String].self).nilIfEmpty,
                viewDefinition: try row.decodeIfPresent("view_definition"),
                replicaIdentity: try row.decodeIfPresent("replica_identity"),
                comment: try row.decodeIfPresent("comment"))
        }
        for row in try rows(CatalogQueries.columns) {
            let name = QualifiedName(try row.decode("schema"), try row.decode("relation"))
            relations[name]?.columns.append(
                Column(
                    name: try row.decode("name"), type: try row.decode("type"),
                    notNull: try row.decode("not_null"),
                    defaultExpression: try row.decodeIfPresent("default_expression"),
                    generated: try row.decodeIfPresent("generated"),
                    collation: try row.decodeIfPresent("collation"),
                    identity: try row.decodeIfPresent("identity"),
                    // A column whose grants were all revoked has an empty ACL: no privileges.
                    privileges: try row.decodeIfPresent("privileges", as: [String].self)?
                        .nilIfEmpty,
                    comment: try row.decodeIfPresent("comment"),
                    identitySequence: try row.decodeIfPresent("identity_sequence")))
        }
        let constraints = try rows(
            CatalogQueries.constraints(serverVersion: serverVersionNumber)
        ).map { row in
            let referencedTable: QualifiedName? =
                if let schema: String = try row.decodeIfPresent("referenced_schema") {
                    QualifiedName(schema, try row.decode("referenced_table"))
                } else { nil }
            return Constraint(
                table: QualifiedName(try row.decode("schema"), try row.decode("relation")),
                name: try row.decode("name"), kind: try row.decode("kind"),
                definition: try row.decode("definition"),
                validated: try row.decode("validated"), columns: try row.decode("columns"),
                referencedTable: referencedTable,
                referencedColumns: try row.decode("referenced_columns"))
        }
        let indexes = try rows(CatalogQueries.indexes(serverVersion: serverVersionNumber)).map {
            row in
            Index(
                table: QualifiedName(try row.decode("schema"), try row.decode("relation")),
                name: try row.decode("name"),
                columns: try row.decode("columns"), unique: try row.decode("is_unique"),
                primary: try row.decode("is_primary"),
                valid: try row.decode("valid"), predicate: try row.decodeIfPresent("predicate"),
                definition: try row.decode("definition"))
        }
        let functions = try rows(CatalogQueries.functions).map { row in
            let body: String = try row.decode("body")
            let source: String = try row.decode("source")
            return Function(
                name: QualifiedName(try row.decode("schema"), try row.decode("name")),
                arguments: try row.decode("arguments"), result: try row.decode("result"),
                volatility: try row.decode("volatility"),
                securityDefiner: try row.decode("security_definer"),
                settings: try row.decode("settings"), language: try row.decode("language"),
                owner: try row.decode("owner"),
                bodyHash: SHA256.hex(body), body: body, kind: try row.decodeIfPresent("kind"),
                fullArguments: try row.decode("full_arguments"),
                attributes: try row.decode("attributes", as: [String].self).nilIfEmpty,
                privileges: try row.decode("privileges"),
                aggregate: try row.decodeIfPresent("aggregate"),
                comment: try row.decodeIfPresent("comment"),
                sourceHash: source == body ? nil : SHA256.hex(source))
        }
        let triggers = try rows(CatalogQueries.triggers).map { row in
            Trigger(
                table: QualifiedName(try row.decode("schema"), try row.decode("relation")),
                name: try row.decode("name"),
                function: QualifiedName(
                    try row.decode("function_schema"), try row.decode("function_name")),
                timing: try row.decode("timing"),
                events: try row.decode("events", as: [String].self).map(
                    TriggerEvent.init(rawValue:)),
                level: try row.decode("level"),
                enabled: try row.decode("enabled"), definition: try row.decode("definition"))
        }
        let policies = try rows(CatalogQueries.policies).map { row in
            Policy(
                table: QualifiedName(try row.decode("schema"), try row.decode("relation")),
                name: try row.decode("name"),
                command: try row.decode("command"), permissive: try row.decode("permissive"),
                roles: try row.decode("roles"),
                using: try row.decodeIfPresent("using_expression"),
                withCheck: try row.decodeIfPresent("check_expression"))
        }
        let extensions = try rows(CatalogQueries.extensions).map { row in
            Extension(
                name: try row.decode("name"), version: try row.decode("version"),
                schema: try row.decode("schema"))
        }
        let types = try rows(CatalogQueries.types).map { row in
            UserType(
                name: QualifiedName(try row.decode("schema"), try row.decode("name")),
                kind: try row.decode("kind"), owner: try row.decode("owner"),
                values: try row.decode("enum_values"), base: try row.decodeIfPresent("base"),
                notNull: try row.decode("not_null"),
                defaultExpression: try row.decodeIfPresent("default_expression"),
                constraints: try row.decode("constraints"),
                attributes: try row.decode("attributes"),
                collation: try row.decodeIfPresent("collation"))
        }
        let sequences = try rows(CatalogQueries.sequences).map { row in
            DatabaseSequence(
                name: QualifiedName(try row.decode("schema"), try row.decode("name")),
                type: try row.decode("type"), start: try row.decode("start"),
                increment: try row.decode("increment"), minimum: try row.decode("minimum"),
                maximum: try row.decode("maximum"), cache: try row.decode("cache"),
                cycle: try row.decode("cycle"), ownedBy: try row.decodeIfPresent("owned_by"),
                owner: try row.decode("owner"), privileges: try row.decode("privileges"))
        }
        let eventTriggers = try rows(CatalogQueries.eventTriggers).map { row in
            EventTrigger(
                name: try row.decode("name"), event: try row.decode("event"),
                function: QualifiedName(
                    try row.decode("function_schema"), try row.decode("function_name")),
                enabled: try row.decode("enabled"), tags: try row.decode("tags"))
        }
        let defaultPrivileges = try rows(CatalogQueries.defaultPrivileges).map { row in
            DefaultPrivileges(
                role: try row.decode("role"), schema: try row.decodeIfPresent("schema"),
                objectType: try row.decode("object_type"), privileges: try row.decode("privileges"))
        }
        let publications = try rows(
            CatalogQueries.publications(serverVersion: serverVersionNumber)
        ).map { row in
            Publication(
                name: try row.decode("name"), allTables: try row.decode("all_tables"),
                operations: try row.decode("operations"), viaRoot: try row.decode("via_root"),
                tables: try row.decode("tables"), schemas: try row.decode("schemas"))
        }
        // Sorted here, not only by ORDER BY: text order in SQL follows each server's
        // collation, and two environments must give the same snapshot for the same schema.
        var snapshot = CatalogSnapshot(
            serverVersionNumber: serverVersionNumber, schemas: schemas, relations: relations,
            constraints: constraints.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
            indexes: indexes.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
            functions: functions.sorted { ($0.name, $0.arguments) < ($1.name, $1.arguments) },
            triggers: triggers.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
            policies: policies.sorted { ($0.table, $0.name) < ($1.table, $1.name) },
            fingerprint: "")
        snapshot.schemaPrivileges = schemaPrivileges
        snapshot.extensions = extensions.sorted { $0.name < $1.name }
        snapshot.types = types.sorted { $0.name < $1.name }
        snapshot.sequences = sequences.sorted { $0.name < $1.name }
        snapshot.eventTriggers = eventTriggers.sorted { $0.name < $1.name }
        snapshot.defaultPrivileges = defaultPrivileges.sorted { $0.label < $1.label }
        snapshot.publications = publications.sorted { $0.name < $1.name }
        snapshot.fingerprint = snapshot.computeFingerprint()
        return snapshot
    }

    /// SHA-256 over the snapshot's canonical encoding (``CanonicalHash``), leaving out the
    /// server version (an upgrade is not a schema change) and the fingerprint itself.
    ///
    /// Hashed as it is written (``writeFingerprintFields(to:)``): the snapshot is never
    /// written out whole for it.
    func computeFingerprint() -> String {
        var writer = CanonicalHash.Writer()
        writer.byte(0x7B)
        writeFingerprintFields(to: &writer)
        return writer.finish()
    }

    /// The same fingerprint through the snapshot's `Encodable` conformance, which
    /// ``computeFingerprint()`` must match byte for byte (for tests).
    func encodedFingerprint() -> String {
        var copy = self
        copy.serverVersionNumber = 0
        copy.fingerprint = ""
        return (try? CanonicalHash.hex(of: copy)) ?? ""
    }

    /// Every object the snapshot holds, columns and schemas aside.
    public var objectCount: Int {
        relations.count + constraints.count + indexes.count + functions.count + triggers.count
            + policies.count + extensions.count + types.count + sequences.count
            + eventTriggers.count + defaultPrivileges.count + publications.count
    }

    // MARK: - Questions checks ask

    public func relation(_ name: QualifiedName) -> Relation? { relations[name] }
    public func constraints(on table: QualifiedName) -> [Constraint] {
        constraints.filter { $0.table == table }
    }
    public func indexes(on table: QualifiedName) -> [Index] { indexes.filter { $0.table == table } }
    public func triggers(on table: QualifiedName) -> [Trigger] {
        triggers.filter { $0.table == table }
    }
    public func policies(on table: QualifiedName) -> [Policy] {
        policies.filter { $0.table == table }
    }
    public func functions(named name: QualifiedName) -> [Function] {
        functions.filter { $0.name == name }
    }
}

extension Array {
    /// Nil for an empty array: a property that is usually absent stays out of the snapshot.
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
