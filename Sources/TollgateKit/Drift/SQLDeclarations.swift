/// The schema objects a migration's SQL names — creates, alters, grants on or drops — read from its
/// text without running it.
///
/// `compare` uses it to tell which objects an applied migration accounts for; what no migration
/// names is drift.
///
/// It reads the statements that shape a schema (`CREATE`/`ALTER`/`DROP` of tables, columns,
/// constraints, indexes, views, functions, triggers and policies, `GRANT`/`REVOKE` on
/// relations), including static statements inside `DO` blocks. It cannot read dynamic SQL
/// (`EXECUTE format(...)`), and says so in ``dynamic``. Unqualified names are taken to be in
/// `public`, the Supabase search path. Constraints and indexes PostgreSQL names itself
/// (`leads_pkey`, `leads_user_id_fkey`, `leads_status_check`) are matched by that naming rule.
public struct SQLDeclarations: Sendable, Equatable {
    /// Objects named exactly.
    public var objects: Set<SchemaObjects.Key> = []
    /// Relations whose every column, constraint and index the SQL made (`CREATE TABLE … AS`,
    /// views).
    public var wholeRelations: Set<String> = []
    /// Functions named without their argument types: `public.auth_org_id`.
    public var functions: Set<String> = []
    /// Constraint and index names PostgreSQL chose: on `relation`, starting with `prefix` and
    /// ending with one of `suffixes`.
    public var generatedNames: Set<GeneratedName> = []
    /// Indexes named without their table (`DROP INDEX`, `ALTER INDEX`): `schema.index`.
    public var indexes: Set<String> = []
    /// The SQL runs statements built at run time, which cannot be read.
    public var dynamic = false

    public struct GeneratedName: Sendable, Hashable {
        public var relation: String
        public var prefix: String
        public var suffixes: [String]
    }

    public init() {}

    /// Reads a script of one or more statements.
    public init(sql: String) {
        var reader = Reader(tokens: SQLTokenizer.tokens(sql), into: self)
        reader.readScript()
        self = reader.result
    }

    /// Whether the SQL names this object.
    public func accounts(for key: SchemaObjects.Key) -> Bool {
        if objects.contains(key) { return true }
        if key.kind == .sequence {
            // `serial` makes `<table>_<column>_seq`.
            return objects.contains { declared in
                declared.kind == .table && key.name.hasPrefix(declared.name + "_")
                    && key.name.hasSuffix("_seq")
            }
        }
        if key.kind == .function {
            return functions.contains(String(key.name.prefix { $0 != "(" }))
        }
        guard let relation = key.relation else { return false }
        let name = String(key.name.dropFirst(relation.count + 1))
        if key.kind == .index && indexes.contains("\(key.schema).\(name)") { return true }
        if wholeRelations.contains(relation) { return true }
        // An index backing a constraint has the constraint's name.
        if key.kind == .index && objects.contains(.init(kind: .constraint, name: key.name)) {
            return true
        }
        guard key.kind == .constraint || key.kind == .index else { return false }
        return generatedNames.contains { generated in
            generated.relation == relation && name.hasPrefix(generated.prefix)
                && generated.suffixes.contains { name.hasSuffix($0) }
        }
    }

    /// Everything two scripts name.
    public mutating func formUnion(_ other: SQLDeclarations) {
        objects.formUnion(other.objects)
        wholeRelations.formUnion(other.wholeRelations)
        functions.formUnion(other.functions)
        generatedNames.formUnion(other.generatedNames)
        indexes.formUnion(other.indexes)
        dynamic = dynamic || other.dynamic
    }

    static let constraintSuffixes = ["_pkey", "_fkey", "_check", "_key", "_excl"]
}

// MARK: - Tokens

struct SQLToken: Equatable {
    enum Kind: Equatable {
        /// A bare word, lowercased.
        case word
        /// A double-quoted identifier, as written.
        case quoted
        /// A string or number.
        case literal
        /// A dollar-quoted body: its text without the quotes.
        case body
        case symbol
    }
    var kind: Kind
    var text: String

    func `is`(_ word: String) -> Bool { kind == .word && text == word }
    func isSymbol(_ symbol: Character) -> Bool { kind == .symbol && text == String(symbol) }
    var isName: Bool { kind == .word || kind == .quoted }
}

enum SQLTokenizer {
    /// Splits SQL into tokens, dropping comments and whitespace.
    ///
    /// Strings (with `''` and `E'\''`), quoted identifiers and dollar quotes are each one token.
    static func tokens(_ sql: String) -> [SQLToken] {
        let chars = Array(sql.unicodeScalars)
        var tokens: [SQLToken] = []
        var i = 0
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
        func isWordPart(_ c: Unicode.Scalar) -> Bool {
            isWordStart(c) || ("0"..."9").contains(c) || c == "$"
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c.properties.isWhitespace {
                i += 1
            } else if c == "-" && next == "-" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
            } else if c == "/" && next == "*" {
                var depth = 0
                repeat {
                    if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
                        depth += 1; i += 2
                    } else if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" {
                        depth -= 1; i += 2
                    } else {
                        i += 1
                    }
                } while depth > 0 && i < chars.count
            } else if c == "'" || ((c == "e" || c == "E") && next == "'") {
                let start = i
                let escapes = c != "'"
                i += escapes ? 2 : 1
                while i < chars.count {
                    if escapes && chars[i] == "\\" { i += 2; continue }
                    if chars[i] == "'" {
                        if i + 1 < chars.count && chars[i + 1] == "'" { i += 2; continue }
                        break
                    }
                    i += 1
                }
                i += 1
                tokens.append(.init(kind: .literal, text: source(chars, start, i)))
            } else if c == "\"" {
                var text = ""
                i += 1
                while i < chars.count {
                    if chars[i] == "\"" {
                        if i + 1 < chars.count && chars[i + 1] == "\"" {
                            text.unicodeScalars.append("\""); i += 2; continue
                        }
                        break
                    }
                    text.unicodeScalars.append(chars[i])
                    i += 1
                }
                i += 1
                tokens.append(.init(kind: .quoted, text: text))
            } else if c == "$", let tagEnd = dollarTagEnd(chars, from: i) {
                let tag = Array(chars[i...tagEnd])
                var j = tagEnd + 1
                var body = ""
                while j < chars.count {
                    if chars[j] == "$" && j + tag.count <= chars.count
                        && Array(chars[j..<(j + tag.count)]) == tag
                    {
                        break
                    }
                    body.unicodeScalars.append(chars[j])
                    j += 1
                }
                i = j + tag.count
                tokens.append(.init(kind: .body, text: body))
            } else if isWordStart(c) {
                var text = ""
                while i < chars.count && isWordPart(chars[i]) {
                    text.unicodeScalars.append(chars[i]); i += 1
                }
                tokens.append(.init(kind: .word, text: text.lowercased()))
            } else if ("0"..."9").contains(c) {
                let start = i
                while i < chars.count && (isWordPart(chars[i]) || chars[i] == ".") { i += 1 }
                tokens.append(.init(kind: .literal, text: source(chars, start, i)))
            } else {
                tokens.append(.init(kind: .symbol, text: String(c)))
                i += 1
            }
        }
        return tokens
    }

    static func source(_ chars: [Unicode.Scalar], _ start: Int, _ end: Int) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: chars[start..<min(end, chars.count)])
        return text
    }

    /// A checksum of what SQL says rather than how it is laid out: SHA-256 over its tokens, so
    /// comments, whitespace, the case of keywords and how it is split into statements (the
    /// Supabase CLI records statements one by one; Tollgate records a file whole) do not count.
    static func checksum(_ sql: String) -> String {
        var text = ""
        for token in tokens(sql) where !(token.kind == .symbol && token.text == ";") {
            text += "\(token.kind)\u{1}\(token.text)\u{2}"
        }
        return SHA256.hex(text)
    }

    /// `$tag$` or `$$` starting at `start`: the index of its closing `$`.
    static func dollarTagEnd(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var j = start + 1
        while j < chars.count {
            let c = chars[j]
            if c == "$" { return j }
            guard
                c == "_" || c.properties.isAlphabetic || (j > start + 1 && ("0"..."9").contains(c))
            else { return nil }
            j += 1
        }
        return nil
    }
}

// MARK: - Statements

private struct Reader {
    let tokens: [SQLToken]
    var result: SQLDeclarations
    var position = 0

    init(tokens: [SQLToken], into result: SQLDeclarations) {
        self.tokens = tokens
        self.result = result
    }

    /// Statements separated by `;`.
    mutating func readScript() {
        var start = 0
        for (index, token) in tokens.enumerated() where token.isSymbol(";") {
            readStatement(start..<index)
            start = index + 1
        }
        readStatement(start..<tokens.count)
    }

    mutating func readStatement(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        var statement = Statement(tokens: Array(tokens[range]))
        if statement.accept("do") {
            readBlock(statement.tokens)
            return
        }
        statement.read(into: &result)
    }

    /// A `DO` block: its static statements, wherever a statement can start in PL/pgSQL.
    mutating func readBlock(_ tokens: [SQLToken]) {
        guard let body = tokens.first(where: { $0.kind == .body }) else { return }
        let inner = SQLTokenizer.tokens(body.text)
        let starters: Set<String> = ["create", "alter", "drop", "grant", "revoke"]
        let boundaries: Set<String> = ["then", "else", "loop", "begin"]
        var index = 0
        while index < inner.count {
            let token = inner[index]
            if token.is("execute") { result.dynamic = true }
            let atStart =
                index == 0 || inner[index - 1].isSymbol(";")
                || (inner[index - 1].kind == .word && boundaries.contains(inner[index - 1].text))
            if atStart, token.kind == .word, starters.contains(token.text) {
                let end = inner[index...].firstIndex { $0.isSymbol(";") } ?? inner.count
                var statement = Statement(tokens: Array(inner[index..<end]))
                statement.read(into: &result)
                index = end
            }
            index += 1
        }
    }
}

/// One statement's tokens and a cursor.
private struct Statement {
    let tokens: [SQLToken]
    var at = 0

    init(tokens: [SQLToken]) { self.tokens = tokens }

    var current: SQLToken? { at < tokens.count ? tokens[at] : nil }

    mutating func accept(_ words: String...) -> Bool {
        guard at + words.count <= tokens.count else { return false }
        for (offset, word) in words.enumerated() where !tokens[at + offset].is(word) {
            return false
        }
        at += words.count
        return true
    }

    mutating func skip(_ words: Set<String>) {
        while let token = current, token.kind == .word, words.contains(token.text) { at += 1 }
    }

    /// `name` or `schema.name`; a bare name is in `public`.
    mutating func qualifiedName() -> String? {
        guard let first = current, first.isName else { return nil }
        at += 1
        if let dot = current, dot.isSymbol("."), at + 1 < tokens.count, tokens[at + 1].isName {
            at += 2
            return "\(first.text).\(tokens[at - 1].text)"
        }
        return "public.\(first.text)"
    }

    mutating func name() -> String? {
        guard let token = current, token.isName else { return nil }
        at += 1
        return token.text
    }

    /// The tokens from here to the end, split at top-level commas.
    func items(from start: Int, to end: Int? = nil) -> [[SQLToken]] {
        var items: [[SQLToken]] = [[]]
        var depth = 0
        for token in tokens[start..<(end ?? tokens.count)] {
            if token.isSymbol("(") { depth += 1 }
            if token.isSymbol(")") { depth -= 1 }
            if depth == 0 && token.isSymbol(",") { items.append([]); continue }
            items[items.count - 1].append(token)
        }
        return items.filter { !$0.isEmpty }
    }

    /// The index of the `)` matching the `(` at `open`.
    func closing(_ open: Int) -> Int {
        var depth = 0
        for index in open..<tokens.count {
            if tokens[index].isSymbol("(") { depth += 1 }
            if tokens[index].isSymbol(")") { depth -= 1; if depth == 0 { return index } }
        }
        return tokens.count
    }

    /// Column names in the parentheses at `at`, if any.
    mutating func columnList() -> [String] {
        guard let open = current, open.isSymbol("(") else { return [] }
        let end = closing(at)
        let names = items(from: at + 1, to: end).compactMap {
            $0.first?.isName == true ? $0.first!.text : nil
        }
        at = min(end + 1, tokens.count)
        return names
    }

    mutating func read(into result: inout SQLDeclarations) {
        if accept("create") {
            _ = accept("or", "replace")
            skip([
                "temp", "temporary", "unlogged", "global", "local", "recursive", "materialized",
                "unique", "constraint",
            ])
            if accept("table") {
                createTable(&result)
            } else if accept("index") {
                createIndex(&result)
            } else if accept("view") {
                relation(&result, kind: .view, whole: true)
            } else if accept("function") || accept("procedure") {
                function(&result)
            } else if accept("trigger") {
                trigger(&result)
            } else if accept("policy") {
                policy(&result)
            } else {
                standalone(&result)
            }
        } else if accept("alter") {
            if accept("table") {
                alterTable(&result)
            } else if accept("materialized", "view") || accept("view") {
                relation(&result, kind: .view, whole: false)
            } else if accept("function") || accept("procedure") {
                function(&result)
            } else if accept("policy") {
                policy(&result)
            } else if accept("trigger") {
                trigger(&result)
            } else if accept("index") {
                _ = accept("if", "exists")
                if let index = qualifiedName() { result.indexes.insert(index) }
            } else {
                standalone(&result)
            }
        } else if accept("drop") {
            skip(["materialized"])
            if accept("table") || accept("view") {
                _ = accept("if", "exists")
                for item in items(from: at) {
                    var inner = Statement(tokens: item)
                    if let name = inner.qualifiedName() {
                        result.objects.insert(.init(kind: .table, name: name))
                        result.objects.insert(.init(kind: .view, name: name))
                        result.wholeRelations.insert(name)
                    }
                }
            } else if accept("function") || accept("procedure") {
                _ = accept("if", "exists")
                for item in items(from: at) {
                    var inner = Statement(tokens: item)
                    if let name = inner.qualifiedName() { result.functions.insert(name) }
                }
            } else if accept("index") {
                skip(["concurrently"])
                _ = accept("if", "exists")
                for item in items(from: at) {
                    var inner = Statement(tokens: item)
                    // An index is named in its schema; its table is not in the statement.
                    if let name = inner.qualifiedName() { result.indexes.insert(name) }
                }
            } else if accept("trigger") || accept("policy") {
                let kind = ObjectKind(rawValue: tokens[at - 1].text)
                _ = accept("if", "exists")
                if let name = name(), accept("on"), let table = qualifiedName() {
                    result.objects.insert(.init(kind: kind, name: "\(table).\(name)"))
                }
            } else {
                standalone(&result)
            }
        } else if accept("grant") || accept("revoke") {
            grant(&result)
        }
    }

    /// `CREATE`/`ALTER`/`DROP` of a schema, type, domain, sequence, extension, publication or
    /// event trigger (after the verb): every name it lists.
    mutating func standalone(_ result: inout SQLDeclarations) {
        let kinds: [(words: [String], kind: ObjectKind, qualified: Bool)] = [
            (["schema"], .schema, false), (["type"], .type, true), (["domain"], .type, true),
            (["sequence"], .sequence, true), (["extension"], .extension, false),
            (["publication"], .publication, false), (["event", "trigger"], .eventTrigger, false),
        ]
        for entry in kinds {
            let start = at
            guard entry.words.allSatisfy({ word in accept(word) }) else {
                at = start
                continue
            }
            _ = accept("if", "not", "exists")
            _ = accept("if", "exists")
            // DROP lists several names; CREATE and ALTER name one.
            let listed = items(from: at)
            for item in tokens.first?.is("drop") == true ? listed : Array(listed.prefix(1)) {
                var inner = Statement(tokens: item)
                let name = entry.qualified ? inner.qualifiedName() : inner.name()
                if let name { result.objects.insert(.init(kind: entry.kind, name: name)) }
            }
            return
        }
    }

    mutating func createTable(_ result: inout SQLDeclarations) {
        _ = accept("if", "not", "exists")
        guard let table = qualifiedName() else { return }
        result.objects.insert(.init(kind: .table, name: table))
        let bare = String(table.split(separator: ".").last!)
        guard let open = current, open.isSymbol("(") else {
            // CREATE TABLE … AS, … OF type, … PARTITION OF: the columns come from elsewhere.
            result.wholeRelations.insert(table)
            return
        }
        for item in items(from: at + 1, to: closing(at)) {
            element(item, table: table, bare: bare, into: &result)
        }
    }

    /// One element of `CREATE TABLE (…)` or one `ADD` of `ALTER TABLE`: a column, or a
    /// table constraint.
    func element(
        _ item: [SQLToken], table: String, bare: String, into result: inout SQLDeclarations
    ) {
        var inner = Statement(tokens: item)
        if inner.accept("constraint") {
            if let name = inner.name() {
                result.objects.insert(.init(kind: .constraint, name: "\(table).\(name)"))
            }
            return
        }
        if inner.accept("primary", "key") {
            result.generatedNames.insert(
                .init(relation: table, prefix: "\(bare)_pkey", suffixes: [""]))
        } else if inner.accept("unique") || inner.accept("exclude")
            || inner.accept("foreign", "key")
        {
            let columns = inner.columnList()
            let suffix =
                item.first!.is("unique") ? "_key" : item.first!.is("exclude") ? "_excl" : "_fkey"
            result.generatedNames.insert(
                .init(
                    relation: table, prefix: ([bare] + columns).joined(separator: "_"),
                    suffixes: [suffix]))
        } else if inner.accept("check") {
            result.generatedNames.insert(
                .init(relation: table, prefix: "\(bare)_", suffixes: ["_check"]))
        } else if inner.accept("like") {
            result.wholeRelations.insert(table)
        } else if let column = inner.name() {
            result.objects.insert(.init(kind: .column, name: "\(table).\(column)"))
            result.generatedNames.insert(
                .init(
                    relation: table, prefix: "\(bare)_\(column)_",
                    suffixes: SQLDeclarations.constraintSuffixes))
            if item.contains(where: { $0.is("primary") }) {
                result.generatedNames.insert(
                    .init(relation: table, prefix: "\(bare)_pkey", suffixes: [""]))
            }
        }
    }

    mutating func createIndex(_ result: inout SQLDeclarations) {
        skip(["concurrently"])
        _ = accept("if", "not", "exists")
        var name: String?
        if let token = current, token.isName, !token.is("on") { name = self.name() }
        guard accept("on") else { return }
        _ = accept("only")
        guard let table = qualifiedName() else { return }
        if let name {
            result.objects.insert(.init(kind: .index, name: "\(table).\(name)"))
        } else {
            let bare = String(table.split(separator: ".").last!)
            result.generatedNames.insert(
                .init(relation: table, prefix: "\(bare)_", suffixes: ["_idx", "_key"]))
        }
    }

    mutating func relation(_ result: inout SQLDeclarations, kind: ObjectKind, whole: Bool) {
        _ = accept("if", "not", "exists")
        _ = accept("if", "exists")
        guard let name = qualifiedName() else { return }
        result.objects.insert(.init(kind: kind, name: name))
        if whole { result.wholeRelations.insert(name) }
    }

    mutating func function(_ result: inout SQLDeclarations) {
        _ = accept("if", "exists")
        if let name = qualifiedName() { result.functions.insert(name) }
    }

    mutating func trigger(_ result: inout SQLDeclarations) {
        guard let name = name() else { return }
        // The relation follows the first ON (ALTER TRIGGER … ON t, CREATE TRIGGER … ON t).
        while let token = current, !token.is("on") { at += 1 }
        guard accept("on"), let table = qualifiedName() else { return }
        result.objects.insert(.init(kind: .trigger, name: "\(table).\(name)"))
    }

    mutating func policy(_ result: inout SQLDeclarations) {
        _ = accept("if", "exists")
        guard let name = name(), accept("on"), let table = qualifiedName() else { return }
        result.objects.insert(.init(kind: .policy, name: "\(table).\(name)"))
    }

    mutating func alterTable(_ result: inout SQLDeclarations) {
        _ = accept("if", "exists")
        _ = accept("only")
        guard let table = qualifiedName() else { return }
        let bare = String(table.split(separator: ".").last!)
        for item in items(from: at) {
            var action = Statement(tokens: item)
            if action.accept("add") {
                if let first = action.current, first.kind == .word,
                    ["constraint", "primary", "unique", "check", "foreign", "exclude"].contains(
                        first.text)
                {
                    element(Array(item.dropFirst()), table: table, bare: bare, into: &result)
                } else {
                    _ = action.accept("column")
                    _ = action.accept("if", "not", "exists")
                    element(Array(item[action.at...]), table: table, bare: bare, into: &result)
                }
            } else if action.accept("alter") || action.accept("drop") {
                if action.accept("constraint") {
                    _ = action.accept("if", "exists")
                    if let name = action.name() {
                        result.objects.insert(.init(kind: .constraint, name: "\(table).\(name)"))
                    }
                } else {
                    _ = action.accept("column")
                    _ = action.accept("if", "exists")
                    if let column = action.name() {
                        result.objects.insert(.init(kind: .column, name: "\(table).\(column)"))
                    }
                }
            } else if action.accept("validate", "constraint") {
                if let name = action.name() {
                    result.objects.insert(.init(kind: .constraint, name: "\(table).\(name)"))
                }
            } else if action.accept("rename") {
                if action.accept("to") {
                    if let name = action.name() {
                        result.wholeRelations.insert(
                            "\(table.split(separator: ".").first!).\(name)")
                    }
                    result.objects.insert(.init(kind: .table, name: table))
                } else {
                    let kind: ObjectKind = action.accept("constraint") ? .constraint : .column
                    _ = action.accept("column")
                    if let old = action.name(), action.accept("to"), let new = action.name() {
                        result.objects.insert(.init(kind: kind, name: "\(table).\(old)"))
                        result.objects.insert(.init(kind: kind, name: "\(table).\(new)"))
                    }
                }
            } else if action.accept("enable") || action.accept("disable") {
                _ = action.accept("always") || action.accept("replica")
                if action.accept("trigger"), let name = action.name() {
                    result.objects.insert(.init(kind: .trigger, name: "\(table).\(name)"))
                } else {
                    result.objects.insert(.init(kind: .table, name: table))
                }
            } else {
                // FORCE / NO FORCE ROW LEVEL SECURITY, OWNER TO, SET (…): the table's own line.
                result.objects.insert(.init(kind: .table, name: table))
            }
        }
    }

    /// `GRANT … ON [TABLE] a, b TO …` and `REVOKE … ON … FROM …`: the relations' grants.
    ///
    /// `ON ALL TABLES IN SCHEMA` names no relation (it reaches whatever exists at the time).
    mutating func grant(_ result: inout SQLDeclarations) {
        while let token = current, !token.is("on") { at += 1 }
        guard accept("on") else { return }
        if accept("all") || accept("schema") || accept("sequence") || accept("database") { return }
        let isFunction = accept("function") || accept("procedure") || accept("routine")
        _ = accept("table")
        let end = tokens[at...].firstIndex { $0.is("to") || $0.is("from") } ?? tokens.count
        for item in items(from: at, to: end) {
            var inner = Statement(tokens: item)
            guard let name = inner.qualifiedName() else { continue }
            if isFunction {
                result.functions.insert(name)
            } else {
                result.objects.insert(.init(kind: .table, name: name))
                result.objects.insert(.init(kind: .view, name: name))
            }
        }
    }
}
