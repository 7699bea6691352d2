import Foundation

/// A check that gives several results for one subject: each unmet expectation of its own.
protocol ExpandingCheck: CheckKind {
    /// All results of the check on one environment; `base` carries its id, fix and location.
    func evaluateAll(
        _ check: CheckDefinition, base: CheckResult, snapshot: CatalogSnapshot,
        runner: CheckRunner
    ) -> [CheckResult]
}

/// The code's expectations, read once per run of Tollgate however many environments a gate
/// checks.
final class CodeExpectationsCache: @unchecked Sendable {
    private let lock = NSLock()
    private var read: [String: Result<CodeExpectations, CodeReader.Problem>] = [:]
    /// How many times the code was read: once per distinct check, whatever the environments.
    var reads: Int { lock.withLock { read.count } }

    func expectations(_ check: CodeCheck, root: URL) -> Result<CodeExpectations, CodeReader.Problem>
    {
        let key = (check.paths + ["types:" + (check.types ?? "")]).joined(separator: "\n")
        lock.lock()
        defer { lock.unlock() }
        if let cached = read[key] { return cached }
        let result: Result<CodeExpectations, CodeReader.Problem>
        do {
            result = .success(
                try CodeReader.read(paths: check.paths, types: check.types, root: root))
        } catch let problem as CodeReader.Problem {
            result = .failure(problem)
        } catch {
            result = .failure(CodeReader.Problem(description: "\(error)"))
        }
        read[key] = result
        return result
    }
}

extension CodeCheck: ExpandingCheck {
    func evaluateAll(
        _ check: CheckDefinition, base: CheckResult, snapshot: CatalogSnapshot,
        runner: CheckRunner
    ) -> [CheckResult] {
        var result = base
        result.expected = expectation { $0 }
        switch runner.code.expectations(self, root: runner.project.root) {
        case .failure(let problem):
            result.outcome = .error
            result.found = problem.description
            return [result]
        case .success(let expectations):
            let failures = CodeMatcher(snapshot: snapshot, typesFile: expectations.typesFile)
                .failures(expectations)
            guard !failures.isEmpty else {
                result.expected += " (\(expectations.count) expectations)"
                return [result]
            }
            return failures.map { failure in
                var result = base
                result.outcome = .failed
                result.subject = failure.subject
                result.expected = failure.expected
                result.found = failure.found
                result.citedAt = failure.sites.sites.map(\.description)
                result.citedCount = failure.sites.count
                return result
            }
        }
    }
}

/// Matches ``CodeExpectations`` against a catalog snapshot, as PostgREST would resolve the
/// same requests: a missing table, column or function, an embed with no relationship or an
/// ambiguous one, an upsert target with no unique key, and a column the types file declares
/// NOT NULL that is nullable here.
struct CodeMatcher {
    struct Failure: Equatable {
        var subject: String
        var expected: String
        var found: String
        var sites: CodeSites
    }

    let snapshot: CatalogSnapshot
    /// The types file the expectations were read with, if any.
    var typesFile: String? = nil

    func failures(_ expectations: CodeExpectations) -> [Failure] {
        var failures: [Failure] = []
        for table in expectations.tables.values.sorted(by: { $0.name < $1.name }) {
            failures += self.failures(table, typesFile: expectations.typesFile)
        }
        for function in expectations.functions.values.sorted(by: { $0.name < $1.name }) {
            failures += self.failures(function)
        }
        // A column read both directly and through an embed is one failure, with both sites.
        var merged: [Failure] = []
        for failure in failures {
            if let index = merged.firstIndex(where: {
                $0.subject == failure.subject && $0.found == failure.found
            }) {
                merged[index].sites.add(failure.sites)
            } else {
                merged.append(failure)
            }
        }
        // By object, so that a table's own failures and its embeds' read together.
        return merged.sorted { $0.subject < $1.subject }
    }

    /// What the types file says of an expectation: that it declares it too, or (where the
    /// code and the types file disagree) that it does not.
    func alsoTypes(_ site: CodeSite?) -> String {
        if let site { return ", as the types file does (\(site))" }
        if let typesFile { return ", though the types file (\(typesFile)) does not declare it" }
        return ""
    }

    func failures(_ table: CodeExpectations.TableUse, typesFile: String?) -> [Failure] {
        guard let relation = snapshot.relation(table.name) else {
            let others = snapshot.relations.keys.filter { $0.schema == table.name.schema }
                .map(\.name)
            let nearest = Suggestion.closest(to: table.name.name, in: others)
            let columns = table.columns.keys.sorted()
            return [
                Failure(
                    subject: table.name.description,
                    expected: "table \(table.name), which the code uses"
                        + alsoTypes(table.typesSite),
                    found: "no table \(table.name)"
                        + (nearest.map { " (nearest: \(table.name.schema).\($0))" } ?? "")
                        + (columns.isEmpty
                            ? ""
                            : "; the code also expects its columns \(Self.list(columns))"),
                    sites: table.sites)
            ]
        }
        var failures: [Failure] = []
        for column in table.columns.values.sorted(by: { $0.name < $1.name }) {
            if let failure = self.failure(column, in: relation, what: "column \(table.name).") {
                failures.append(failure)
            }
        }
        for target in table.conflictTargets.keys.sorted() {
            let columns = target.split(separator: ",").map(String.init)
            let keys = uniqueKeys(of: table.name)
            guard !keys.contains(where: { Set($0) == Set(columns) }) else { continue }
            failures.append(
                Failure(
                    subject: "\(table.name) unique (\(target))",
                    expected:
                        "a unique constraint or index on \(table.name) (\(target)) for upsert's onConflict",
                    found: "none (42P10 at run time); unique keys here: "
                        + (keys.isEmpty
                            ? "none"
                            : keys.map { "(\($0.joined(separator: ", ")))" }.joined(separator: ", ")),
                    sites: table.conflictTargets[target]!))
        }
        for embed in table.embeds.values.sorted(by: {
            ($0.target, $0.hint ?? "") < ($1.target, $1.hint ?? "")
        }) {
            failures += self.failures(embed, from: relation)
        }
        return failures
    }

    static func list(_ names: [String]) -> String {
        names.count > 6
            ? names.prefix(6).joined(separator: ", ") + " and \(names.count - 6) more"
            : names.joined(separator: ", ")
    }

    /// A column that is not there, or that the types file declares NOT NULL and is nullable.
    /// - Parameter embedded: true for a column read through an embed, whose table the types
    ///   file was not asked about.
    func failure(
        _ column: CodeExpectations.ColumnUse, in relation: Relation, what prefix: String,
        embedded: Bool = false
    ) -> Failure? {
        var sites = column.sites
        if column.fromTypes, let site = column.typesSite { sites.add(site) }
        guard let found = relation.column(column.name) else {
            let others = relation.columns.map(\.name)
            var near: [String] = []
            if let underscore = column.name.lastIndex(of: "_") {
                let suffix = column.name[underscore...]
                near = others.filter { $0.hasSuffix(suffix) && $0 != "id" }
            }
            if near.isEmpty, let closest = Suggestion.closest(to: column.name, in: others) {
                near = [closest]
            }
            return Failure(
                subject: "\(relation.name).\(column.name)",
                expected: "\(prefix)\(column.name), which the code "
                    + (column.fromTypes
                        ? "reads with select('*'), compiled against the types file (\(column.typesSite!))"
                        : "uses (\(column.uses.sorted().map(\.rawValue).joined(separator: ", ")))"
                            + (embedded ? "" : alsoTypes(column.typesSite))),
                found: "no column \(column.name) on \(relation.name)"
                    + (near.isEmpty ? "" : " (has \(near.joined(separator: ", ")))"),
                sites: sites)
        }
        // Only where the code reads the column: a value it writes or filters on cannot
        // surprise it with null.
        if column.typesNullable == false, !found.notNull, relation.isTable,
            column.uses.contains(.select) || column.fromTypes
        {
            return Failure(
                subject: "\(relation.name).\(column.name)",
                expected:
                    "\(prefix)\(column.name) NOT NULL, as the types file the code compiled against declares (\(column.typesSite!))",
                found: "\(column.name) \(found.type) nullable: the code may receive null",
                sites: sites)
        }
        return nil
    }

    /// Column sets of the table's unique constraints and non-partial unique indexes.
    func uniqueKeys(of table: QualifiedName) -> [[String]] {
        var keys = snapshot.indexes(on: table).filter {
            $0.unique && $0.predicate == nil && $0.valid
        }
        .map(\.columns)
        keys += snapshot.constraints(on: table).filter {
            $0.kind == .primaryKey || $0.kind == .unique
        }.map(\.columns)
        var seen = Set<[String]>()
        return keys.filter { seen.insert($0).inserted }
    }

    // MARK: Embeds

    /// One relationship PostgREST knows from a table: a foreign key read from either end, or
    /// a many-to-many through a join table.
    struct Relationship {
        enum Cardinality { case manyToOne, oneToMany, manyToMany }
        var target: QualifiedName
        var cardinality: Cardinality
        /// The foreign key's constraint (the origin's side for many-to-many).
        var constraint: String
        /// (origin column, target column) pairs, for single-column hints.
        var columns: [(String, String)]
        var junction: QualifiedName?

        var hintName: String {
            junction?.name ?? constraint
        }
    }

    func relationships(from origin: QualifiedName) -> [Relationship] {
        var result: [Relationship] = []
        let foreignKeys = snapshot.constraints.filter {
            $0.kind == .foreignKey && $0.referencedTable != nil
        }
        for key in foreignKeys {
            let referenced = key.referencedTable!
            let pairs = Array(zip(key.columns, key.referencedColumns))
            if key.table == origin, referenced.schema == origin.schema {
                result.append(
                    Relationship(
                        target: referenced, cardinality: .manyToOne, constraint: key.name,
                        columns: pairs))
            }
            if referenced == origin, key.table.schema == origin.schema {
                result.append(
                    Relationship(
                        target: key.table, cardinality: .oneToMany, constraint: key.name,
                        columns: pairs.map { ($0.1, $0.0) }))
            }
        }
        // Many-to-many: a table with foreign keys to the origin and to the target, both held
        // by its primary key.
        for first in foreignKeys
        where first.referencedTable == origin && first.table.schema == origin.schema {
            let junction = first.table
            let primary = Set(
                snapshot.constraints(on: junction).first { $0.kind == .primaryKey }?.columns ?? [])
            for second in foreignKeys
            where second.table == junction && second.name != first.name
                && second.referencedTable!.schema == origin.schema
            {
                guard Set(first.columns + second.columns).isSubset(of: primary) else { continue }
                result.append(
                    Relationship(
                        target: second.referencedTable!, cardinality: .manyToMany,
                        constraint: first.name, columns: [], junction: junction))
            }
        }
        return result
    }

    /// PostgREST's `findRel`: which relationships `target!hint` names from `origin`.
    func candidates(
        from origin: QualifiedName, target: String, hint: String?
    ) -> [Relationship] {
        relationships(from: origin).filter { relationship in
            let singleColumn = relationship.columns.count == 1 ? relationship.columns[0] : nil
            let isSelf = relationship.target == origin
            if isSelf {
                if let hint {
                    return target == relationship.target.name
                        && relationship.cardinality == .oneToMany && singleColumn?.1 == hint
                }
                return
                    (target == relationship.target.name
                    && relationship.cardinality == .oneToMany)
                    || (relationship.cardinality == .manyToOne && singleColumn?.0 == target)
            }
            guard let hint else {
                return target == relationship.target.name
                    || (relationship.cardinality != .manyToMany
                        && (target == relationship.constraint || singleColumn?.0 == target))
            }
            guard target == relationship.target.name else { return false }
            if relationship.cardinality == .manyToMany {
                return relationship.junction?.name == hint
            }
            return hint == relationship.constraint || singleColumn?.0 == hint
                || singleColumn?.1 == hint
        }
    }

    func failures(_ embed: CodeExpectations.Embed, from origin: Relation) -> [Failure] {
        let name = CodeExpectations.Embed.key(embed.target, embed.hint)
        let subject = "\(origin.name) → \(name)"
        // Relationships through views come from their base tables: not followed here.
        guard origin.isTable else { return [] }
        let found = candidates(from: origin.name, target: embed.target, hint: embed.hint)
        guard found.count == 1, let target = snapshot.relation(found[0].target) else {
            if found.isEmpty {
                let viewTarget = snapshot.relation(QualifiedName(origin.name.schema, embed.target))
                if viewTarget?.isView == true { return [] }
                return [
                    Failure(
                        subject: subject,
                        expected:
                            "a relationship PostgREST can embed from \(origin.name.name) to \(name) (a foreign key either way, or a join table)",
                        found:
                            "none: PGRST200 \"Could not find a relationship between '\(origin.name.name)' and '\(embed.target)' in the schema cache\"",
                        sites: embed.sites)
                ]
            }
            let options = found.map { "\(embed.target)!\($0.hintName)" }.sorted()
            return [
                Failure(
                    subject: subject,
                    expected: "one relationship from \(origin.name.name) to \(name)",
                    found:
                        "\(found.count): PGRST201 \"Could not embed because more than one relationship was found for '\(origin.name.name)' and '\(embed.target)'\"; write one of \(options.joined(separator: ", "))",
                    sites: embed.sites)
            ]
        }
        var failures: [Failure] = []
        for column in embed.columns.values.sorted(by: { $0.name < $1.name }) {
            if let failure = self.failure(
                column, in: target,
                what: "column \(target.name). (embedded from \(origin.name.name)) ", embedded: true)
            {
                failures.append(failure)
            }
        }
        for inner in embed.embeds.values.sorted(by: {
            ($0.target, $0.hint ?? "") < ($1.target, $1.hint ?? "")
        }) {
            failures += self.failures(inner, from: target)
        }
        return failures
    }

    // MARK: Functions

    /// An `rpc` call PostgREST would not find: no function of that name, or none whose
    /// arguments match the names the code passes.
    func failures(_ call: CodeExpectations.FunctionCall) -> [Failure] {
        let functions = snapshot.functions(named: call.name).filter {
            ($0.kind ?? "f") == "f"
        }
        var failures: [Failure] = []
        for arguments in call.argumentSets.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let sites = call.argumentSets[arguments]!
            let subject = "\(call.name)(\(arguments.joined(separator: ", ")))"
            let expected =
                "function \(subject), which the code calls with rpc"
                + alsoTypes(call.typesSite)
            if functions.isEmpty {
                let others = snapshot.functions.filter { $0.name.schema == call.name.schema }
                    .map(\.name.name)
                let nearest = Suggestion.closest(to: call.name.name, in: others)
                failures.append(
                    Failure(
                        subject: subject, expected: expected,
                        found: "no function \(call.name)"
                            + (nearest.map { " (nearest: \(call.name.schema).\($0))" } ?? "")
                            + ": PGRST202 at run time",
                        sites: sites))
                continue
            }
            if arguments == ["…"] { continue }  // arguments not read: the name is there
            let given = Set(arguments)
            let byNames = functions.filter { function in
                let parameters = Self.parameters(function.fullArguments ?? function.arguments)
                let names = Set(parameters.compactMap(\.name))
                let required = Set(parameters.filter { !$0.hasDefault }.compactMap(\.name))
                return given.isSubset(of: names) && required.isSubset(of: given)
                    && parameters.allSatisfy { $0.name != nil || $0.hasDefault }
            }
            // A single unnamed json or jsonb parameter takes the whole body, but only when no
            // function matches by names (PostgREST's findProc).
            let matching =
                byNames.isEmpty
                ? functions.filter { function in
                    let parameters = Self.parameters(function.fullArguments ?? function.arguments)
                    return parameters.count == 1 && parameters[0].name == nil
                        && ["json", "jsonb"].contains(parameters[0].type)
                } : byNames
            if matching.count > 1 {
                failures.append(
                    Failure(
                        subject: subject, expected: "one function \(subject)",
                        found:
                            "\(matching.count) overloads take these arguments (\(matching.map(\.signature).sorted().joined(separator: "; "))): PGRST203 at run time",
                        sites: sites))
            }
            if matching.isEmpty {
                failures.append(
                    Failure(
                        subject: subject, expected: expected,
                        found: "\(functions.map(\.signature).sorted().joined(separator: "; ")) "
                            + "takes other arguments: PGRST202 at run time",
                        sites: sites))
            }
        }
        return failures
    }

    struct Parameter: Equatable {
        var name: String?
        var type: String
        var hasDefault: Bool
    }

    /// `pg_get_function_arguments`: `p_org uuid, p_limit integer DEFAULT 10, OUT n bigint`;
    /// OUT parameters are not arguments.
    static func parameters(_ text: String) -> [Parameter] {
        var items: [String] = []
        var depth = 0
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if !quoted {
                if character == "(" { depth += 1 }
                if character == ")" { depth -= 1 }
                if character == ",", depth == 0 {
                    items.append(current)
                    current = ""
                    continue
                }
            }
            current.append(character)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { items.append(current) }
        let typeStarts: Set<String> = [
            "double", "character", "timestamp", "time", "bit", "interval", "national", "char",
            "varchar", "numeric", "decimal",
        ]
        return items.compactMap { item in
            var text = item.trimmingCharacters(in: .whitespaces)
            var hasDefault = false
            for marker in [" DEFAULT ", " = "] {
                if let range = text.range(of: marker) {
                    hasDefault = true
                    text = String(text[..<range.lowerBound])
                }
            }
            var words = text.split(separator: " ").map(String.init)
            if let mode = words.first, ["IN", "OUT", "INOUT", "VARIADIC"].contains(mode) {
                if mode == "OUT" { return nil }
                words.removeFirst()
            }
            guard let first = words.first else { return nil }
            if words.count == 1
                || typeStarts.contains(first.lowercased()) && words.count > 1
                    && !first.hasPrefix("\"")
                    && ["precision", "varying", "with", "without", "zone"].contains(
                        words[1].lowercased())
            {
                return Parameter(
                    name: nil, type: words.joined(separator: " "), hasDefault: hasDefault)
            }
            let name = first.hasPrefix("\"") ? String(first.dropFirst().dropLast()) : first
            return Parameter(
                name: name, type: words.dropFirst().joined(separator: " "), hasDefault: hasDefault)
        }
    }
}
