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

    public var signature: String { "\(name)(\(arguments))" }
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
