import PostgresClient

/// The catalog's one-letter codes, named.
///
/// Each is a string-backed value, encoded as the code itself (so snapshots and fingerprints
/// read as before), with the codes PostgreSQL 15 documents as constants; a code a later
/// server adds still decodes, and reads as itself.
public protocol CatalogCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral, PostgresDecodable
where RawValue == String {
    init(rawValue: String)
}

extension CatalogCode {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public init(postgresText: String) { self.init(rawValue: postgresText) }
    public var description: String { rawValue }
}

/// `pg_class.relkind`.
public struct RelationKind: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let table: Self = "r"
    public static let partitionedTable: Self = "p"
    public static let view: Self = "v"
    public static let materializedView: Self = "m"
    public static let foreignTable: Self = "f"
}

/// `pg_constraint.contype`.
public struct ConstraintKind: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let primaryKey: Self = "p"
    public static let foreignKey: Self = "f"
    public static let unique: Self = "u"
    public static let check: Self = "c"
    public static let exclusion: Self = "x"
    public static let constraintTrigger: Self = "t"
}

/// `pg_proc.provolatile`.
public struct Volatility: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let immutable: Self = "i"
    public static let stable: Self = "s"
    public static let volatile: Self = "v"

    /// As SQL spells it: `immutable`, `stable`, `volatile`.
    public var name: String {
        switch self {
        case .immutable: return "immutable"
        case .stable: return "stable"
        case .volatile: return "volatile"
        default: return rawValue
        }
    }
}

/// `pg_trigger.tgenabled`.
public struct TriggerState: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let enabled: Self = "O"
    public static let disabled: Self = "D"
    public static let replicaOnly: Self = "R"
    public static let always: Self = "A"
}

/// `pg_policy.polcmd`.
public struct PolicyCommand: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let select: Self = "r"
    public static let insert: Self = "a"
    public static let update: Self = "w"
    public static let delete: Self = "d"
    public static let all: Self = "*"

    /// As SQL spells it: `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `ALL`.
    public var name: String {
        switch self {
        case .select: return "SELECT"
        case .insert: return "INSERT"
        case .update: return "UPDATE"
        case .delete: return "DELETE"
        case .all: return "ALL"
        default: return rawValue
        }
    }
}

/// The kinds of schema object a snapshot describes and `compare` lists.
public struct ObjectKind: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let table: Self = "table"
    public static let view: Self = "view"
    public static let column: Self = "column"
    public static let constraint: Self = "constraint"
    public static let index: Self = "index"
    public static let function: Self = "function"
    public static let trigger: Self = "trigger"
    public static let policy: Self = "policy"
    public static let schema: Self = "schema"
    public static let `extension`: Self = "extension"
    public static let type: Self = "type"
    public static let sequence: Self = "sequence"
    public static let eventTrigger: Self = "event trigger"
    public static let publication: Self = "publication"
    public static let defaultPrivileges: Self = "default privileges"

    /// Columns, constraints, indexes, triggers and policies: named after their relation.
    public var belongsToRelation: Bool {
        [Self.column, .constraint, .index, .trigger, .policy].contains(self)
    }

    /// The kind's name for a group of objects: `tables`, `default privileges`.
    public var plural: String {
        switch self {
        case .index: return "indexes"
        case .policy: return "policies"
        case .defaultPrivileges: return "default privileges"
        default: return rawValue + "s"
        }
    }

    /// Every kind, in the order reports group them.
    public static let all: [Self] = [
        .schema, .extension, .type, .sequence, .table, .view, .column, .constraint, .index,
        .function, .trigger, .policy, .eventTrigger, .publication, .defaultPrivileges,
    ]
}

/// When a trigger fires, as `pg_get_triggerdef` words it.
public struct TriggerTiming: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let before: Self = "BEFORE"
    public static let after: Self = "AFTER"
    public static let insteadOf: Self = "INSTEAD OF"
}

/// What a trigger fires on.
public struct TriggerEvent: CatalogCode {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let insert: Self = "INSERT"
    public static let update: Self = "UPDATE"
    public static let delete: Self = "DELETE"
    public static let truncate: Self = "TRUNCATE"
}
