/// A schema-qualified name: the key of every catalog object (never an OID, which differs
/// between environments).
public struct QualifiedName: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var schema: String
    public var name: String

    public init(_ schema: String, _ name: String) {
        self.schema = schema
        self.name = name
    }

    /// Reads `schema.name`; a bare `name` is in `public`.
    public init(parsing text: String) {
        if let dot = text.firstIndex(of: ".") {
            self.init(String(text[..<dot]), String(text[text.index(after: dot)...]))
        } else {
            self.init("public", text)
        }
    }

    public var description: String { "\(schema).\(name)" }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.schema, lhs.name) < (rhs.schema, rhs.name)
    }
}

/// A table, view or other relation, with its columns.
///
/// From `pg_class` and `pg_attribute`.
public struct Relation: Sendable, Hashable, Codable {
    public var name: QualifiedName
    /// `pg_class.relkind`: `r` table, `p` partitioned table, `v` view, `m` materialized view,
    /// `f` foreign table.
    public var kind: RelationKind
    public var owner: String
    /// `relrowsecurity`: row level security is enabled.
    public var rowSecurity: Bool
    /// `relforcerowsecurity`: it applies to the owner too.
    public var forceRowSecurity: Bool
    /// `reloptions`, such as `security_invoker=true` on a view.
    public var options: [String]
    /// Privileges granted to `anon`, `authenticated` and `public`, as `role:PRIVILEGE`
    /// (`authenticated:SELECT`), sorted.
    ///
    /// From `aclexplode(relacl)`.
    public var apiGrants: [String]
    public var columns: [Column]
    /// Every privilege granted on it to a role other than its owner, as `role:PRIVILEGE`
    /// (`+grant` when grantable), sorted; PostgreSQL's default when the ACL is null.
    public var privileges: [String]? = nil
    /// `unlogged` for an unlogged table; nil for a logged one.
    public var persistence: String? = nil
    /// `pg_get_partkeydef`: `RANGE (created_at)` for a partitioned table.
    public var partitionKey: String? = nil
    /// `FOR VALUES FROM (…) TO (…)` for a partition.
    public var partitionBound: String? = nil
    /// The partition's parent, or the tables it inherits from, in order.
    public var parents: [String]? = nil
    /// `pg_get_viewdef` for a view or materialized view.
    public var viewDefinition: String? = nil
    /// `full`, `nothing` or `index <name>`; nil for the default (the primary key).
    public var replicaIdentity: String? = nil
    public var comment: String? = nil

    public var isTable: Bool { kind == .table || kind == .partitionedTable }
    public var isView: Bool { kind == .view || kind == .materializedView }
    public var securityInvoker: Bool {
        options.contains {
            $0.lowercased() == "security_invoker=true" || $0.lowercased() == "security_invoker=on"
        }
    }
    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}

/// A column.
///
/// From `pg_attribute` and `pg_attrdef`.
public struct Column: Sendable, Hashable, Codable {
    public var name: String
    /// `format_type(atttypid, atttypmod)`: `uuid`, `text`, `character varying(255)`.
    public var type: String
    public var notNull: Bool
    public var defaultExpression: String?
    /// `s` for a stored generated column (`attgenerated`), which no insert may name; nil
    /// for an ordinary column, so that schemas without one keep their fingerprint.
    public var generated: String?
    /// The column's collation when it is not its type's default.
    public var collation: String? = nil
    /// `always` or `by default` for an identity column.
    public var identity: String? = nil
    /// Column-level privileges, as ``Relation/privileges``.
    public var privileges: [String]? = nil
    public var comment: String? = nil
    /// An identity column's sequence options (`start 1 increment 1 from 1 to … cache 1`).
    public var identitySequence: String? = nil
}

/// A constraint.
///
/// From `pg_constraint`; `kind` is `contype`: `p` primary key, `f` foreign key, `u` unique, `c`
/// check, `x` exclusion.
public struct Constraint: Sendable, Hashable, Codable {
    public var table: QualifiedName
    public var name: String
    public var kind: ConstraintKind
    /// `pg_get_constraintdef`, with every name schema-qualified.
    public var definition: String
    /// False for a constraint added `NOT VALID` and not yet validated.
    public var validated: Bool
    public var columns: [String]
    public var referencedTable: QualifiedName?
    public var referencedColumns: [String]
}

/// An index.
///
/// From `pg_index`.
public struct Index: Sendable, Hashable, Codable {
    public var table: QualifiedName
    public var name: String
    /// Key columns in order; an expression shows as `(expression)`.
    public var columns: [String]
    public var unique: Bool
    public var primary: Bool
    /// False while a `CREATE INDEX CONCURRENTLY` has not finished (or failed).
    public var valid: Bool
    public var predicate: String?
    public var definition: String
}

/// A function or procedure.
///
/// From `pg_proc`.
public struct Function: Sendable, Hashable, Codable {
    public var name: QualifiedName
    public var arguments: String
    public var result: String
    /// `i` immutable, `s` stable, `v` volatile.
    public var volatility: Volatility
    public var securityDefiner: Bool
    /// `proconfig`, such as `search_path=public`.
    public var settings: [String]
    public var language: String
    public var owner: String
    /// SHA-256 of the body (`prosrc`).
    public var bodyHash: String
    /// The body itself, for checks that read it.
    public var body: String
    /// `procedure`, `aggregate` or `window`; nil for an ordinary function.
    public var kind: String? = nil
    /// `pg_get_function_arguments`: names, modes and defaults (PostgREST matches an RPC's
    /// arguments by name).
    public var fullArguments: String? = nil
    /// `strict`, `leakproof`, `parallel safe`/`parallel restricted`, as set.
    public var attributes: [String]? = nil
    /// Privileges, as ``Relation/privileges`` (EXECUTE to PUBLIC unless revoked).
    public var privileges: [String]? = nil
    /// For an aggregate: its state function, state type, final function and initial value.
    public var aggregate: String? = nil
    public var comment: String? = nil
    /// SHA-256 of `prosrc` where the body is not `prosrc` (a SQL-standard body): what older
    /// versions hashed, for ``LegacyDescriptions``.
    public var sourceHash: String? = nil

    public var signature: String { "\(name)(\(arguments))" }
}

/// An extension.
///
/// From `pg_extension`.
public struct Extension: Sendable, Hashable, Codable {
    public var name: String
    public var version: String
    public var schema: String
}

/// An enum, domain, composite or range type that a user created.
///
/// From `pg_type`.
public struct UserType: Sendable, Hashable, Codable {
    public var name: QualifiedName
    /// `enum`, `domain`, `composite` or `range`.
    public var kind: String
    public var owner: String
    /// An enum's values in order.
    public var values: [String]
    /// A domain's base type or a range's subtype.
    public var base: String?
    public var notNull: Bool
    public var defaultExpression: String?
    /// A domain's constraints, `name: definition`.
    public var constraints: [String]
    /// A composite type's attributes, `name type`.
    public var attributes: [String]
    public var collation: String?
}

/// A sequence that is not an identity column's.
///
/// From `pg_sequence`.
public struct DatabaseSequence: Sendable, Hashable, Codable {
    public var name: QualifiedName
    public var type: String
    public var start: Int64
    public var increment: Int64
    public var minimum: Int64
    public var maximum: Int64
    public var cache: Int64
    public var cycle: Bool
    /// `schema.table.column` for a sequence owned by a column (`serial`, `OWNED BY`).
    public var ownedBy: String?
    public var owner: String
    public var privileges: [String]
}

/// An event trigger.
///
/// From `pg_event_trigger`.
public struct EventTrigger: Sendable, Hashable, Codable {
    public var name: String
    public var event: String
    public var function: QualifiedName
    /// `evtenabled`: `O` enabled, `D` disabled, `R` replica, `A` always.
    public var enabled: String
    public var tags: [String]
}

/// The privileges a role's future objects get.
///
/// From `pg_default_acl`.
public struct DefaultPrivileges: Sendable, Hashable, Codable {
    public var role: String
    /// Nil for the role's defaults in every schema.
    public var schema: String?
    /// `tables`, `sequences`, `functions`, `types` or `schemas`.
    public var objectType: String
    public var privileges: [String]

    /// `tollgate_app in public on tables`.
    public var label: String {
        "\(role)\(schema.map { " in \($0)" } ?? "") on \(objectType)"
    }
}

/// A publication (Supabase Realtime's `supabase_realtime`).
///
/// From `pg_publication`.
public struct Publication: Sendable, Hashable, Codable {
    public var name: String
    public var allTables: Bool
    /// `insert`, `update`, `delete`, `truncate`, as published.
    public var operations: [String]
    public var viaRoot: Bool
    /// `schema.table`, with a column list and row filter when it has them, sorted; empty for
    /// `FOR ALL TABLES`.
    public var tables: [String]
    /// Schemas published whole (`FOR TABLES IN SCHEMA`).
    public var schemas: [String] = []
}

/// A trigger that a user created (internal constraint triggers are left out).
///
/// From `pg_trigger`.
public struct Trigger: Sendable, Hashable, Codable {
    public var table: QualifiedName
    public var name: String
    public var function: QualifiedName
    /// `BEFORE`, `AFTER` or `INSTEAD OF`.
    public var timing: TriggerTiming
    /// `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`.
    public var events: [TriggerEvent]
    /// `ROW` or `STATEMENT`.
    public var level: String
    /// `tgenabled`: `O` enabled, `D` disabled, `R` replica only, `A` always.
    public var enabled: TriggerState
    public var definition: String
}

/// A row level security policy.
///
/// From `pg_policy`.
public struct Policy: Sendable, Hashable, Codable {
    public var table: QualifiedName
    public var name: String
    /// `polcmd`: `r` select, `a` insert, `w` update, `d` delete, `*` all.
    public var command: PolicyCommand
    public var permissive: Bool
    public var roles: [String]
    public var using: String?
    public var withCheck: String?

    /// The command as SQL spells it.
    public var commandName: String {
        command.name
    }
}
