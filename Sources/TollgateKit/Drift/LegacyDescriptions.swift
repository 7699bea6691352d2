/// The one-line descriptions Tollgate recorded in `schema_effects` before objects carried
/// their properties (snapshot version 1): a step's effect recorded then still matches the
/// object it left, so an upgrade does not turn every recorded object into drift.
///
/// Frozen: never change this text; new descriptions come from ``SchemaObjects``.
enum LegacyDescriptions {
    typealias Key = SchemaObjects.Key

    static func describe(_ snapshot: CatalogSnapshot) -> [Key: String] {
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
                + ", body \((function.sourceHash ?? function.bodyHash).prefix(12))"
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
