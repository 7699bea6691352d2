import Foundation

/// Every object of a snapshot, keyed by kind and name, with its properties: what `compare` sets
/// side by side and what the ledger records a step left behind.
///
/// A description holds everything that matters about an object to the application and nothing
/// that differs by accident (OIDs, creation order, whitespace in definitions, an ACL left at
/// its default), so two identical databases give identical descriptions. Its properties let a
/// difference be named by what changed (`identity always → by default`), its text reads on one
/// line.
public enum SchemaObjects {
    /// `kind` is one of ``ObjectKind``; `name` is `schema.relation` for relations, types and
    /// sequences, `schema.relation.name` for what belongs to a relation,
    /// `schema.function(argument types)` for functions, and the bare name for schemas,
    /// extensions, event triggers, publications and default privileges.
    public struct Key: Sendable, Hashable, Comparable, Codable {
        public var kind: ObjectKind
        public var name: String

        public init(kind: ObjectKind, name: String) {
            self.kind = kind
            self.name = name
        }

        /// The relation a column, constraint, index, trigger or policy belongs to.
        public var relation: String? {
            guard kind.belongsToRelation, let dot = name.lastIndex(of: ".") else { return nil }
            return String(name[..<dot])
        }

        /// The schema the object lives in; empty for objects that live in none (extensions,
        /// event triggers, publications, default privileges).
        public var schema: String {
            switch kind {
            case .schema: return name
            case .extension, .eventTrigger, .publication, .defaultPrivileges: return ""
            default: return String(name.prefix { $0 != "." })
            }
        }

        public static func < (a: Self, b: Self) -> Bool {
            (a.name, a.kind.rawValue) < (b.name, b.kind.rawValue)
        }

        /// The name alone: objects of two kinds seldom share one, and a large schema's
        /// comparison hashes a key hundreds of thousands of times.
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    }

    /// One property of an object: a value, or a list of items.
    public struct Property: Sendable, Hashable, Codable {
        /// How a change reads: `identity`, `definition`, `values`.
        public var name: String
        public var value: String?
        public var items: [String]?
        /// What one item of the list is called in a change (`value` `archived` added).
        public var item: String?
        /// A change is said as `differs`, never shown inline (a function's body).
        public var summarized = false
        /// Only the order of the items both sides hold counts (a table's columns: an added
        /// column is the column's own difference, a new order is the table's).
        public var orderOnly = false

        public static func value(_ name: String, _ value: String?) -> Self {
            Self(name: name, value: value)
        }
        public static func code(_ name: String, _ value: String?) -> Self {
            Self(name: name, value: value, summarized: true)
        }
        public static func list(_ name: String, item: String, _ items: [String]) -> Self {
            Self(name: name, items: items, item: item)
        }
        public static func order(_ name: String, _ items: [String]) -> Self {
            Self(name: name, items: items, orderOnly: true)
        }
        public static func flag(_ name: String, _ on: Bool) -> Self {
            Self(name: name, value: on ? "yes" : "no")
        }
    }

    /// An object: its one line, and its properties in a fixed order.
    public struct Description: Sendable, Hashable, Codable {
        public var text: String
        public var properties: [Property]

        public init(_ text: String, _ properties: [Property]) {
            self.text = text
            self.properties = properties
        }
    }

    /// Every object's one line.
    public static func describe(_ snapshot: CatalogSnapshot) -> [Key: String] {
        details(snapshot).mapValues(\.text)
    }

    /// Every object with its properties.
    ///
    /// Objects in the schemas a platform manages (``platformSchemas``: Supabase's `auth`,
    /// `storage`, …) are left out, except what an application adds to them: triggers and
    /// policies on their tables, and functions that are not the platform's own.
    public static func details(_ snapshot: CatalogSnapshot) -> [Key: Description] {
        var objects: [Key: Description] = [:]
        objects.reserveCapacity(snapshot.objectCount)
        // Objects of a kind often share every property (an `id uuid` column in each of 2,000
        // tables): equal lists are kept once, which is most of what descriptions weigh. They
        // are found by their line, which equal properties give (hashing the line costs a
        // fraction of hashing the properties), and compared before they are shared.
        var shared: [String: [Property]] = [:]
        func add(_ kind: ObjectKind, _ name: String, _ text: String, _ properties: [Property]) {
            var properties = properties
            if let same = shared[text] {
                if same == properties { properties = same }
            } else {
                shared[text] = properties
            }
            objects[Key(kind: kind, name: name)] = Description(text, properties)
        }
        func platform(_ schema: String) -> Bool { platformSchemas.contains(schema) }

        for (schema, owner) in snapshot.schemas where !platform(schema) {
            let grants = snapshot.schemaPrivileges[schema] ?? []
            add(
                .schema, schema, "schema owned by \(owner)" + grantsText(grants),
                [.value("owner", owner), .list("privileges", item: "grant", grants)])
        }
        for ext in snapshot.extensions {
            // The platform's own extensions move with the server's version: their presence and
            // schema count, their version does not.
            if platformExtensions.contains(ext.name) {
                add(.extension, ext.name, "in \(ext.schema)", [.value("schema", ext.schema)])
            } else {
                add(
                    .extension, ext.name, "version \(ext.version) in \(ext.schema)",
                    [.value("version", ext.version), .value("schema", ext.schema)])
            }
        }
        for type in snapshot.types where !platform(type.name.schema) {
            add(.type, type.name.description, typeText(type), typeProperties(type))
        }
        for sequence in snapshot.sequences where !platform(sequence.name.schema) {
            add(
                .sequence, sequence.name.description, sequenceText(sequence),
                sequenceProperties(sequence))
        }
        for relation in snapshot.relations.values where !platform(relation.name.schema) {
            add(
                relation.isView ? .view : .table, relation.name.description,
                relationText(relation), relationProperties(relation))
            for column in relation.columns {
                add(
                    .column, "\(relation.name).\(column.name)", columnText(column),
                    columnProperties(column))
            }
        }
        for constraint in snapshot.constraints where !platform(constraint.table.schema) {
            let definition = squeeze(
                CatalogText.removing(" NOT VALID", from: constraint.definition))
            add(
                .constraint, "\(constraint.table).\(constraint.name)",
                definition + (constraint.validated ? "" : " (NOT VALID)"),
                [.value("definition", definition), .flag("validated", constraint.validated)])
        }
        for index in snapshot.indexes where !platform(index.table.schema) {
            let definition = squeeze(index.definition)
            let method = CatalogText.range(of: " USING ", in: definition).map {
                String(definition[$0.upperBound...].prefix { $0 != " " })
            }
            add(
                .index, "\(index.table).\(index.name)",
                definition + (index.valid ? "" : " (INVALID)"),
                [
                    .value("method", method), .value("definition", definition),
                    .flag("valid", index.valid),
                ])
        }
        for function in snapshot.functions
        where !isPlatformFunction(function) {
            add(.function, function.signature, functionText(function), functionProperties(function))
        }
        // A trigger on a platform table is the application's only when its function is too
        // (Storage's and Realtime's own triggers are the platform's).
        for trigger in snapshot.triggers
        where !platform(trigger.table.schema) || !platform(trigger.function.schema) {
            let text =
                "\(trigger.timing) \(trigger.events.map(\.rawValue).joined(separator: "/")) \(trigger.level) → \(trigger.function)"
                + (trigger.enabled == .disabled ? " (disabled)" : "")
                + triggerDetails(trigger.definition)
            add(
                .trigger, "\(trigger.table).\(trigger.name)", text,
                [
                    .value("timing", trigger.timing.rawValue),
                    .list("events", item: "event", trigger.events.map(\.rawValue)),
                    .value("level", trigger.level),
                    .value("function", trigger.function.description),
                    .value("enabled", trigger.enabled.rawValue),
                    .value("definition", squeeze(trigger.definition)),
                ])
        }
        for policy in snapshot.policies {
            let using = squeeze(policy.using ?? "true")
            let check = policy.withCheck.map(squeeze)
            add(
                .policy, "\(policy.table).\(policy.name)",
                "\(policy.commandName) to \(policy.roles.joined(separator: ", ")) using \(using)"
                    + (check.map { " with check \($0)" } ?? "")
                    + (policy.permissive ? "" : " (restrictive)"),
                [
                    .value("command", policy.commandName),
                    .value("type", policy.permissive ? "permissive" : "restrictive"),
                    .list("roles", item: "role", policy.roles), .value("using", using),
                    .value("with check", check),
                ])
        }
        for trigger in snapshot.eventTriggers where !platform(trigger.function.schema) {
            add(
                .eventTrigger, trigger.name,
                "on \(trigger.event) → \(trigger.function)"
                    + (trigger.tags.isEmpty
                        ? "" : " when tag in (\(trigger.tags.joined(separator: ", ")))")
                    + (trigger.enabled == "D" ? " (disabled)" : ""),
                [
                    .value("event", trigger.event),
                    .value("function", trigger.function.description),
                    .value("enabled", trigger.enabled), .list("tags", item: "tag", trigger.tags),
                ])
        }
        for defaults in snapshot.defaultPrivileges where !platform(defaults.schema ?? "") {
            add(
                .defaultPrivileges, defaults.label, defaults.privileges.joined(separator: " "),
                [.list("privileges", item: "grant", defaults.privileges)])
        }
        for publication in snapshot.publications {
            add(
                .publication, publication.name,
                (publication.allTables
                    ? "all tables" : "tables \(publication.tables.joined(separator: ", "))")
                    + (publication.schemas.isEmpty
                        ? "" : ", tables in schemas \(publication.schemas.joined(separator: ", "))")
                    + ", publishes \(publication.operations.joined(separator: "/"))"
                    + (publication.viaRoot ? ", via root" : ""),
                [
                    .flag("all tables", publication.allTables),
                    .list("tables", item: "table", publication.tables),
                    .list("schemas", item: "schema", publication.schemas),
                    .list("operations", item: "operation", publication.operations),
                    .flag("via root", publication.viaRoot),
                ])
        }
        return objects
    }

    /// Extensions hosted Supabase installs in every project.
    public static let platformExtensions: Set<String> = [
        "plpgsql", "pg_graphql", "pg_stat_statements", "pgcrypto", "pgjwt", "supabase_vault",
        "uuid-ossp", "pgsodium",
    ]

    /// The schemas Supabase manages: compared only for what an application adds to them.
    public static let platformSchemas: Set<String> = [
        "auth", "storage", "realtime", "_realtime", "extensions", "graphql", "graphql_public",
        "pgbouncer", "pgsodium", "pgsodium_masks", "vault", "supabase_functions",
        "supabase_migrations", "net", "cron", "_analytics", "pgtle",
    ]

    /// Whether a function is the platform's: Supabase Auth's own in `auth`
    /// (``SupabasePlatform``), or any in the other schemas Supabase manages.
    static func isPlatformFunction(_ function: Function) -> Bool {
        SupabasePlatform.defines(function)
            || (function.name.schema != "auth" && platformSchemas.contains(function.name.schema))
    }

    // MARK: - Kinds

    static func squeeze(_ text: String) -> String { CatalogText.oneLine(text) }

    /// What a trigger's line leaves out but its definition says: `UPDATE OF` columns and the
    /// `WHEN` condition.
    static func triggerDetails(_ definition: String) -> String {
        var text = ""
        if let of = CatalogText.range(of: " UPDATE OF ", in: definition),
            let on = CatalogText.range(of: " ON ", in: definition, from: of.upperBound)
        {
            text += ", of \(definition[of.upperBound..<on.lowerBound])"
        }
        if let when = CatalogText.range(of: " WHEN ", in: definition),
            let execute = CatalogText.range(of: " EXECUTE ", in: definition, from: when.upperBound)
        {
            text += ", when \(squeeze(String(definition[when.upperBound..<execute.lowerBound])))"
        }
        return text
    }

    static func grantsText(_ grants: [String]) -> String {
        grants.isEmpty ? "" : ", grants " + grants.joined(separator: " ")
    }

    static func relationKind(_ relation: Relation) -> String {
        switch relation.kind {
        case .partitionedTable: return "partitioned table"
        case .view: return "view"
        case .materializedView: return "materialized view"
        case .foreignTable: return "foreign table"
        default: return "table"
        }
    }

    static func relationText(_ relation: Relation) -> String {
        var text = relation.persistence.map { "\($0) " } ?? ""
        text += relationKind(relation)
        if let key = relation.partitionKey { text += " by \(key)" }
        if let bound = relation.partitionBound, let parent = relation.parents?.first {
            text += ", partition of \(parent) \(bound)"
        } else if let parents = relation.parents {
            text += ", inherits \(parents.joined(separator: ", "))"
        }
        if relation.rowSecurity {
            text += ", RLS enabled\(relation.forceRowSecurity ? " and forced" : "")"
        }
        if relation.isView {
            text += relation.securityInvoker ? ", security_invoker" : ", runs as its owner"
            let others = relation.options.filter { !$0.lowercased().hasPrefix("security_invoker") }
            if !others.isEmpty { text += ", with \(others.joined(separator: ", "))" }
            if let definition = relation.viewDefinition {
                text += ", definition \(SHA256.hex(squeeze(definition)).prefix(12))"
            }
        } else if !relation.options.isEmpty {
            text += ", with \(relation.options.joined(separator: ", "))"
        }
        if let identity = relation.replicaIdentity { text += ", replica identity \(identity)" }
        text += ", owner \(relation.owner)"
        text += grantsText(relation.privileges ?? relation.apiGrants)
        if let comment = relation.comment { text += ", comment \(quoted(comment))" }
        return text
    }

    /// A comment as it reads in a line: quoted, on one line, cut at 60 characters.
    static func quoted(_ text: String) -> String {
        let line = squeeze(text)
        return "\"" + (line.count <= 60 ? line : String(line.prefix(59)) + "…") + "\""
    }

    static func relationProperties(_ relation: Relation) -> [Property] {
        [
            .value("kind", relationKind(relation)),
            .value("persistence", relation.persistence ?? "logged"),
            .value("partition key", relation.partitionKey),
            .value("partition bound", relation.partitionBound),
            .list("parents", item: "parent", relation.parents ?? []),
            .value("row level security", relation.rowSecurity ? "enabled" : "disabled"),
            .value("forced row level security", relation.forceRowSecurity ? "yes" : "no"),
            .list("options", item: "option", relation.options),
            .value("definition", relation.viewDefinition.map(squeeze)),
            .value("replica identity", relation.replicaIdentity ?? "default"),
            .value("owner", relation.owner),
            .list("privileges", item: "grant", relation.privileges ?? relation.apiGrants),
            // Order matters to INSERT … VALUES, SELECT * and COPY; a change of order alone reads
            // as "columns in another order".
            .order("columns", relation.columns.map(\.name)),
            .value("comment", relation.comment),
        ]
    }

    static func columnText(_ column: Column) -> String {
        var text = column.type
        if let collation = column.collation { text += " collate \(collation)" }
        if column.notNull { text += " NOT NULL" }
        if let identity = column.identity { text += " generated \(identity) as identity" }
        if let expression = column.defaultExpression {
            text +=
                column.generated != nil
                ? " generated always as (\(expression)) stored" : " default \(expression)"
        }
        if let privileges = column.privileges, !privileges.isEmpty {
            text += ", grants " + privileges.joined(separator: " ")
        }
        if let comment = column.comment { text += ", comment \(quoted(comment))" }
        return text
    }

    static func columnProperties(_ column: Column) -> [Property] {
        let generated = column.generated != nil
        return [
            .value("type", column.type), .value("collation", column.collation),
            .value("NOT NULL", column.notNull ? "yes" : "no"),
            .value("identity", column.identity),
            .value("identity sequence", column.identitySequence),
            .value("default", generated ? nil : column.defaultExpression),
            .value("generated", generated ? column.defaultExpression : nil),
            .list("privileges", item: "grant", column.privileges ?? []),
            .value("comment", column.comment),
        ]
    }

    static func typeText(_ type: UserType) -> String {
        switch type.kind {
        case "enum":
            return "enum (\(type.values.joined(separator: ", ")))"
        case "domain":
            return "domain over \(type.base ?? "?")"
                + (type.collation.map { " collate \($0)" } ?? "")
                + (type.notNull ? " NOT NULL" : "")
                + (type.defaultExpression.map { " default \($0)" } ?? "")
                + (type.constraints.isEmpty
                    ? "" : ", " + type.constraints.map(squeeze).joined(separator: ", "))
        case "composite":
            return "composite (\(type.attributes.joined(separator: ", ")))"
        default:
            return "range of \(type.base ?? "?")"
        }
    }

    static func typeProperties(_ type: UserType) -> [Property] {
        [
            .value("kind", type.kind),
            .list("values", item: "value", type.values),
            .value(type.kind == "range" ? "subtype" : "base type", type.base),
            .value("collation", type.collation),
            .value("NOT NULL", type.notNull ? "yes" : "no"),
            .value("default", type.defaultExpression),
            .list("constraints", item: "constraint", type.constraints.map(squeeze)),
            .list("attributes", item: "attribute", type.attributes),
            .value("owner", type.owner),
        ]
    }

    static func sequenceText(_ sequence: DatabaseSequence) -> String {
        "\(sequence.type) start \(sequence.start) increment \(sequence.increment) from \(sequence.minimum) to \(sequence.maximum)"
            + (sequence.cache == 1 ? "" : " cache \(sequence.cache)")
            + (sequence.cycle ? " cycle" : "")
            + (sequence.ownedBy.map { ", owned by \($0)" } ?? "")
            + ", owner \(sequence.owner)" + grantsText(sequence.privileges)
    }

    static func sequenceProperties(_ sequence: DatabaseSequence) -> [Property] {
        [
            .value("type", sequence.type), .value("start", String(sequence.start)),
            .value("increment", String(sequence.increment)),
            .value("minimum", String(sequence.minimum)),
            .value("maximum", String(sequence.maximum)), .value("cache", String(sequence.cache)),
            .flag("cycle", sequence.cycle), .value("owned by", sequence.ownedBy),
            .value("owner", sequence.owner),
            .list("privileges", item: "grant", sequence.privileges),
        ]
    }

    static func functionText(_ function: Function) -> String {
        var text = function.kind.map { "\($0), " } ?? ""
        if let full = function.fullArguments, full != function.arguments {
            text += "arguments (\(full)), "
        }
        text += "returns \(function.result), \(function.language), \(function.volatility.name)"
        if let attributes = function.attributes {
            text += ", " + attributes.joined(separator: ", ")
        }
        if function.securityDefiner { text += ", security definer" }
        if !function.settings.isEmpty {
            text += ", set \(function.settings.joined(separator: " "))"
        }
        if let aggregate = function.aggregate { text += ", \(aggregate)" }
        text += ", body \(function.bodyHash.prefix(12)), owner \(function.owner)"
        text += grantsText(function.privileges ?? [])
        if let comment = function.comment { text += ", comment \(quoted(comment))" }
        return text
    }

    static func functionProperties(_ function: Function) -> [Property] {
        [
            .value("kind", function.kind ?? "function"),
            .value("arguments", function.fullArguments),
            .value("result", function.result), .value("language", function.language),
            .value("volatility", function.volatility.name),
            .list("attributes", item: "attribute", function.attributes ?? []),
            .value("security", function.securityDefiner ? "definer" : "invoker"),
            .list("settings", item: "setting", function.settings),
            .value("aggregate", function.aggregate),
            .code("body", function.body),
            .value("owner", function.owner),
            .list("privileges", item: "grant", function.privileges ?? []),
            .value("comment", function.comment),
        ]
    }
}

extension SchemaObjects {
    /// What changed from `reference` to `other`, one phrase per property:
    /// `identity always → by default`, `value \`archived\` added`, `definition differs`.
    public static func changes(from reference: Description, to other: Description) -> [String] {
        var names: [String] = []
        for property in reference.properties + other.properties where !names.contains(property.name)
        {
            names.append(property.name)
        }
        var phrases: [String] = []
        for name in names {
            let a = reference.properties.first { $0.name == name }
            let b = other.properties.first { $0.name == name }
            guard a != b else { continue }
            if a?.orderOnly == true || b?.orderOnly == true {
                if !sameOrder(a?.items ?? [], b?.items ?? []) {
                    phrases.append("\(name) in another order")
                }
                continue
            }
            if a?.items != nil || b?.items != nil {
                let before = a?.items ?? []
                let after = b?.items ?? []
                let item = a?.item ?? b?.item ?? "item"
                let added = after.filter { !before.contains($0) }
                let removed = before.filter { !after.contains($0) }
                phrases += phrase(item, added, "added") + phrase(item, removed, "removed")
                if added.isEmpty && removed.isEmpty && before != after {
                    phrases.append("\(name) in another order")
                }
                continue
            }
            let before = a?.value
            let after = b?.value
            if before == after { continue }
            if !(a?.summarized ?? false) && short(before) && short(after) {
                phrases.append("\(name) \(before ?? "none") → \(after ?? "none")")
            } else {
                phrases.append("\(name) differs")
            }
        }
        return phrases
    }

    /// Whether two objects are the same: their lines and their properties, where an order-only
    /// property counts only for the order of what both hold.
    public static func equivalent(_ a: Description?, _ b: Description?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        guard a.text == b.text, a.properties.count == b.properties.count else { return false }
        for (x, y) in zip(a.properties, b.properties) where x != y {
            guard x.orderOnly, y.orderOnly, x.name == y.name,
                sameOrder(x.items ?? [], y.items ?? [])
            else { return false }
        }
        return true
    }

    /// Whether the items both lists hold come in the same order in each.
    static func sameOrder(_ a: [String], _ b: [String]) -> Bool {
        let common = Set(a).intersection(b)
        return a.filter(common.contains) == b.filter(common.contains)
    }

    static func short(_ value: String?) -> Bool {
        guard let value else { return true }
        return value.count <= 48 && !value.contains("\n")
    }

    static func phrase(_ item: String, _ values: [String], _ verb: String) -> [String] {
        guard !values.isEmpty else { return [] }
        let shown = values.prefix(4).map { "`\($0)`" }.joined(separator: ", ")
        let more = values.count > 4 ? " and \(values.count - 4) more" : ""
        return ["\(item)\(values.count == 1 ? "" : "s") \(shown)\(more) \(verb)"]
    }
}

/// How catalog values read to a person.
enum CatalogText {
    /// Catalog expressions can span lines; a finding reads on one.
    static func oneLine(_ text: String) -> String {
        // Most definitions are one line already: no tab, newline, double or outer space.
        var space = true
        var clean = true
        for byte in text.utf8 {
            if byte == 0x0A || byte == 0x09 || byte == 0x0D || (byte == 0x20 && space) {
                clean = false
                break
            }
            space = byte == 0x20
        }
        if clean && !space { return text }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(
            separator: " ")
    }

    /// The first `needle` in `text` at or after `start`, compared byte for byte.
    ///
    /// Catalog definitions are searched for ASCII keywords (` USING `, ` WHEN `) tens of
    /// thousands of times in a large schema: Foundation's `range(of:)` goes through UTF-16 and
    /// cost a tenth of `compare`'s time. `needle` must be ASCII, so that every match starts and
    /// ends on a character of `text`.
    static func range(
        of needle: StaticString, in text: String, from start: String.Index? = nil
    ) -> Range<String.Index>? {
        let bytes = text.utf8
        let first = start.map { bytes.distance(from: bytes.startIndex, to: $0) } ?? 0
        let found: Int?? = bytes.withContiguousStorageIfAvailable { haystack in
            needle.withUTF8Buffer { needle in
                guard let lead = needle.first, haystack.count >= needle.count else { return nil }
                var offset = first
                while offset <= haystack.count - needle.count {
                    if haystack[offset] == lead
                        && memcmp(haystack.baseAddress! + offset, needle.baseAddress!, needle.count)
                            == 0
                    {
                        return offset
                    }
                    offset += 1
                }
                return nil
            }
        }
        // A string that is not stored as UTF-8 (bridged) is searched as Foundation would.
        guard let found else {
            let range = start.map { $0..<text.endIndex } ?? text.startIndex..<text.endIndex
            return text.range(of: needle.description, range: range)
        }
        guard let found else { return nil }
        let lower = bytes.index(bytes.startIndex, offsetBy: found)
        return lower..<bytes.index(lower, offsetBy: needle.utf8CodeUnitCount)
    }

    /// `text` without any `needle` (ASCII), which it seldom holds: searched by bytes.
    static func removing(_ needle: StaticString, from text: String) -> String {
        guard range(of: needle, in: text) != nil else { return text }
        return text.replacingOccurrences(of: needle.description, with: "")
    }
}
