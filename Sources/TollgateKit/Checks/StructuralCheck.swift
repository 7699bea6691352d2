/// Matches structural checks against a catalog snapshot, and says in words what they want.
enum StructuralCheck {
    struct Matches {
        /// Objects that satisfy the check, described.
        var found: [String] = []
        /// When nothing matched: the closest thing that is there, to show as "found".
        var nearMiss: String?
    }

    static func describe(_ kind: CheckDefinition.Kind, substitute: (String) -> String) -> String {
        switch kind {
        case .table(let table):
            return "table \(QualifiedName(parsing: substitute(table)))"
        case .column(let table, let name, let type, let notNull):
            var text = "column \(QualifiedName(parsing: substitute(table))).\(name)"
            if let type { text += " \(type)" }
            if let notNull { text += notNull ? " NOT NULL" : " nullable" }
            return text
        case .foreignKey(let table, let columns, let references, let validated):
            return "\(validated ? "validated " : "")foreign key \(QualifiedName(parsing: substitute(table)))(\(columns.joined(separator: ", "))) → \(substitute(references))"
        case .index(let table, let columns, let unique):
            return "\(unique == true ? "unique " : "")valid index on \(QualifiedName(parsing: substitute(table)))(\(columns.joined(separator: ", ")))"
        case .function(let name, let schema, let returns, let volatility, let securityDefiner, let bodyContains, let ownerNot, let applicationOnly):
            var text = (applicationOnly ? "application function " : "function ")
                + (name.map { QualifiedName(parsing: substitute($0)).description } ?? "in schema \(schema ?? "any")")
            if let returns { text += " returning \(returns)" }
            if let volatility { text += " \(volatility)" }
            if let securityDefiner { text += securityDefiner ? " security definer" : " security invoker" }
            if let bodyContains { text += " reading \(bodyContains)" }
            if let ownerNot { text += " owned by a role other than \(ownerNot)" }
            return text
        case .trigger(let table, let function, let events, let timing):
            var text = "trigger on \(QualifiedName(parsing: substitute(table)))"
            if let timing { text += " \(timing)" }
            if let events { text += " \(events.joined(separator: "/"))" }
            if let function { text += " executing \(QualifiedName(parsing: substitute(function)))" }
            return text
        case .rowLevelSecurity(let table, let forced):
            return "row level security enabled\(forced == true ? " and forced" : "") on \(QualifiedName(parsing: substitute(table)))"
        case .policy(let table, let command, let roles, let usingContains, let withCheck):
            var text = "policy on \(QualifiedName(parsing: substitute(table)))"
            if let command { text += " for \(command.uppercased())" }
            if let roles { text += " to \(roles.joined(separator: ", "))" }
            if let usingContains { text += " using \(usingContains)" }
            if withCheck == true { text += " with a WITH CHECK" }
            return text
        case .noRows:
            return "no rows from the query"
        case .probe(let kind, let table):
            let name = QualifiedName(parsing: substitute(table))
            switch kind {
            case .tenantIsolation: return "tenants of \(name) see only their organisation's rows and cannot write into another's"
            case .immutability: return "changing org_id on \(name) is rejected"
            case .claimSpoofing: return "user_metadata.org_id grants no access to \(name)"
            }
        }
    }

    static func matches(_ kind: CheckDefinition.Kind, in snapshot: CatalogSnapshot, substitute: (String) -> String) -> Matches {
        var result = Matches()
        switch kind {
        case .table(let table):
            let name = QualifiedName(parsing: substitute(table))
            if let relation = snapshot.relation(name), relation.isTable { result.found = ["table \(name)"] }
            else if let relation = snapshot.relation(name) { result.nearMiss = "\(name) is a \(relation.isView ? "view" : "relation of kind \(relation.kind)")" }
            else { result.nearMiss = "no table \(name)" }

        case .column(let table, let columnName, let type, let notNull):
            let name = QualifiedName(parsing: substitute(table))
            guard let relation = snapshot.relation(name) else {
                result.nearMiss = "no table \(name)"
                break
            }
            guard let column = relation.column(columnName) else {
                let others = relation.columns.map(\.name).filter { $0.hasSuffix("_id") }
                result.nearMiss = "no column \(columnName)" + (others.isEmpty ? "" : " (has \(others.joined(separator: ", ")))")
                break
            }
            let found = "\(column.name) \(column.type)\(column.notNull ? " NOT NULL" : " nullable")"
            if (type == nil || type == column.type) && (notNull == nil || notNull == column.notNull) {
                result.found = ["column \(name).\(found)"]
            } else {
                result.nearMiss = found
            }

        case .foreignKey(let table, let columns, let references, let validated):
            let name = QualifiedName(parsing: substitute(table))
            let (target, targetColumns) = parseReference(substitute(references))
            let candidates = snapshot.constraints(on: name).filter {
                $0.kind == "f" && $0.columns == columns && $0.referencedTable == target
                    && (targetColumns.isEmpty || $0.referencedColumns == targetColumns)
            }
            if let good = candidates.first(where: { !validated || $0.validated }) {
                result.found = ["foreign key \(good.name)"]
            } else if let notValid = candidates.first {
                result.nearMiss = "foreign key \(notValid.name) is NOT VALID (run ALTER TABLE \(name) VALIDATE CONSTRAINT \(notValid.name))"
            } else if snapshot.relation(name) == nil {
                result.nearMiss = "no table \(name)"
            } else {
                let other = snapshot.constraints(on: name).filter { $0.kind == "f" && $0.columns == columns }
                result.nearMiss = other.first.map { "foreign key \($0.name) references \($0.referencedTable?.description ?? "?")" }
                    ?? "no foreign key on \(columns.joined(separator: ", "))"
            }

        case .index(let table, let columns, let unique):
            let name = QualifiedName(parsing: substitute(table))
            let candidates = snapshot.indexes(on: name).filter { Array($0.columns.prefix(columns.count)) == columns }
            if let good = candidates.first(where: { $0.valid && (unique == nil || $0.unique == unique) }) {
                result.found = ["index \(good.name)"]
            } else if let invalid = candidates.first(where: { !$0.valid }) {
                result.nearMiss = "index \(invalid.name) is INVALID (a CREATE INDEX CONCURRENTLY did not finish: drop it and build it again)"
            } else {
                result.nearMiss = snapshot.relation(name) == nil ? "no table \(name)" : "no index leading with \(columns.joined(separator: ", "))"
            }

        case .function(let functionName, let schema, let returns, let volatility, let securityDefiner, let bodyContains, let ownerNot, let applicationOnly):
            let wanted = functionName.map { QualifiedName(parsing: substitute($0)) }
            let named = snapshot.functions.filter { function in
                (wanted == nil || function.name == wanted) && (schema == nil || function.name.schema == schema)
                    && (ownerNot == nil || function.owner != ownerNot)
                    && (!applicationOnly || !SupabasePlatform.defines(function))
            }
            let good = named.filter { function in
                (returns == nil || function.result == returns)
                    && (volatility == nil || volatilityName(function.volatility) == volatility!.lowercased())
                    && (securityDefiner == nil || function.securityDefiner == securityDefiner)
                    && (bodyContains == nil || function.body.contains(bodyContains!))
            }
            result.found = good.map { "function \($0.signature) (owner \($0.owner))" }
            if good.isEmpty {
                if let first = named.first {
                    result.nearMiss = "function \(first.signature) returns \(first.result), \(volatilityName(first.volatility))\(first.securityDefiner ? ", security definer" : "")"
                } else if let wanted {
                    let elsewhere = snapshot.functions.filter { $0.name.name == wanted.name }
                    result.nearMiss = elsewhere.isEmpty
                        ? "no function \(wanted)"
                        : "no function \(wanted); found \(elsewhere.map(\.name.description).joined(separator: ", "))"
                }
            }

        case .trigger(let table, let function, let events, let timing):
            let name = QualifiedName(parsing: substitute(table))
            let wantedFunction = function.map { QualifiedName(parsing: substitute($0)) }
            let good = snapshot.triggers(on: name).filter { trigger in
                trigger.enabled != "D"
                    && (wantedFunction == nil || trigger.function == wantedFunction)
                    && (timing == nil || trigger.timing == timing!.uppercased())
                    && (events == nil || Set(events!.map { $0.uppercased() }).isSubset(of: Set(trigger.events)))
            }
            result.found = good.map { "trigger \($0.name)" }
            if good.isEmpty {
                let present = snapshot.triggers(on: name)
                result.nearMiss = present.isEmpty
                    ? (snapshot.relation(name) == nil ? "no table \(name)" : "no trigger")
                    : "triggers \(present.map { "\($0.name)\($0.enabled == "D" ? " (disabled)" : "")" }.joined(separator: ", ")) do not match"
            }

        case .rowLevelSecurity(let table, let forced):
            let name = QualifiedName(parsing: substitute(table))
            if let relation = snapshot.relation(name) {
                if relation.rowSecurity && (forced != true || relation.forceRowSecurity) {
                    result.found = ["row level security on \(name)"]
                } else {
                    result.nearMiss = relation.rowSecurity ? "enabled but not forced" : "row level security disabled"
                }
            } else {
                result.nearMiss = "no table \(name)"
            }

        case .policy(let table, let command, let roles, let usingContains, let withCheck):
            let name = QualifiedName(parsing: substitute(table))
            let policies = snapshot.policies(on: name)
            let good = policies.filter { policy in
                (command == nil || policy.commandName == command!.uppercased() || policy.command == "*")
                    && (roles == nil || Set(roles!).isSubset(of: Set(policy.roles)))
                    && (usingContains == nil || (policy.using ?? "").contains(usingContains!))
                    && (withCheck != true || policy.withCheck != nil || policy.commandName == "SELECT" || policy.commandName == "DELETE")
            }
            result.found = good.map { "policy \($0.name)" }
            if good.isEmpty {
                result.nearMiss = policies.isEmpty
                    ? (snapshot.relation(name) == nil ? "no table \(name)" : "no policy")
                    : policies.map { "policy \($0.name) for \($0.commandName) using \(oneLine($0.using ?? "true"))" }.joined(separator: "; ")
            }

        case .noRows, .probe:
            break
        }
        return result
    }

    static func oneLine(_ text: String) -> String { CatalogText.oneLine(text) }
    static func volatilityName(_ code: String) -> String { CatalogText.volatilityName(code) }

    /// `public.organizations(id)` → the table and its columns.
    static func parseReference(_ text: String) -> (QualifiedName, [String]) {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
            return (QualifiedName(parsing: text.trimmingCharacters(in: .whitespaces)), [])
        }
        let table = QualifiedName(parsing: text[..<open].trimmingCharacters(in: .whitespaces))
        let columns = text[text.index(after: open)..<text.index(before: text.endIndex)]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return (table, columns)
    }
}
