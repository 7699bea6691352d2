import Foundation

/// Reads one file's supabase-js and postgrest-js calls into ``CodeExpectations``.
///
/// A call chain starts at `.from('table')` or `.rpc('function', {…})` on a client, and goes on
/// through the builder's methods, also when the builder is kept in a variable and extended
/// later (`let q = db.from('t').select(); q = q.eq('org_id', id)`). A `.from` counts when the
/// next method is one only a query builder has (`select`, `insert`, `upsert`, `update`,
/// `delete`), or when its receiver is a known client (made by `createClient`, typed
/// `SupabaseClient`, or seen starting such a chain anywhere in the tree), so `Array.from(x)`
/// never reads as a table. Names the code computes are listed as unchecked, never guessed.
struct SupabaseCallReader {
    /// A chain whose receiver is not known yet to be a client: it counts when another file
    /// shows that its receiver's name is one.
    struct Pending {
        /// The receiver's name, and the function it was made by (`const db = clientFor(t)`).
        var roots: [String]
        var expectations: CodeExpectations
        /// The name the receiver was imported by, when its schema is another file's to say.
        var schemaRoot: String?
    }

    struct Result {
        var expectations: CodeExpectations
        var pending: [Pending]
        /// Receiver names that started a confirmed chain here.
        var clients: Set<String>
        /// What chains on an imported client expect, by the name it was exported by, in the
        /// default schema: the file that makes the client says which schema that is.
        var imported: [String: CodeExpectations] = [:]
        /// Clients made at a file's top level, by name: the schema each was made for
        /// (`createClient(…, { db: { schema } })`, `client.schema('s')`, else `public`).
        var declaredSchemas: [String: Set<String>] = [:]
    }

    private let file: String
    private let buffer: UnsafeBufferPointer<UInt8>
    private let tokens: [JSToken]
    private var matching: [Int32]
    private var expectations = CodeExpectations()
    private var pending: [Pending] = []
    private var clients: Set<String> = []
    /// `const NAME = 'text'`: each declaration by its block, where it is, and its value.
    private var constants: [String: [Int32: [(index: Int, value: String?)]]] = [:]
    /// The names each block binds, found once.
    private let bindings = BindingCache()

    private final class BindingCache {
        var names: [Int: Set<String>] = [:]
    }
    /// For each token, the `{` of the innermost block around it (-1 at the top level).
    private var enclosing: [Int32]
    /// `const|let|var NAME = {…}` or `[…]`: by name and block, where each declaration's value
    /// starts.
    private var literals: [String: [Int32: [(index: Int, value: Int)]]] = [:]
    /// Variables holding a builder: the chain they continue, and where the variable was
    /// declared (its scope).
    private var builders: [String: (chain: Chain, declaredAt: Int)] = [:]
    /// `const db = makeClient(…)`: the function a variable's value came from.
    private var madeBy: [String: String] = [:]
    /// Variables holding `client.storage`: their `.from` names a bucket.
    private var storageClients: Set<String> = []
    /// Variables holding `client.schema('x')`.
    private var schemaClients: [String: String] = [:]
    /// A client's default schema, from `createClient(url, key, { db: { schema: 'x' } })`.
    private var clientSchemas: [String: String] = [:]
    /// `import { supabase as db } from '…'`, `const { db } = require('…')`: local name →
    /// the name it was exported by.
    private var importedNames: [String: String] = [:]
    private var imported: [String: CodeExpectations] = [:]
    /// Clients made at the top level, by name: the schema each was made for.
    private var topLevelSchemas: [String: String] = [:]
    /// What the file exports: the exported name → the local name (`export const a`,
    /// `export { a as b }`, `export default a`, `module.exports = { a }`).
    private var exports: [String: String] = [:]
    /// The names each block declares with `const`, `let` or `var` (not the top level's), found
    /// once, when a chain on an imported name needs to know whether a local one hides it.
    private let localDeclarations = BindingCache()
    /// Where the imports bind their local names (`supabase` in `import { supabase }`).
    private var importBindings: Set<Int> = []
    /// For each imported name, whether any other token could bind it again.
    private let rebinding = RebindingCache()

    private final class RebindingCache {
        var names: [String: Bool] = [:]
    }
    private var scratch = CodeExpectations()
    /// The last character column computed (``characterColumn(_:byteColumn:)``).
    private let columns = ColumnCache()

    private final class ColumnCache {
        var lineStart = -1
        var offset = 0
        var column = 1
    }

    /// Where a chain's expectations go: the file's, or a pending chain's.
    private enum Destination: Equatable {
        case confirmed
        case pending(Int)
        /// A confirmed chain on an imported client, without a schema of its own.
        case imported(String)
        /// A chain being read before it is known whether it counts.
        case scratch
    }

    private struct Chain {
        var table: QualifiedName?
        /// Embeds by the name a filter uses for them (alias, else name) → key path.
        var embeds: [String: [String]] = [:]
        var destination: Destination
    }

    static let starters: Set<String> = ["select", "insert", "upsert", "update", "delete"]
    static let columnFilters: Set<String> = [
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "is", "in", "contains",
        "containedBy", "overlaps", "likeAllOf", "likeAnyOf", "ilikeAllOf", "ilikeAnyOf",
        "rangeGt", "rangeGte", "rangeLt", "rangeLte", "rangeAdjacent", "textSearch", "not",
        "filter", "isDistinct", "regexMatch", "regexIMatch",
    ]
    static let otherMethods: Set<String> = [
        "range", "limit", "single", "maybeSingle", "csv", "geojson", "explain", "rollback",
        "returns", "overrideTypes", "throwOnError", "abortSignal", "setHeader", "schema",
    ]
    /// Every builder method, as bytes, with its name: a method is recognised without making
    /// a String for every call of the file.
    static let methods: [(bytes: [UInt8], name: String)] = {
        let names = starters.union(columnFilters).union(otherMethods).union([
            "match", "or", "order",
        ])
        return names.sorted().map { (Array($0.utf8), $0) }
    }()

    /// The builder method named by the identifier at `index`, if it is one.
    private func method(at index: Int) -> String? {
        let token = tokens[index]
        let length = Int(token.end - token.start)
        let start = Int(token.start)
        for candidate in Self.methods
        where candidate.bytes.count == length && candidate.bytes[0] == buffer[start] {
            var same = true
            for offset in 1..<max(length, 1) where buffer[start + offset] != candidate.bytes[offset]
            {
                same = false
                break
            }
            if same { return candidate.name }
        }
        return nil
    }

    /// Globals with a static `from` that is not a table: never read as clients.
    static let notClients: Set<String> = [
        "Array", "Buffer", "Object", "Uint8Array", "Uint16Array", "Uint32Array", "Int8Array",
        "Int16Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array",
        "BigUint64Array", "Uint8ClampedArray", "Iterator", "AsyncIterator", "Readable",
        "Observable", "Set", "Map", "String", "Promise", "Blob", "File", "ReadableStream",
        "Response", "Request", "Headers", "URL", "Stream", "Duplex", "Writable",
    ]
    static let clientFactories: Set<String> = [
        "createClient", "createServerClient", "createBrowserClient", "createRouteHandlerClient",
        "createServerComponentClient", "createClientComponentClient", "createPagesServerClient",
        "createPagesBrowserClient", "createMiddlewareClient", "createServerActionClient",
        "SupabaseClient", "PostgrestClient",
    ]

    /// Reads one file's calls into `result`, which holds those of the files read before it:
    /// the expectations are moved in and out, never copied, and never merged name by name.
    static func read(
        _ buffer: UnsafeBufferPointer<UInt8>, tokens: [JSToken], file: String,
        into result: inout Result
    ) {
        var reader = SupabaseCallReader(file: file, buffer: buffer, tokens: tokens)
        swap(&reader.expectations, &result.expectations)
        swap(&reader.imported, &result.imported)
        reader.readDeclarations()
        reader.readCalls()
        swap(&reader.expectations, &result.expectations)
        swap(&reader.imported, &result.imported)
        result.pending += reader.pending.filter { !$0.expectations.isEmpty }
        result.clients.formUnion(reader.clients)
        for (name, schema) in reader.declaredSchemas {
            result.declaredSchemas[name, default: []].insert(schema)
        }
    }

    private init(file: String, buffer: UnsafeBufferPointer<UInt8>, tokens: [JSToken]) {
        self.file = file
        self.buffer = buffer
        self.tokens = tokens
        matching = Array(repeating: -1, count: tokens.count)
        enclosing = Array(repeating: -1, count: tokens.count)
        var stack: [Int] = []
        var braces: [Int32] = []
        for (index, token) in tokens.enumerated() {
            enclosing[index] = braces.last ?? -1
            guard token.kind == .punctuator else { continue }
            switch token.punctuator {
            case Punctuator.openParen, Punctuator.openBracket, Punctuator.openBrace:
                stack.append(index)
                if token.punctuator == Punctuator.openBrace { braces.append(Int32(index)) }
            case Punctuator.closeParen, Punctuator.closeBracket, Punctuator.closeBrace:
                if let open = stack.popLast() {
                    matching[open] = Int32(index)
                    matching[index] = Int32(open)
                    if tokens[open].punctuator == Punctuator.openBrace { _ = braces.popLast() }
                }
            default: break
            }
        }
    }

    // MARK: Scope

    /// The tokens a declaration at `index` is visible in: its block (or the whole file).
    private func scope(of index: Int) -> Range<Int> {
        let open = Int(enclosing[index])
        guard open >= 0, matching[open] > open else { return 0..<tokens.count }
        return open..<Int(matching[open])
    }

    /// True when `name`, declared at `declaration`, is what `name` means at `use`: the use is
    /// in the declaration's block and nothing between them binds the name again (a function's
    /// parameter, a `for (const x …)`, an arrow's parameter).
    private func visible(_ name: String, declaredAt declaration: Int, at use: Int) -> Bool {
        let visibleIn = scope(of: declaration)
        guard visibleIn.contains(use) else { return false }
        if arrowBinds(name, before: use) { return false }
        var block = Int(enclosing[use])
        while block > visibleIn.lowerBound {
            if parameters(ofBodyAt: block).contains(name) { return false }
            block = Int(enclosing[block])
        }
        return true
    }

    /// The declaration of `name` that `name` means at `use`, from `declarations` (keyed by
    /// their block).
    ///
    /// It is the innermost block around the use that declares it, unless a binding in
    /// between hides it. A top-level declaration counts wherever it is in the file (a function
    /// runs after the module's constants are set); one in a block only after it.
    private func resolve<Value>(
        _ name: String, at use: Int, in declarations: [Int32: [(index: Int, value: Value)]]?
    ) -> Value? {
        guard let declarations else { return nil }
        if arrowBinds(name, before: use) { return nil }
        var block = enclosing[use]
        while true {
            if let here = declarations[block] {
                let usable = block == -1 ? here : here.filter { $0.index < use }
                if let chosen = usable.last(where: { $0.index < use }) ?? usable.first {
                    return chosen.value
                }
            }
            guard block >= 0 else { return nil }
            if parameters(ofBodyAt: Int(block)).contains(name) { return nil }
            block = enclosing[Int(block)]
        }
    }

    /// True when an arrow function with an expression body between the start of the use's
    /// statement and the use takes a parameter `name` (`(table) => db.from(table)`).
    private func arrowBinds(_ name: String, before use: Int) -> Bool {
        var index = use - 1
        let limit = max(Int(enclosing[use]), use - 256)
        while index > limit {
            // The statement's start: a `;`, or (in code without semicolons) a keyword no
            // expression holds, such as the `const` that begins a declaration (not `as const`).
            if isPunctuator(index, Punctuator.semicolon) || startsStatement(index) {
                return false
            }
            if isPunctuator(index, Punctuator.arrow) {
                if isIdentifier(index - 1), word(index - 1) == name { return true }
                // `(a): Type => …`: back over the return type to the parameters' `)`.
                var close = index - 1
                if !isPunctuator(close, Punctuator.closeParen) {
                    var back = index - 1
                    while back > limit, index - back < 48,
                        !(isPunctuator(back, Punctuator.closeParen)
                            && isPunctuator(back + 1, Punctuator.colon))
                    {
                        if isPunctuator(back, Punctuator.semicolon)
                            || isPunctuator(back, Punctuator.arrow) && back != index
                        {
                            break
                        }
                        if matching[back] >= 0, matching[back] < back {
                            back = Int(matching[back])
                        }
                        back -= 1
                    }
                    if isPunctuator(back, Punctuator.closeParen),
                        isPunctuator(back + 1, Punctuator.colon)
                    {
                        close = back
                    }
                }
                if isPunctuator(close, Punctuator.closeParen), matching[close] >= 0,
                    parameterNames(Int(matching[close])..<close).contains(name)
                {
                    return true
                }
            }
            // Skip over a closed group: its own arrows end inside it.
            if matching[index] >= 0, matching[index] < index {
                index = Int(matching[index])
            }
            index -= 1
        }
        return false
    }

    /// True when the identifier at `index` is a keyword that only starts a statement:
    /// `const|let|var` (not TypeScript's `as const`), `return`, `export`, `if`, `throw`.
    private func startsStatement(_ index: Int) -> Bool {
        guard isIdentifier(index), !isDot(index - 1) else { return false }
        if isDeclarationKeyword(index) { return !`is`(index - 1, "as") }
        return `is`(index, "return") || `is`(index, "export") || `is`(index, "if")
            || `is`(index, "throw")
    }

    /// The names a parameter list binds (the tokens strictly inside its parentheses, from
    /// `open`): plain names, destructured names, not their types, defaults or rename keys.
    private func parameterNames(_ range: Range<Int>) -> Set<String> {
        var names: Set<String> = []
        var index = range.lowerBound + 1
        collectBindings(&index, end: range.upperBound, into: &names)
        return names
    }

    /// Reads bindings up to `end`: `a`, `a: Type`, `a = value`, `{ a, b: c }`, `[a, b]`,
    /// `...rest`.
    private func collectBindings(_ index: inout Int, end: Int, into names: inout Set<String>) {
        var expectName = true
        while index < end {
            let token = tokens[index]
            if token.isPunctuator(Punctuator.comma) {
                expectName = true
                index += 1
                continue
            }
            if token.isPunctuator(Punctuator.colon) || token.isPunctuator(Punctuator.assign) {
                // A type or a default: skip to the next comma at this level.
                index += 1
                while index < end, !isPunctuator(index, Punctuator.comma) {
                    if matching[index] > index { index = Int(matching[index]) }
                    index += 1
                }
                continue
            }
            if expectName,
                token.isPunctuator(Punctuator.openBrace)
                    || token.isPunctuator(Punctuator.openBracket)
            {
                // Destructuring: `{ a, b: c }` binds a and c; `[a, b]` binds a and b.
                let close = matching[index] > index ? Int(matching[index]) : end
                var inner = index + 1
                while inner < close {
                    if isIdentifier(inner), isPunctuator(inner + 1, Punctuator.colon),
                        token.isPunctuator(Punctuator.openBrace)
                    {
                        inner += 2  // a key: its binding follows
                        continue
                    }
                    var one = inner
                    var found: Set<String> = []
                    collectBindings(&one, end: close, into: &found)
                    names.formUnion(found)
                    inner = max(one, inner + 1)
                }
                index = close + 1
                expectName = false
                continue
            }
            if expectName, token.kind == .identifier {
                names.insert(word(index))
                expectName = false
            }
            if matching[index] > index { index = Int(matching[index]) }
            index += 1
        }
    }

    /// The names bound for the block whose `{` is at `open`: a function's parameters
    /// (`(a, b) {`, `(a): T {`, `(a) => {`, `a => {`), `for (const x of …) {`, `catch (e) {`.
    private func parameters(ofBodyAt open: Int) -> Set<String> {
        if let cached = bindings.names[open] { return cached }
        let names = findParameters(ofBodyAt: open)
        bindings.names[open] = names
        return names
    }

    private func findParameters(ofBodyAt open: Int) -> Set<String> {
        var index = open - 1
        if isPunctuator(index, Punctuator.arrow) {
            index -= 1
            if isIdentifier(index) { return [word(index)] }
        }
        // Back over a return type annotation to the parameters' `)`.
        var steps = 0
        while index > 0, steps < 48,
            !isPunctuator(index, Punctuator.closeParen)
                || !(isPunctuator(index + 1, Punctuator.colon) || index + 1 == open
                    || isPunctuator(index + 1, Punctuator.arrow))
        {
            if isPunctuator(index, Punctuator.semicolon)
                || isPunctuator(index, Punctuator.closeBrace)
            {
                return []
            }
            index -= 1
            steps += 1
        }
        guard isPunctuator(index, Punctuator.closeParen), matching[index] >= 0 else { return [] }
        let start = Int(matching[index])
        // `for (const x of xs) {`, `for await (…)`: the loop's own declarations.
        if `is`(start - 1, "for") || (`is`(start - 1, "await") && `is`(start - 2, "for")) {
            var names: Set<String> = []
            for position in (start + 1)..<index where isDeclarationKeyword(position) {
                let first = position + 1
                if isIdentifier(first) {
                    names.insert(word(first))
                } else if matching[first] > first {
                    var at = first
                    collectBindings(&at, end: Int(matching[first]) + 1, into: &names)
                }
            }
            return names
        }
        // `if (x) {`, `while (x) {`: a condition binds nothing.
        for keyword: StaticString in ["if", "while", "switch", "with"]
        where `is`(start - 1, keyword) {
            return []
        }
        return parameterNames(start..<index)
    }

    /// The value of the `const` string `name` means at `use`; nil when none is visible there.
    private func constant(_ name: String, at use: Int) -> String? {
        resolve(name, at: use, in: constants[name]) ?? nil
    }

    // MARK: Tokens

    private func isPunctuator(_ index: Int, _ code: UInt32) -> Bool {
        index >= 0 && index < tokens.count && tokens[index].isPunctuator(code)
    }

    private func isDot(_ index: Int) -> Bool {
        isPunctuator(index, Punctuator.dot) || isPunctuator(index, Punctuator.optionalDot)
    }

    private func isIdentifier(_ index: Int) -> Bool {
        index >= 0 && index < tokens.count && tokens[index].kind == .identifier
    }

    private func word(_ index: Int) -> String { buffer.text(tokens[index]) }

    /// True when the token at `index` is the identifier `text`, compared without making a
    /// String (this runs for every identifier of every file).
    private func `is`(_ index: Int, _ text: StaticString) -> Bool {
        index >= 0 && index < tokens.count && tokens[index].kind == .identifier
            && buffer.equals(tokens[index], text)
    }

    private func isDeclarationKeyword(_ index: Int) -> Bool {
        `is`(index, "const") || `is`(index, "let") || `is`(index, "var")
    }

    private func isClientFactory(_ index: Int) -> Bool {
        guard isIdentifier(index) else { return false }
        // Every factory's name starts with c, S or P.
        let first = buffer[Int(tokens[index].start)]
        guard first == 0x63 || first == 0x53 || first == 0x50 else { return false }
        return Self.clientFactories.contains(word(index))
    }

    private func site(_ index: Int) -> CodeSite {
        CodeSite(
            file: file, line: Int(tokens[index].line),
            column: characterColumn(Int(tokens[index].start), byteColumn: Int(tokens[index].column))
        )
    }

    /// The column in characters, as editors and GitHub count it, of the byte at `offset`.
    ///
    /// Counted on from the last answer when it was on the same line, so that a long line
    /// (minified code) costs its length once, not once per site.
    private func characterColumn(_ offset: Int, byteColumn: Int) -> Int {
        let lineStart = offset - byteColumn + 1
        var index = lineStart
        var column = 1
        if columns.lineStart == lineStart, columns.offset <= offset {
            index = columns.offset
            column = columns.column
        }
        while index < offset {
            // UTF-8 continuation bytes do not start a character.
            if buffer[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        columns.lineStart = lineStart
        columns.offset = offset
        columns.column = column
        return column
    }

    /// The site of `offset` inside the string token at `index`, counting its line breaks.
    private func site(_ index: Int, offset: Int, in text: String) -> CodeSite {
        let token = tokens[index]
        // Offsets are into the decoded text: they hold for the source only when the literal
        // has no escapes and no substitutions; otherwise the literal itself is cited.
        let raw = Int(token.end - token.start)
        guard token.kind == .string, raw == text.utf8.count + 2 else { return site(index) }
        // The literal's bytes are the text's: count line breaks, and characters (not UTF-8
        // bytes) since the last one or the opening quote.
        var line = Int(token.line)
        var characters = 0
        var broken = false
        var position = Int(token.start) + 1
        let end = position + offset
        while position < end {
            let byte = buffer[position]
            if byte == 0x0A {
                line += 1
                characters = 0
                broken = true
            } else if byte & 0xC0 != 0x80 {
                characters += 1
            }
            position += 1
        }
        let column = broken ? characters + 1 : site(index).column + 1 + characters
        return CodeSite(file: file, line: line, column: column)
    }

    /// The source text of tokens `range`, shortened for a listing.
    private func source(_ range: Range<Int>) -> String {
        guard let first = range.first, let last = range.last else { return "" }
        let text = String(
            decoding: UnsafeBufferPointer(
                rebasing: buffer[Int(tokens[first].start)..<Int(tokens[last].end)]),
            as: UTF8.self)
        let flat = text.split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }.joined(separator: " ")
        return flat.count > 80 ? String(flat.prefix(77)) + "…" : flat
    }

    /// The top-level arguments of the call whose `(` is at `open`, as token ranges.
    private func arguments(_ open: Int) -> [Range<Int>] {
        let close = Int(matching[open])
        guard close > open else { return [] }
        var result: [Range<Int>] = []
        var start = open + 1
        var index = open + 1
        while index < close {
            if tokens[index].kind == .punctuator {
                if matching[index] > index {
                    index = Int(matching[index]) + 1
                    continue
                }
                if tokens[index].punctuator == Punctuator.comma {
                    result.append(start..<index)
                    start = index + 1
                }
            }
            index += 1
        }
        if start < close { result.append(start..<close) }
        return result
    }

    /// The string an argument stands for: a literal, literals joined by `+`, or a `const`
    /// declared once in the file with a literal; nil otherwise.
    private func literal(_ range: Range<Int>) -> String? {
        var range = range
        // `'x' as const`, `'x' as Table`
        if range.count >= 3, isIdentifier(range.upperBound - 2),
            `is`(range.upperBound - 2, "as")
        {
            range = range.lowerBound..<(range.upperBound - 2)
        }
        if range.count > 1, tokens[range.lowerBound].kind == .templateHead {
            return template(range, holes: false)
        }
        var text = ""
        var expectOperand = true
        for index in range {
            let token = tokens[index]
            if expectOperand {
                if token.kind == .string, let value = buffer.stringValue(token) {
                    text += value
                } else if token.kind == .identifier, let value = constant(word(index), at: index) {
                    text += value
                } else {
                    return nil
                }
            } else if !token.isPunctuator(Punctuator.plus) {
                return nil
            }
            expectOperand.toggle()
        }
        return expectOperand || range.isEmpty ? nil : text
    }

    /// A template literal whose substitutions are all constants; with `holes`, other
    /// substitutions read as U+0001 (for `or` filters, whose values may be computed).
    private func template(_ range: Range<Int>, holes: Bool) -> String? {
        guard tokens[range.lowerBound].kind == .templateHead,
            tokens[range.upperBound - 1].kind == .templateTail
        else { return nil }
        var text = ""
        var index = range.lowerBound
        while index < range.upperBound {
            let token = tokens[index]
            let raw = buffer.text(token)
            // `abc${ … }def${ … }ghi`: the pieces without their delimiters.
            let piece = raw.dropFirst().dropLast(token.kind == .templateTail ? 1 : 2)
            text += piece.replacingOccurrences(of: "\\`", with: "`")
                .replacingOccurrences(of: "\\$", with: "$")
            if token.kind == .templateTail { break }
            // The substitution: tokens up to the next middle or tail piece.
            var end = index + 1
            while end < range.upperBound, tokens[end].kind != .templateMiddle,
                tokens[end].kind != .templateTail
            {
                if matching[end] > end { end = Int(matching[end]) }
                end += 1
            }
            if let value = literal((index + 1)..<end) {
                text += value
            } else if holes {
                text += "\u{1}"
            } else {
                return nil
            }
            index = end
        }
        return text
    }

    // MARK: Declarations

    private mutating func readDeclarations() {
        for index in tokens.indices where tokens[index].kind == .identifier {
            // `db: SupabaseClient` (a parameter or a declaration), `): SupabaseClient {`.
            if isPunctuator(index + 1, Punctuator.colon), isIdentifier(index + 2),
                `is`(index + 2, "SupabaseClient")
            {
                clients.insert(word(index))
            }
            if `is`(index, "function"), isIdentifier(index + 1) {
                readFunction(named: word(index + 1), open: index + 2)
                continue
            }
            if enclosing[index] == -1, `is`(index, "import"), !isDot(index - 1) {
                readImport(at: index)
                continue
            }
            if enclosing[index] == -1, `is`(index, "export") || `is`(index, "exports") {
                readExport(at: index)
            }
            if `is`(index, "require"), isPunctuator(index + 1, Punctuator.openParen) {
                readRequire(at: index)
                continue
            }
            guard let value = assignedValue(of: index) else { continue }
            let name = word(index)
            let topLevel = enclosing[index] == -1 && isDeclarationKeyword(index - 1)
            let declaredConstant =
                index > 0 && isIdentifier(index - 1) && `is`(index - 1, "const")
            if declaredConstant, tokens[value].kind == .string,
                !(isPunctuator(value + 1, Punctuator.plus) || isDot(value + 1)
                    || isPunctuator(value + 1, Punctuator.openBracket))
            {
                constants[name, default: [:]][enclosing[index], default: []].append(
                    (index, buffer.stringValue(tokens[value])))
            }
            if isPunctuator(value, Punctuator.openBrace)
                || isPunctuator(value, Punctuator.openBracket)
            {
                literals[name, default: [:]][enclosing[index], default: []].append((index, value))
            }
            // `const clientFor = (t: string): SupabaseClient => …`
            if isPunctuator(value, Punctuator.openParen), matching[value] > value {
                readFunction(named: name, open: value)
            }
            // `const db = createClient(url, key, { db: { schema: 'billing' } })`
            if isIdentifier(value),
                isClientFactory(value)
                    || (`is`(value, "new") && isIdentifier(value + 1)
                        && isClientFactory(value + 1))
            {
                clients.insert(name)
                // Past type arguments: `createClient<Database>(url, key, {…})`.
                let schema = callParen(after: `is`(value, "new") ? value + 1 : value).flatMap {
                    schemaOption($0)
                }
                if let schema { clientSchemas[name] = schema }
                if topLevel { topLevelSchemas[name] = schema ?? "public" }
            } else if isIdentifier(value), isPunctuator(value + 1, Punctuator.openParen) {
                madeBy[name] = word(value)
            }
            // `const files = supabase.storage`
            if isIdentifier(value) {
                var end = value
                while isDot(end + 1), isIdentifier(end + 2) { end += 2 }
                if end > value, `is`(end, "storage"), !isDot(end + 1),
                    !isPunctuator(end + 1, Punctuator.openParen)
                {
                    storageClients.insert(name)
                }
            }
            // `const billing = supabase.schema('billing')`
            if let (schema, end) = schemaCall(from: value), !isDot(end + 1) {
                schemaClients[name] = schema
                clients.insert(name)
                if topLevel { topLevelSchemas[name] = schema }
            }
            if topLevel, `is`(index - 2, "export") { exports[name] = name }
        }
    }

    /// The clients this file makes and exports, with the schema each was made for.
    ///
    /// By the name another module imports them by. A client made but not exported (a
    /// script's own) says nothing of the clients other modules import.
    var declaredSchemas: [String: String] {
        var result: [String: String] = [:]
        for (exported, local) in exports {
            if let schema = topLevelSchemas[local] { result[exported] = schema }
        }
        return result
    }

    /// Notes `export { a, b as c }`, `export default a`, `module.exports = { a, b: c }`,
    /// `module.exports = a` and `exports.a = b` at `index` (the `export` or `exports`).
    private mutating func readExport(at index: Int) {
        if `is`(index, "export") {
            if `is`(index + 1, "default"), isIdentifier(index + 2),
                !isPunctuator(index + 3, Punctuator.openParen), !isDot(index + 3)
            {
                exports[word(index + 2)] = word(index + 2)
            } else if isPunctuator(index + 1, Punctuator.openBrace), matching[index + 1] > index {
                // `export { a as b }` (not `export { a } from '…'`, a re-export).
                let close = Int(matching[index + 1])
                guard !`is`(close + 1, "from") else { return }
                var at = index + 2
                while at < close {
                    if isIdentifier(at) {
                        let local = word(at)
                        var exported = local
                        if `is`(at + 1, "as"), isIdentifier(at + 2) {
                            exported = word(at + 2)
                            at += 2
                        }
                        exports[exported] = local
                        // A default import is matched by its own name (`export default a`).
                        if exported == "default" { exports[local] = local }
                    }
                    while at < close, !isPunctuator(at, Punctuator.comma) { at += 1 }
                    at += 1
                }
            }
            return
        }
        // `module.exports …` or `exports.a = b`.
        guard `is`(index, "exports"), !isDot(index - 1) || `is`(index - 2, "module") else {
            return
        }
        if isPunctuator(index + 1, Punctuator.assign) {
            if isIdentifier(index + 2) {
                exports[word(index + 2)] = word(index + 2)
            } else if isPunctuator(index + 2, Punctuator.openBrace), matching[index + 2] > index {
                let close = Int(matching[index + 2])
                var at = index + 3
                while at < close {
                    if isIdentifier(at) {
                        let exported = word(at)
                        var local = exported
                        if isPunctuator(at + 1, Punctuator.colon), isIdentifier(at + 2) {
                            local = word(at + 2)
                        }
                        exports[exported] = local
                    }
                    while at < close, !isPunctuator(at, Punctuator.comma) {
                        if matching[at] > at { at = Int(matching[at]) }
                        at += 1
                    }
                    at += 1
                }
            }
        } else if isDot(index + 1), isIdentifier(index + 2),
            isPunctuator(index + 3, Punctuator.assign), isIdentifier(index + 4)
        {
            exports[word(index + 2)] = word(index + 4)
        }
    }

    /// Notes the local names of `import X, { a, b as c } from '…'`.
    ///
    /// Each by the name it was exported by (a default import by its own name, as the module
    /// most often calls it). Type-only imports and namespaces (`import * as m`) bind no
    /// client.
    private mutating func readImport(at index: Int) {
        var at = index + 1
        if `is`(at, "type"), isIdentifier(at + 1) || isPunctuator(at + 1, Punctuator.openBrace) {
            return
        }
        if isIdentifier(at), !`is`(at, "from") {
            importedNames[word(at)] = word(at)
            importBindings.insert(at)
            at += 1
            guard isPunctuator(at, Punctuator.comma) else { return }
            at += 1
        }
        guard isPunctuator(at, Punctuator.openBrace), matching[at] > at else { return }
        readNames(from: at + 1, to: Int(matching[at]), colon: false)
    }

    /// `const { a, b: c } = require('…')`.
    private mutating func readRequire(at index: Int) {
        guard isPunctuator(index - 1, Punctuator.assign),
            isPunctuator(index - 2, Punctuator.closeBrace)
        else { return }
        let open = Int(matching[index - 2])
        guard open >= 1, open < index - 2, isDeclarationKeyword(open - 1) else { return }
        readNames(from: open + 1, to: index - 2, colon: true)
    }

    /// The names of `{ a, type T, b as c }` (or, with `colon`, `{ a, b: c }`) between
    /// `start` and `end`.
    private mutating func readNames(from start: Int, to end: Int, colon: Bool) {
        var at = start
        while at < end {
            var item = at
            if `is`(item, "type"), isIdentifier(item + 1), !`is`(item + 1, "as") {
                // `{ type Row }`: a type, not a value.
                while at < end, !isPunctuator(at, Punctuator.comma) { at += 1 }
                at += 1
                continue
            }
            if isIdentifier(item) {
                let exported = word(item)
                item += 1
                var local = exported
                let renamed = colon ? isPunctuator(item, Punctuator.colon) : `is`(item, "as")
                if renamed, isIdentifier(item + 1) {
                    local = word(item + 1)
                    item += 2
                }
                if isPunctuator(item, Punctuator.comma) || item == end {
                    importedNames[local] = exported
                    importBindings.insert(item - 1)
                }
            }
            while at < end, !isPunctuator(at, Punctuator.comma) { at += 1 }
            at += 1
        }
    }

    /// Where the value assigned at `index` starts: `name = value`, `const name: Type = value`,
    /// past an `await`; nil when `index` is not assigned there.
    private func assignedValue(of index: Int) -> Int? {
        var equals = index + 1
        if isPunctuator(equals, Punctuator.colon), index > 0, isIdentifier(index - 1),
            isDeclarationKeyword(index - 1)
        {
            // Skip the type annotation up to its `=`.
            while equals < tokens.count, !isPunctuator(equals, Punctuator.assign) {
                if isPunctuator(equals, Punctuator.semicolon) { return nil }
                if matching[equals] > equals { equals = Int(matching[equals]) }
                equals += 1
            }
        }
        guard isPunctuator(equals, Punctuator.assign) else { return nil }
        var value = equals + 1
        if isIdentifier(value), `is`(value, "await") { value += 1 }
        return value < tokens.count ? value : nil
    }

    /// A function whose parameters' `(` is at `open`: a client factory when it is declared
    /// to return a `SupabaseClient` or returns a client factory's call.
    private mutating func readFunction(named name: String, open: Int) {
        guard isPunctuator(open, Punctuator.openParen), matching[open] > open else { return }
        var index = Int(matching[open]) + 1
        if isPunctuator(index, Punctuator.colon), isIdentifier(index + 1),
            `is`(index + 1, "SupabaseClient")
        {
            clients.insert(name)
            return
        }
        // The body: `{ … return createClient(…) … }` or `=> createClient(…)`.
        while index < tokens.count, !isPunctuator(index, Punctuator.openBrace),
            !isPunctuator(index, Punctuator.arrow), !isPunctuator(index, Punctuator.semicolon)
        {
            index += 1
        }
        if isPunctuator(index, Punctuator.arrow) {
            if isIdentifier(index + 1), isClientFactory(index + 1) {
                clients.insert(name)
            }
            if isPunctuator(index + 1, Punctuator.openBrace) { index += 1 } else { return }
        }
        guard isPunctuator(index, Punctuator.openBrace), matching[index] > index else { return }
        for body in index..<Int(matching[index])
        where isIdentifier(body) && `is`(body, "return") && isIdentifier(body + 1)
            && isClientFactory(body + 1)
        {
            clients.insert(name)
            return
        }
    }

    /// `db: { schema: 'x' }` among a client factory's arguments.
    private func schemaOption(_ open: Int) -> String? {
        let close = Int(matching[open])
        guard close > open else { return nil }
        for index in open..<close
        where isIdentifier(index) && `is`(index, "schema")
            && isPunctuator(index + 1, Punctuator.colon) && tokens[index + 2].kind == .string
            && index >= 3 && isPunctuator(index - 1, Punctuator.openBrace)
            && isPunctuator(index - 2, Punctuator.colon) && isIdentifier(index - 3)
            && `is`(index - 3, "db")
        {
            return buffer.stringValue(tokens[index + 2])
        }
        return nil
    }

    /// `client.schema('x')` starting at `start`: the schema and the index of its `)`.
    private func schemaCall(from start: Int) -> (String, Int)? {
        var index = start
        while isIdentifier(index), isDot(index + 1), isIdentifier(index + 2),
            !`is`(index + 2, "schema")
        {
            index += 2
        }
        guard isIdentifier(index), isDot(index + 1), isIdentifier(index + 2),
            `is`(index + 2, "schema"), isPunctuator(index + 3, Punctuator.openParen)
        else { return nil }
        let args = arguments(index + 3)
        guard let first = args.first, let schema = literal(first) else { return nil }
        return (schema, Int(matching[index + 3]))
    }

    /// Where `let|var|const name` is declared, looking back from `index`; nil if nowhere.
    private func declaration(of name: String, before index: Int) -> Int? {
        var position = index - 1
        while position > 0, index - position < 20_000 {
            if isIdentifier(position), isDeclarationKeyword(position - 1), word(position) == name {
                return position
            }
            position -= 1
        }
        return nil
    }

    /// The `{…}`/`[…]` literal `name` means at `index`, if it is one.
    private func declaredLiteral(_ name: String, before index: Int) -> Int? {
        resolve(name, at: index, in: literals[name])
    }

    // MARK: Calls

    private mutating func readCalls() {
        var index = 0
        while index < tokens.count {
            defer { index += 1 }
            guard tokens[index].kind == .identifier else { continue }
            if isDot(index - 1), let open = callParen(after: index) {
                if `is`(index, "from") {
                    startFrom(at: index, open: open)
                } else if `is`(index, "rpc") {
                    startRPC(at: index, open: open)
                }
                continue
            }
            // A builder kept in a variable, extended: `q.eq(…)`, `q = q.order(…)`.
            if !builders.isEmpty, !isDot(index - 1),
                isDot(index + 1) || isPunctuator(index + 1, Punctuator.bang),
                let builder = builders[word(index)],
                visible(word(index), declaredAt: builder.declaredAt, at: index)
            {
                var chain = builder.chain
                var methods: [String] = []
                let end = walk(from: index, chain: &chain, methods: &methods)
                if end > index {
                    if case .pending(let slot) = chain.destination,
                        let first = methods.first, Self.starters.contains(first)
                    {
                        chain.destination = confirm(slot)
                    }
                    keep(chain, startingAt: index)
                }
            }
        }
    }

    /// Counts a pending chain of this file, and says where its expectations went.
    private mutating func confirm(_ slot: Int) -> Destination {
        clients.insert(pending[slot].roots[0])
        let destination = pending[slot].schemaRoot.map { Destination.imported($0) } ?? .confirmed
        let found = pending[slot].expectations
        pending[slot].expectations = CodeExpectations()
        update(destination) { $0.merge(found) }
        for (name, builder) in builders where builder.chain.destination == .pending(slot) {
            builders[name]?.chain.destination = destination
        }
        return destination
    }

    /// Changes the expectations a chain's `destination` names.
    private mutating func update(
        _ destination: Destination, _ change: (inout CodeExpectations) -> Void
    ) {
        var target = take(destination)
        change(&target)
        put(target, in: destination)
    }

    /// The expectations `destination` names, moved out (left empty there) so that changing
    /// them copies nothing; ``put(_:in:)`` moves them back.
    private mutating func take(_ destination: Destination) -> CodeExpectations {
        var target = CodeExpectations()
        switch destination {
        case .confirmed: swap(&target, &expectations)
        case .pending(let slot): swap(&target, &pending[slot].expectations)
        case .scratch: swap(&target, &scratch)
        case .imported(let name): target = imported.removeValue(forKey: name) ?? target
        }
        return target
    }

    private mutating func put(_ target: CodeExpectations, in destination: Destination) {
        switch destination {
        case .confirmed: expectations = target
        case .pending(let slot): pending[slot].expectations = target
        case .scratch: scratch = target
        case .imported(let name): imported[name] = target
        }
    }

    /// The name an imported client was exported by, when a chain on `root` takes its schema
    /// from the file that made the client: it names no schema, and this file made no client
    /// of that name.
    ///
    /// A parameter, an arrow's parameter or a `const|let|var` of the same name in a block
    /// around the use hides the import there (`function f(supabase: SupabaseClient)`).
    private func importedClient(_ root: String?, schema: String?, at use: Int) -> String? {
        guard schema == nil, let root, clientSchemas[root] == nil, schemaClients[root] == nil,
            let exported = importedNames[root]
        else { return nil }
        // `event.locals.supabase.from(…)`: a property of that name, not the import.
        var before = use - 2
        while isPunctuator(before, Punctuator.bang) { before -= 1 }
        if isIdentifier(before), isDot(before - 1) { return nil }
        // Most files only ever use the import (`supabase.from(…)`): no scope to walk.
        guard mayBeBoundAgain(root) else { return exported }
        if arrowBinds(root, before: use) { return nil }
        var block = Int(enclosing[use])
        while block >= 0 {
            if parameters(ofBodyAt: block).contains(root) || declared(in: block).contains(root) {
                return nil
            }
            block = Int(enclosing[block])
        }
        return exported
    }

    /// False when no token but the import's own can bind `name`.
    ///
    /// That is, every other one is followed by `.`, `?.`, `!` or `(`: a use. Found once a
    /// name, so that a file using its import in every function does not walk every
    /// function's scope.
    private func mayBeBoundAgain(_ name: String) -> Bool {
        if let known = rebinding.names[name] { return known }
        let bytes = Array(name.utf8)
        var found = false
        for index in tokens.indices
        where tokens[index].kind == .identifier && !importBindings.contains(index)
            && Int(tokens[index].end - tokens[index].start) == bytes.count && !isDot(index - 1)
        {
            let start = Int(tokens[index].start)
            guard (0..<bytes.count).allSatisfy({ buffer[start + $0] == bytes[$0] }) else {
                continue
            }
            if isDot(index + 1) || isPunctuator(index + 1, Punctuator.bang)
                || isPunctuator(index + 1, Punctuator.openParen)
            {
                continue
            }
            found = true
            break
        }
        rebinding.names[name] = found
        return found
    }

    /// The names the block whose `{` is at `open` declares with `const`, `let` or `var`
    /// (destructured ones too), wherever in the block.
    private func declared(in open: Int) -> Set<String> {
        if let cached = localDeclarations.names[open] { return cached }
        var names: Set<String> = []
        let close = matching[open] > open ? Int(matching[open]) : tokens.count
        var index = open + 1
        while index < close {
            // `for (const x of xs)` binds x in the loop alone (its body's parameters).
            if isPunctuator(index, Punctuator.openParen), matching[index] > index {
                index = Int(matching[index]) + 1
                continue
            }
            if enclosing[index] == Int32(open), isDeclarationKeyword(index) {
                // To the end of the declaration: a `;`, the next declaration or the block's end.
                var end = index + 1
                while end < close, !isPunctuator(end, Punctuator.semicolon),
                    !(enclosing[end] == Int32(open) && isDeclarationKeyword(end))
                {
                    end += 1
                }
                var at = index + 1
                collectBindings(&at, end: end, into: &names)
                index = end
                continue
            }
            index += 1
        }
        localDeclarations.names[open] = names
        return names
    }

    /// The receiver of the member call whose name is at `index`: its root name (the last
    /// identifier before the dot), its schema when it is `x.schema('s')`, and whether it is
    /// `storage`.
    private func receiver(of index: Int) -> (root: String?, schema: String?, storage: Bool) {
        // Back through `.schema('s')` calls (the one nearest the call wins) to the root.
        var schema: String?
        var at = index
        while true {
            var before = at - 2
            while isPunctuator(before, Punctuator.bang) { before -= 1 }
            guard before >= 0 else { return (nil, schema, false) }
            if isIdentifier(before) {
                let name = word(before)
                if name == "storage" || storageClients.contains(name) {
                    return (name, nil, true)
                }
                return (name, schema ?? schemaClients[name] ?? clientSchemas[name], false)
            }
            guard isPunctuator(before, Punctuator.closeParen) else { return (nil, schema, false) }
            let open = Int(matching[before])
            guard open > 0, isIdentifier(open - 1) else { return (nil, schema, false) }
            guard `is`(open - 1, "schema"), isDot(open - 2) else {
                return (word(open - 1), schema, false)
            }
            if schema == nil { schema = arguments(open).first.flatMap { literal($0) } }
            at = open - 1
        }
    }

    /// A receiver's name and the function that made it, if the file says.
    private func roots(of root: String) -> [String] {
        [root] + (madeBy[root].map { [$0] } ?? [])
    }

    private func isKnownClient(_ root: String) -> Bool {
        roots(of: root).contains { clients.contains($0) || Self.clientFactories.contains($0) }
    }

    /// The `(` of a call whose name is at `index`, past type arguments (`from<Row>(`,
    /// `returns<Post[]>()`); nil when no call follows.
    private func callParen(after index: Int) -> Int? {
        var next = index + 1
        if isPunctuator(next, Punctuator.less) {
            // Type arguments hold names, literals, `. , | & ? : => ...` and groups; anything
            // else (`&&`, `+`, `;`) means `<` was a comparison.
            var depth = 0
            var steps = 0
            while next < tokens.count, steps < 128 {
                let token = tokens[next]
                if token.kind == .punctuator {
                    switch token.punctuator {
                    case Punctuator.less: depth += 1
                    case Punctuator.greater: depth -= 1
                    case JSToken.code(">>"): depth -= 2
                    case JSToken.code(">>>"): depth -= 3
                    case Punctuator.openBrace, Punctuator.openBracket, Punctuator.openParen:
                        guard matching[next] > next else { return nil }
                        next = Int(matching[next])
                    case Punctuator.dot, Punctuator.comma, Punctuator.pipe, JSToken.code("&"),
                        Punctuator.question, Punctuator.colon, Punctuator.arrow, Punctuator.spread,
                        Punctuator.assign:
                        break
                    default: return nil
                    }
                }
                next += 1
                steps += 1
                if depth <= 0 { break }
            }
            guard depth <= 0 else { return nil }
        }
        return isPunctuator(next, Punctuator.openParen) ? next : nil
    }

    private mutating func startFrom(at index: Int, open: Int) {
        let (root, schema, storage) = receiver(of: index)
        let args = arguments(open)
        if storage {
            if let first = args.first, let bucket = literal(first) {
                expectations.buckets[bucket, default: CodeSites()].add(site(index))
            }
            return
        }
        if let root, Self.notClients.contains(root) { return }
        let known = root.map { isKnownClient($0) } ?? false
        // Most chains show at once that they are queries (`.from('t').select(…)`): read
        // straight into the file's expectations. Others are read aside first: whether they
        // count depends on what follows.
        let close = max(Int(matching[open]), open)
        var next = close + 1
        while isPunctuator(next, Punctuator.bang) { next += 1 }
        let startsQuery =
            isDot(next) && isIdentifier(next + 1)
            && method(at: next + 1).map(Self.starters.contains) == true
        let certain = startsQuery || known || receiverIsSchemaCall(index)
        let bucket = importedClient(root, schema: schema, at: index)
        let counted = bucket.map { Destination.imported($0) } ?? .confirmed
        scratch = CodeExpectations()
        var chain = Chain(table: nil, destination: certain ? counted : .scratch)
        let table = args.first.flatMap { literal($0) }
        if let table {
            let name = QualifiedName(schema ?? "public", table)
            chain.table = name
            let tableSite = site(index)
            update(chain.destination) {
                $0.tables[name, default: .init(name: name)].sites.add(tableSite)
            }
        }
        var methods: [String] = []
        _ = walk(from: close, chain: &chain, methods: &methods)
        let confirmed =
            certain || (methods.first.map(Self.starters.contains) ?? false)
        // `Array.from(x).map(…)`, `Readable.from(items).pipe(…)`: not a query.
        if !confirmed && !methods.isEmpty { return }
        if table == nil {
            guard confirmed else { return }
            expectations.noteUnchecked(
                "table name", args.first.map { source($0) } ?? "(none)", at: site(index))
        }
        if confirmed {
            if let root { clients.insert(root) }
            if !certain {
                let found = scratch
                scratch = CodeExpectations()
                update(counted) { $0.merge(found) }
            }
            chain.destination = counted
        } else if let root {
            pending.append(
                Pending(roots: roots(of: root), expectations: scratch, schemaRoot: bucket))
            chain.destination = .pending(pending.count - 1)
        } else {
            return
        }
        scratch = CodeExpectations()
        keep(chain, startingAt: receiverStart(index))
    }

    private func receiverIsSchemaCall(_ index: Int) -> Bool {
        var before = index - 2
        while isPunctuator(before, Punctuator.bang) { before -= 1 }
        guard isPunctuator(before, Punctuator.closeParen) else { return false }
        let open = Int(matching[before])
        return open > 1 && isIdentifier(open - 1) && `is`(open - 1, "schema") && isDot(open - 2)
    }

    /// Where the expression whose member call is at `index` starts (`this.db.from` → `this`).
    private func receiverStart(_ index: Int) -> Int {
        var start = index - 2
        while start > 0 {
            while isPunctuator(start, Punctuator.bang) { start -= 1 }
            if isPunctuator(start, Punctuator.closeParen), matching[start] > 0 {
                start = Int(matching[start]) - 1
                continue
            }
            if isIdentifier(start), isDot(start - 1) {
                start -= 2
                continue
            }
            break
        }
        return max(start, 0)
    }

    /// Remembers `chain` when the expression starting at `start` is assigned to a variable
    /// (`const q = …`, `q = …`, `let q: Builder = …` is not followed).
    private mutating func keep(_ chain: Chain, startingAt start: Int) {
        var before = start - 1
        if isIdentifier(before), `is`(before, "await") { before -= 1 }
        guard isPunctuator(before, Punctuator.assign) else { return }
        if isIdentifier(before - 1) {
            let name = word(before - 1)
            // `q = q.eq(…)` keeps the scope of `let q`, wherever it was declared (`let q` then
            // `if (…) { q = … }`); `const q = …` starts one.
            let declaredAt: Int
            if isDeclarationKeyword(before - 2) {
                declaredAt = before - 1
            } else if let known = builders[name],
                visible(name, declaredAt: known.declaredAt, at: before)
            {
                declaredAt = known.declaredAt
            } else {
                declaredAt = declaration(of: name, before: before - 1) ?? 0
            }
            builders[name] = (chain, declaredAt)
            return
        }
        // `let q: Builder<…> = …`: back to `let q:` within the statement.
        var index = before - 1
        while index > 1, before - index < 64, !isPunctuator(index, Punctuator.semicolon) {
            if isPunctuator(index, Punctuator.colon), isIdentifier(index - 1),
                isIdentifier(index - 2),
                isDeclarationKeyword(index - 2)
            {
                builders[word(index - 1)] = (chain, index - 1)
                return
            }
            index -= 1
        }
    }

    private mutating func startRPC(at index: Int, open: Int) {
        let (root, schema, storage) = receiver(of: index)
        guard !storage, let root,
            isKnownClient(root)
                || receiverIsSchemaCall(index)
        else {
            if let root, !storage, !Self.notClients.contains(root) {
                var scratch = CodeExpectations()
                recordRPC(at: index, open: open, schema: schema, into: &scratch)
                pending.append(
                    Pending(
                        roots: roots(of: root), expectations: scratch,
                        schemaRoot: importedClient(root, schema: schema, at: index)))
            }
            return
        }
        if let bucket = importedClient(root, schema: schema, at: index) {
            recordRPC(
                at: index, open: open, schema: schema,
                into: &imported[bucket, default: CodeExpectations()])
        } else {
            recordRPC(at: index, open: open, schema: schema, into: &expectations)
        }
    }

    private func recordRPC(
        at index: Int, open: Int, schema: String?, into target: inout CodeExpectations
    ) {
        let args = arguments(open)
        guard let first = args.first, let name = literal(first) else {
            target.noteUnchecked(
                "function name", args.first.map { source($0) } ?? "(none)", at: site(index))
            return
        }
        let function = QualifiedName(schema ?? "public", name)
        var names: [String] = []
        if args.count > 1 {
            guard let keys = objectKeys(args[1], at: index) else {
                target.noteUnchecked("arguments of \(name)", source(args[1]), at: site(index))
                target.functions[function, default: .init(name: function)].argumentSets[
                    ["…"], default: CodeSites()
                ].add(site(index))
                return
            }
            names = keys.sorted()
        }
        target.functions[function, default: .init(name: function)].argumentSets[
            names, default: CodeSites()
        ].add(site(index))
    }

    /// The keys of an object literal argument (or of a `const x = {…}` it names); nil when
    /// they cannot all be read (a spread, a computed key, a value from elsewhere).
    private func objectKeys(_ range: Range<Int>, at use: Int) -> Set<String>? {
        var open = range.lowerBound
        if range.count == 1, isIdentifier(open) {
            guard let declared = declaredLiteral(word(open), before: use) else { return nil }
            open = declared
        } else if !(isPunctuator(open, Punctuator.openBrace)
            && Int(matching[open]) == range.upperBound - 1)
        {
            return nil
        }
        guard isPunctuator(open, Punctuator.openBrace) else { return nil }
        var keys: Set<String> = []
        let close = Int(matching[open])
        var start = open + 1
        while start < close {
            // One member: `key: value`, `key`, `'key': value`, `key() {}`.
            let token = tokens[start]
            if token.isPunctuator(Punctuator.spread) || token.isPunctuator(Punctuator.openBracket) {
                return nil
            }
            // `get a() {}`, `async b() {}`, `*c() {}`: the name follows the modifier.
            if token.isPunctuator(JSToken.code("*"))
                || (token.kind == .identifier
                    && (`is`(start, "get") || `is`(start, "set") || `is`(start, "async"))
                    && (isIdentifier(start + 1) || tokens[start + 1].kind == .string))
            {
                start += 1
                continue
            }
            if token.kind == .identifier {
                keys.insert(word(start))
            } else if token.kind == .string, let value = buffer.stringValue(token) {
                keys.insert(value)
            } else if token.kind == .number {
                keys.insert(word(start))
            } else {
                return nil
            }
            // Skip to the next top-level comma.
            var index = start + 1
            while index < close {
                if matching[index] > index {
                    index = Int(matching[index]) + 1
                    continue
                }
                if tokens[index].isPunctuator(Punctuator.comma) { break }
                index += 1
            }
            start = index + 1
        }
        return keys
    }

    /// The column names of insert values: an object, an array of objects, or a `const`
    /// holding one.
    private func valueKeys(_ range: Range<Int>, at use: Int) -> Set<String>? {
        var open = range.lowerBound
        var whole = range
        if range.count == 1, isIdentifier(open) {
            guard let declared = declaredLiteral(word(open), before: use) else { return nil }
            open = declared
            whole = open..<(Int(matching[open]) + 1)
        }
        if isPunctuator(open, Punctuator.openBracket), Int(matching[open]) == whole.upperBound - 1 {
            var keys: Set<String> = []
            var index = open + 1
            let close = Int(matching[open])
            while index < close {
                guard isPunctuator(index, Punctuator.openBrace),
                    let object = objectKeys(index..<(Int(matching[index]) + 1), at: use)
                else { return nil }
                keys.formUnion(object)
                index = Int(matching[index]) + 1
                if isPunctuator(index, Punctuator.comma) { index += 1 }
            }
            return keys
        }
        return objectKeys(whole, at: use)
    }

    /// The value of `key` in an options object literal (`{ onConflict: 'a,b' }`).
    private func option(_ key: String, in range: Range<Int>) -> String? {
        guard isPunctuator(range.lowerBound, Punctuator.openBrace) else { return nil }
        for index in range
        where isIdentifier(index) && word(index) == key
            && isPunctuator(index + 1, Punctuator.colon)
        {
            var end = index + 2
            while end < range.upperBound, !isPunctuator(end, Punctuator.comma),
                !isPunctuator(end, Punctuator.closeBrace)
            {
                end += 1
            }
            return literal((index + 2)..<end)
        }
        return nil
    }

    // MARK: Recording

    /// Walks the builder methods after `start` (the `)` of `from`, or a builder variable):
    /// each `.method(args)`; returns the index of the last token of the chain.
    private mutating func walk(from start: Int, chain: inout Chain, methods: inout [String]) -> Int
    {
        // The destination, and the table's use in it, are taken out once for the whole chain
        // and put back at its end (moved, so that nothing is copied): taken once a method,
        // they cost two hashes and two moves a call.
        let destination = chain.destination
        var target = take(destination)
        let table = chain.table
        // Moved out of the dictionary, not copied: a copy would make the first change to its
        // columns copy them all.
        var use: CodeExpectations.TableUse
        var kept = false
        if let table, let found = target.tables.removeValue(forKey: table) {
            use = found
            kept = true
        } else {
            use = CodeExpectations.TableUse(name: table ?? QualifiedName("", ""))
        }
        defer {
            if let table, kept { target.tables[table] = use }
            put(target, in: destination)
        }
        var index = start
        while true {
            var next = index + 1
            while isPunctuator(next, Punctuator.bang) { next += 1 }
            guard isDot(next), isIdentifier(next + 1), let open = callParen(after: next + 1)
            else { return index }
            guard let name = method(at: next + 1) else { return index }
            methods.append(name)
            if table != nil {
                apply(name, at: next + 1, open: open, chain: &chain, use: &use, target: &target)
                kept = true
            }
            index = Int(matching[open])
            guard index > next else { return open }
        }
    }

    /// Notes what the builder method `method` says of the chain's table.
    private func apply(
        _ method: String, at index: Int, open: Int, chain: inout Chain,
        use: inout CodeExpectations.TableUse, target: inout CodeExpectations
    ) {
        let args = arguments(open)
        switch method {
        case "select":
            guard let first = args.first else {
                use.allColumns = true
                use.allColumnsSites.add(site(index))
                return
            }
            guard let text = literal(first) else {
                target.noteUnchecked("select list", source(first), at: site(index))
                return
            }
            let items: [PostgRESTSyntax.SelectItem]
            do {
                items = try PostgRESTSyntax.select(text)
            } catch {
                target.noteUnchecked(
                    "select list PostgREST cannot parse (\(error.message))", text,
                    at: site(first.lowerBound, offset: error.offset, in: text))
                return
            }
            for item in items {
                switch item {
                case .star:
                    use.allColumns = true
                    use.allColumnsSites.add(site(first.lowerBound))
                case .column(let name, let offset):
                    use.columns[name, default: .init(name: name)].note(
                        .select, at: site(first.lowerBound, offset: offset, in: text))
                case .aggregate: break
                case .embed(let embed):
                    let key = CodeExpectations.Embed.key(embed.name, embed.hint)
                    use.embeds[key, default: .init(target: embed.name, hint: embed.hint)].merge(
                        self.embed(embed, token: first.lowerBound, text: text))
                    remember(embed, path: [key], in: &chain)
                }
            }
        case "insert", "update", "upsert":
            use.operations.insert(method)
            if let first = args.first {
                if let keys = valueKeys(first, at: index) {
                    for key in keys.sorted() {
                        use.columns[key, default: .init(name: key)].note(
                            CodeExpectations.Use(rawValue: method)!, at: site(first.lowerBound))
                    }
                } else {
                    target.noteUnchecked("\(method) values", source(first), at: site(index))
                }
            }
            if method == "upsert", args.count > 1,
                let conflict = option("onConflict", in: args[1])
            {
                let columns = conflict.split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(
                        in: CharacterSet(charactersIn: "\""))
                }
                for name in columns {
                    use.columns[name, default: .init(name: name)].note(
                        .conflict, at: site(args[1].lowerBound))
                }
                use.conflictTargets[columns.joined(separator: ","), default: CodeSites()].add(
                    site(args[1].lowerBound))
            }
        case "delete":
            use.operations.insert(method)
        case "match":
            guard let first = args.first else { return }
            if let keys = objectKeys(first, at: index) {
                for key in keys.sorted() {
                    filter(key, .filter, at: site(first.lowerBound), chain, &use, &target)
                }
            } else {
                target.noteUnchecked("match columns", source(first), at: site(index))
            }
        case "or", "order":
            guard let first = args.first else { return }
            // An `or` may compute its values (`name.ilike.%${term}%`): its columns still read.
            guard
                let text = literal(first)
                    ?? (method == "or" && tokens[first.lowerBound].kind == .templateHead
                        ? template(first, holes: true) : nil)
            else {
                target.noteUnchecked("\(method) filter", source(first), at: site(index))
                return
            }
            let referenced =
                args.count > 1
                ? (option("referencedTable", in: args[1]) ?? option("foreignTable", in: args[1]))
                : nil
            let columns =
                method == "or"
                ? PostgRESTSyntax.logicColumns(text) : [(name: text, offset: 0)]
            for item in columns {
                // (Foundation's `contains` would search through NSString: 3 % of reading.)
                guard !item.name.utf8.contains(1) else {
                    target.noteUnchecked(
                        "or filter column", source(first),
                        at: site(first.lowerBound, offset: item.offset, in: text))
                    continue
                }
                filter(
                    referenced.map { "\($0).\(item.name)" } ?? item.name,
                    method == "or" ? .filter : .order,
                    at: site(first.lowerBound, offset: item.offset, in: text), chain, &use,
                    &target)
            }
        default:
            guard Self.columnFilters.contains(method), let first = args.first else { return }
            guard let name = literal(first) else {
                target.noteUnchecked("\(method) column", source(first), at: site(index))
                return
            }
            filter(name, .filter, at: site(first.lowerBound), chain, &use, &target)
        }
    }

    /// Remembers the names a filter may use for `embed` and its nested embeds
    /// (`organizations.name`, `org.name` for `org:organizations(name)`).
    private func remember(
        _ embed: PostgRESTSyntax.Embed, path: [String], prefixes: [String] = [],
        in chain: inout Chain
    ) {
        // By its alias or its name, after its parent's alias (else name): two names a level,
        // however deep.
        let names = [embed.alias, embed.name].compactMap { $0 }
        let prefix = prefixes.first
        for name in names { chain.embeds[prefix.map { "\($0).\(name)" } ?? name] = path }
        let canonical =
            prefix.map { "\($0).\(embed.alias ?? embed.name)" } ?? (embed.alias ?? embed.name)
        for case .embed(let inner) in embed.items {
            remember(
                inner, path: path + [CodeExpectations.Embed.key(inner.name, inner.hint)],
                prefixes: [canonical], in: &chain)
        }
    }

    /// A filter's column: on the table, or `rel.col` on an embedded resource of the select.
    private func filter(
        _ name: String, _ kind: CodeExpectations.Use, at site: CodeSite, _ chain: Chain,
        _ use: inout CodeExpectations.TableUse, _ target: inout CodeExpectations
    ) {
        var field = PostgRESTSyntax.filterColumn(name)
        // `order('clients(name)')`: a related table's column, as `clients.name`. (Searched as
        // UTF-8: a search by Character cost 5 % of reading a tree.)
        let bytes = field.utf8
        if let open = bytes.firstIndex(of: 0x28), bytes.last == 0x29 {
            field =
                String(field[..<open]) + "."
                + field[bytes.index(after: open)..<bytes.index(before: bytes.endIndex)]
        }
        guard let dot = field.utf8.lastIndex(of: 0x2E) else {
            // `not('clients', 'is', null)`: a filter on the embedded resource itself.
            if chain.embeds[field] != nil { return }
            use.columns[field, default: .init(name: field)].note(kind, at: site)
            return
        }
        let path = String(field[..<dot])
        let column = String(field[field.utf8.index(after: dot)...])
        guard let keys = chain.embeds[path] else {
            target.noteUnchecked(
                "filter on an embedded resource not in the select", name, at: site)
            return
        }
        Self.addColumn(column, kind, at: site, path: keys[...], to: &use.embeds)
    }

    private static func addColumn(
        _ column: String, _ kind: CodeExpectations.Use, at site: CodeSite,
        path: ArraySlice<String>, to embeds: inout [String: CodeExpectations.Embed]
    ) {
        guard let key = path.first else { return }
        let (target, hint) = CodeExpectations.Embed.split(key)
        var embed = embeds[key] ?? CodeExpectations.Embed(target: target, hint: hint)
        if path.count == 1 {
            embed.columns[column, default: .init(name: column)].note(kind, at: site)
        } else {
            addColumn(column, kind, at: site, path: path.dropFirst(), to: &embed.embeds)
        }
        embeds[key] = embed
    }

    /// An embed of a select as expectations, its columns and nested embeds with their sites.
    private func embed(
        _ embed: PostgRESTSyntax.Embed, token: Int, text: String
    ) -> CodeExpectations.Embed {
        var result = CodeExpectations.Embed(target: embed.name, hint: embed.hint)
        result.sites.add(site(token, offset: embed.offset, in: text))
        for item in embed.items {
            switch item {
            case .star: result.allColumns = true
            case .column(let name, let offset):
                // `rel(count)` counts the related rows: no column.
                guard name != "count" else { continue }
                result.columns[name, default: .init(name: name)].note(
                    .select, at: site(token, offset: offset, in: text))
            case .aggregate: break
            case .embed(let inner):
                let key = CodeExpectations.Embed.key(inner.name, inner.hint)
                result.embeds[key, default: .init(target: inner.name, hint: inner.hint)].merge(
                    self.embed(inner, token: token, text: text))
            }
        }
        return result
    }
}
