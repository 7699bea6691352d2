/// Every object of a snapshot as one line of text, keyed by kind and name: what `compare` sets
/// side by side and what the ledger records a step left behind.
///
/// A description holds everything that matters about an object and nothing that differs by
/// accident (OIDs, creation order, whitespace in definitions), so two identical databases give
/// identical descriptions.
public enum SchemaObjects {
    /// `kind` is `table`, `view`, `column`, `constraint`, `index`, `function`, `trigger` or
    /// `policy`; `name` is `schema.relation` for relations, `schema.relation.name` for what
    /// belongs to a relation, and `schema.function(argument types)` for functions.
    public struct Key: Sendable, Hashable, Comparable, Codable {
        public var kind: ObjectKind
        public var name: String

        public init(kind: ObjectKind, name: String) {
            self.kind = kind
            self.name = name
        }

        /// The relation a column, constraint, index, trigger or policy belongs to.
        public var relation: String? {
            guard ![ObjectKind.table, .view, .function].contains(kind),
                let dot = name.lastIndex(of: ".")
            else { return nil }
            return String(name[..<dot])
        }

        /// The schema the object lives in.
        public var schema: String { String(name.prefix { $0 != "." }) }

        public static func < (a: Self, b: Self) -> Bool {
            (a.name, a.kind.rawValue) < (b.name, b.kind.rawValue)
        }
    }

    public static func describe(_ snapshot: CatalogSnapshot) -> [Key: String] {
        func squeeze(_ text: String?) -> String { CatalogText.oneLine(text ?? "") }
        var objects: [Key: String] = [:]
        for relation in snapshot.relations.values {
            let kind: ObjectKind = relation.isView ? .view : .table
            var text = relation.isView ? "view" : "table"
            if relation.rowSecurity {
                text += ", RLS enabled\(relation.forceRowSecurity ? " and forced" : "")"
            }
            if relation.isView {
                text += relation.securityInvoker ? ", security_invoker" : ", runs as its owner"
            }
            if !relation.apiGrants.isEmpty {
                text += ", grants " + relation.apiGrants.joined(separator: " ")
            }
            objects[Key(kind: kind, name: relation.name.description)] = text
            for column in relation.columns {
                objects[Key(kind: .column, name: "\(relation.name).\(column.name)")] =
                    column.type + (column.notNull ? " NOT NULL" : "")
                    + (column.defaultExpression.map { " default \($0)" } ?? "")
            }
        }
        for constraint in snapshot.constraints {
            objects[Key(kind: .constraint, name: "\(constraint.table).\(constraint.name)")] =
                squeeze(constraint.definition.replacingOccurrences(of: " NOT VALID", with: ""))
                + (constraint.validated ? "" : " (NOT VALID)")
        }
        for index in snapshot.indexes {
            objects[Key(kind: .index, name: "\(index.table).\(index.name)")] =
                squeeze(index.definition) + (index.valid ? "" : " (INVALID)")
        }
        for function in snapshot.functions {
            objects[Key(kind: .function, name: function.signature)] =
                "returns \(function.result), \(function.volatility.name)"
                + (function.securityDefiner ? ", security definer" : "")
                + (function.settings.isEmpty
                    ? "" : ", set \(function.settings.joined(separator: " "))")
                + ", body \(function.bodyHash.prefix(12))"
        }
        for trigger in snapshot.triggers {
            objects[Key(kind: .trigger, name: "\(trigger.table).\(trigger.name)")] =
                "\(trigger.timing) \(trigger.events.map(\.rawValue).joined(separator: "/")) \(trigger.level) → \(trigger.function)"
                + (trigger.enabled == .disabled ? " (disabled)" : "")
        }
        for policy in snapshot.policies {
            objects[Key(kind: .policy, name: "\(policy.table).\(policy.name)")] =
                "\(policy.commandName) to \(policy.roles.joined(separator: ", ")) using \(squeeze(policy.using ?? "true"))"
                + (policy.withCheck.map { " with check \(squeeze($0))" } ?? "")
                + (policy.permissive ? "" : " (restrictive)")
        }
        return objects
    }
}

/// How catalog values read to a person.
enum CatalogText {
    /// Catalog expressions can span lines; a finding reads on one.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }

}
