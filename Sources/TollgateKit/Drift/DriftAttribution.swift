/// Which objects of an environment no applied migration or playbook step accounts for: the
/// changes made by hand, in a dashboard, or by a script nobody recorded.
///
/// An object is accounted for when
/// - a Tollgate step left it exactly as it is now (the ledger's `schema_effects`), or
/// - a migration in the Supabase CLI's history names it in its recorded SQL
///   (``SQLDeclarations``).
/// An object a Tollgate step left in another state is *changed* unless a migration Tollgate did
/// not run names it; one a step left and that is gone is *removed*. Objects in the schemas
/// Supabase manages (`auth`, `storage`, …) belong to the platform, except triggers and
/// policies, which an app adds to them (`on auth.users`).
public enum DriftAttribution {
    public static let platformSchemas = SchemaObjects.platformSchemas

    /// Extensions hosted Supabase installs in every project.
    public static let platformExtensions = SchemaObjects.platformExtensions

    /// A migration in the environment's history, with what its SQL names.
    public struct Migration: Sendable {
        public var version: String
        public var declarations: SQLDeclarations
        /// The history holds no statements for it (older Supabase CLIs, or `migration repair`).
        public var unrecorded: Bool

        public init(version: String, sql: String) {
            self.version = version
            self.declarations = SQLDeclarations(sql: sql)
            self.unrecorded = sql.allSatisfy(\.isWhitespace)
        }
    }

    public struct Result: Sendable, Equatable {
        public var drift: [DriftEntry]
        /// Why attribution may be incomplete here, if it may.
        public var note: String?
    }

    /// - Parameter runByTollgate: versions of the migrations Tollgate's steps applied here
    ///   (their effects are recorded exactly; their text need not be read).
    ///   - legacy: the objects as an older Tollgate described them (``LegacyDescriptions``): an
    ///     effect recorded then matches either.
    public static func attribute(
        environment: String, objects: [SchemaObjects.Key: String],
        legacy: [SchemaObjects.Key: String] = [:], migrations: [Migration]?,
        effects: [Ledger.SchemaEffect],
        runByTollgate: Set<String> = []
    ) -> Result {
        guard migrations?.isEmpty == false || !effects.isEmpty else {
            return Result(
                drift: [],
                note:
                    "no migration history here (neither Supabase's nor Tollgate's), so nothing to attribute objects to"
            )
        }
        let migrations = migrations ?? []
        let recorded = Dictionary(
            effects.map { (SchemaObjects.Key(kind: $0.kind, name: $0.object), $0) },
            uniquingKeysWith: { _, last in last })
        let runByTollgate = runByTollgate.union(effects.compactMap(\.migration))
        let others = migrations.filter { !runByTollgate.contains($0.version) }
        func named(_ key: SchemaObjects.Key, by list: [Migration]) -> Bool {
            list.contains { $0.declarations.accounts(for: key) }
        }

        var drift: [DriftEntry] = []
        for (key, description) in objects where inScope(key) {
            if let effect = recorded[key] {
                if effect.description == description
                    || (legacy[key] != nil && effect.description == legacy[key])
                    || named(key, by: others)
                {
                    continue
                }
                drift.append(
                    .init(
                        environment: environment, kind: key.kind, object: key.name,
                        change: .changed,
                        detail: "changed since \(effect.playbook)/\(effect.step) left it"
                            + (effect.description.map { " (was: \($0))" } ?? " (it removed it)")))
            } else if !named(key, by: migrations) {
                drift.append(
                    .init(
                        environment: environment, kind: key.kind, object: key.name,
                        change: .unrecorded, detail: "no migration or step made it"))
            }
        }
        for (key, effect) in recorded
        where effect.description != nil && objects[key] == nil && inScope(key)
            && !named(key, by: others)
        {
            drift.append(
                .init(
                    environment: environment, kind: key.kind, object: key.name, change: .removed,
                    detail: "removed since \(effect.playbook)/\(effect.step) left it"))
        }
        // What belongs to an unrecorded table is unrecorded too: one line for the table.
        let unrecordedRelations = Set(
            drift.filter { $0.change == .unrecorded && ($0.kind == .table || $0.kind == .view) }
                .map(\.object))
        var folded: [String: Int] = [:]
        drift.removeAll { entry in
            guard entry.change == .unrecorded,
                let relation = SchemaObjects.Key(kind: entry.kind, name: entry.object).relation,
                unrecordedRelations.contains(relation)
            else { return false }
            folded[relation, default: 0] += 1
            return true
        }
        for index in drift.indices
        where folded[drift[index].object] != nil
            && (drift[index].kind == .table || drift[index].kind == .view)
        {
            drift[index].includes = folded[drift[index].object]!
        }
        drift.sort {
            SchemaObjects.Key(kind: $0.kind, name: $0.object)
                < SchemaObjects.Key(kind: $1.kind, name: $1.object)
        }

        func list(_ versions: [String]) -> String {
            "migration\(versions.count == 1 ? "" : "s") \(versions.joined(separator: ", "))"
        }
        var notes: [String] = []
        let unrecorded = others.filter(\.unrecorded).map(\.version)
        if !unrecorded.isEmpty { notes.append("\(list(unrecorded)) recorded no statements") }
        let opaque = others.filter { $0.declarations.dynamic }.map(\.version)
        if !opaque.isEmpty {
            notes.append(
                "\(list(opaque)) run\(opaque.count == 1 ? "s" : "") dynamic SQL (EXECUTE), which cannot be read"
            )
        }
        let note =
            notes.isEmpty
            ? nil
            : notes.joined(separator: "; ")
                + ": what \(unrecorded.count + opaque.count == 1 ? "it makes" : "they make") may show as drift"
        return Result(drift: drift, note: note)
    }

    /// Event triggers, publications and default privileges are compared, not attributed: the
    /// platform makes its own, and `ALTER DEFAULT PRIVILEGES` does not name what it makes.
    static func inScope(_ key: SchemaObjects.Key) -> Bool {
        switch key.kind {
        case .trigger, .policy: return true
        case .eventTrigger, .publication, .defaultPrivileges: return false
        case .extension: return !platformExtensions.contains(key.name)
        // Every database is created with `public`.
        case .schema: return key.name != "public" && !platformSchemas.contains(key.name)
        default: return !platformSchemas.contains(key.schema)
        }
    }
}

/// One object no migration or step accounts for, on one environment.
public struct DriftEntry: Sendable, Codable, Equatable {
    public enum Change: String, Sendable, Codable {
        /// No migration names it and no step made it.
        case unrecorded
        /// A step made it, and it has changed since.
        case changed
        /// A step made it, and it is gone.
        case removed
    }
    public var environment: String
    public var kind: ObjectKind
    public var object: String
    public var change: Change
    public var detail: String
    /// For a table or view: how many of its columns, constraints and indexes are folded
    /// into this line.
    public var includes: Int

    public init(
        environment: String, kind: ObjectKind, object: String, change: Change, detail: String,
        includes: Int = 0
    ) {
        self.environment = environment
        self.kind = kind
        self.object = object
        self.change = change
        self.detail = detail
        self.includes = includes
    }
}
