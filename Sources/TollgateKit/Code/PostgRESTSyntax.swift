/// PostgREST's query grammar, as its own parser reads it (`QueryParams.hs`): the `select`
/// list with aliases, casts, JSON paths, aggregates and embedded resources, and the logic
/// trees of `or`/`and` filters.
///
/// Offsets are into the string as the code wrote it, so that a finding can name its line.
enum PostgRESTSyntax {
    /// One item of a select list.
    indirect enum SelectItem: Equatable {
        case star(offset: Int)
        /// A column (its name without JSON path, cast or aggregate).
        case column(name: String, offset: Int)
        /// `count()`: no column.
        case aggregate(offset: Int)
        case embed(Embed)
    }

    struct Embed: Equatable {
        var name: String
        var alias: String?
        var hint: String?
        var spread: Bool
        var items: [SelectItem]
        var offset: Int
    }

    struct SyntaxError: Error, Equatable {
        var message: String
        var offset: Int
    }

    /// The select list, after removing whitespace outside double quotes as postgrest-js
    /// does before it sends it.
    static func select(_ text: String) throws(SyntaxError) -> [SelectItem] {
        var parser = Parser(text)
        let items = try parser.list(nested: false)
        if !parser.atEnd {
            throw SyntaxError(
                message: "unexpected '\(parser.character)'", offset: parser.originalOffset)
        }
        return items
    }

    /// The columns an `or`/`and` filter names (`a.eq.1,b.is.null,and(c.gt.2,d.lt.3)`), with
    /// their offsets; JSON paths are taken off.
    static func logicColumns(_ text: String) -> [(name: String, offset: Int)] {
        var result: [(String, Int)] = []
        let bytes = Array(text.utf8)
        // Split at top-level commas (outside parentheses, braces and double quotes).
        func items(_ range: Range<Int>) -> [Range<Int>] {
            var ranges: [Range<Int>] = []
            var depth = 0
            var quoted = false
            var start = range.lowerBound
            var index = range.lowerBound
            while index < range.upperBound {
                let byte = bytes[index]
                if byte == 0x5C, quoted {
                    index += 2
                    continue
                }
                if byte == 0x22 { quoted.toggle() }
                if !quoted {
                    if byte == 0x28 || byte == 0x7B { depth += 1 }
                    if byte == 0x29 || byte == 0x7D { depth -= 1 }
                    if byte == 0x2C && depth == 0 {
                        ranges.append(start..<index)
                        start = index + 1
                    }
                }
                index += 1
            }
            ranges.append(start..<range.upperBound)
            return ranges
        }
        func walk(_ range: Range<Int>, depth: Int) {
            // Deeper than PostgREST would take: not read further.
            guard depth < 64 else { return }
            for item in items(range) {
                var start = item.lowerBound
                while start < item.upperBound, bytes[start] == 0x20 { start += 1 }
                var rest = String(decoding: bytes[start..<item.upperBound], as: UTF8.self)
                var offset = start
                if rest.hasPrefix("not.") {
                    rest.removeFirst(4)
                    offset += 4
                }
                for op in ["and(", "or("] where rest.hasPrefix(op) && rest.hasSuffix(")") {
                    walk((offset + op.utf8.count)..<(item.upperBound - 1), depth: depth + 1)
                    rest = ""
                }
                guard !rest.isEmpty else { continue }
                let field = fieldName(rest)
                if !field.isEmpty { result.append((field, offset)) }
            }
        }
        walk(0..<bytes.count, depth: 0)
        return result
    }

    /// A filter's or order's column: `a->b->>c` is `a`; `rel.col` keeps its path
    /// (`rel.col`), which the caller resolves against the select's embeds.
    static func filterColumn(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        // Up to a JSON path's arrow.
        var index = start
        while index + 1 < end {
            if bytes[index] == 0x2D, bytes[index + 1] == 0x3E {
                end = index
                break
            }
            index += 1
        }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        return start == 0 && end == bytes.count
            ? text : String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The field of a logic-tree item: up to the operator (`col.eq.1` → `col`); its JSON path
    /// is taken off.
    private static func fieldName(_ item: String) -> String {
        var end = item.endIndex
        if let arrow = item.range(of: "->") {
            end = arrow.lowerBound
        } else if let dot = item.firstIndex(of: ".") {
            end = dot
        }
        return item[..<end].trimmingCharacters(in: .whitespaces)
    }

    /// A recursive-descent reader of the select grammar over whitespace-stripped bytes.
    private struct Parser {
        var bytes: [UInt8] = []
        /// Where each kept byte was in the original text.
        var origins: [Int] = []
        var index = 0
        /// How deep embeds nest here; bounded so that no select list can exhaust the stack.
        var depth = 0
        static let maximumDepth = 64

        init(_ text: String) {
            var quoted = false
            for (offset, byte) in text.utf8.enumerated() {
                if byte == 0x22 { quoted.toggle() }
                if !quoted, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                    continue
                }
                bytes.append(byte)
                origins.append(offset)
            }
        }

        var atEnd: Bool { index >= bytes.count }
        var character: Character {
            atEnd ? " " : Character(Unicode.Scalar(bytes[index]))
        }
        var originalOffset: Int {
            index < origins.count ? origins[index] : (origins.last ?? -1) + 1
        }

        func peek(_ offset: Int = 0) -> UInt8 {
            index + offset < bytes.count ? bytes[index + offset] : 0
        }

        func error(_ message: String) -> SyntaxError {
            SyntaxError(message: message, offset: originalOffset)
        }

        func looking(at text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] {
                return false
            }
            return true
        }

        mutating func list(nested: Bool) throws(SyntaxError) -> [SelectItem] {
            var items: [SelectItem] = []
            if atEnd || (nested && peek() == 0x29) { return items }
            while true {
                items.append(try item())
                if peek() == 0x2C {
                    index += 1
                    continue
                }
                return items
            }
        }

        static func isIdentifier(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x24 || byte >= 0x80
        }

        /// A field name: a double-quoted string, or identifiers joined by `-` (not `->`).
        mutating func fieldName() throws(SyntaxError) -> String {
            if peek() == 0x22 {
                index += 1
                var value: [UInt8] = []
                while !atEnd, peek() != 0x22 {
                    if peek() == 0x5C { index += 1 }
                    if !atEnd { value.append(peek()) }
                    index += 1
                }
                guard !atEnd else { throw error("unterminated quoted name") }
                index += 1
                return String(decoding: value, as: UTF8.self)
            }
            let start = index
            while !atEnd {
                if Self.isIdentifier(peek()) {
                    index += 1
                } else if peek() == 0x2D, peek(1) != 0x3E, Self.isIdentifier(peek(1)) {
                    index += 1
                } else {
                    break
                }
            }
            guard index > start else {
                throw error(
                    atEnd
                        ? "unexpected end of the select list"
                        : "unexpected '\(character)': expected a field name")
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func item() throws(SyntaxError) -> SelectItem {
            let offset = originalOffset
            if peek() == 0x2A {
                index += 1
                return .star(offset: offset)
            }
            if looking(at: "...") {
                index += 3
                let nameOffset = originalOffset
                let name = try fieldName()
                return .embed(try embed(name: name, alias: nil, spread: true, offset: nameOffset))
            }
            if looking(at: "count()") {
                index += 7
                try cast()
                return .aggregate(offset: offset)
            }
            var name = try fieldName()
            var nameOffset = offset
            var alias: String?
            if peek() == 0x3A, peek(1) != 0x3A {
                index += 1
                alias = name
                nameOffset = originalOffset
                if looking(at: "count()") {
                    index += 7
                    try cast()
                    return .aggregate(offset: offset)
                }
                name = try fieldName()
            }
            if peek() == 0x21 || peek() == 0x28 {
                guard name != "count" || peek() == 0x21 else {
                    // `rel(count)` inside an embed reads `count` as a field; `count(` here is
                    // not a relation (PostgREST refuses a relation named count).
                    throw error("'count(' is not a relation; write count()")
                }
                return .embed(
                    try embed(name: name, alias: alias, spread: false, offset: nameOffset))
            }
            // JSON path, cast, aggregate, cast.
            while looking(at: "->") {
                index += looking(at: "->>") ? 3 : 2
                if peek() == 0x22 {
                    _ = try fieldName()
                } else {
                    let start = index
                    while !atEnd, ![0x2D, 0x3A, 0x2E, 0x2C, 0x3E, 0x28, 0x29].contains(peek()) {
                        index += 1
                    }
                    if peek() == 0x2D, !looking(at: "->") { index += 1 }
                    while !atEnd, ![0x2D, 0x3A, 0x2E, 0x2C, 0x3E, 0x28, 0x29].contains(peek()) {
                        index += 1
                    }
                    guard index > start else { throw error("expected a JSON key after '->'") }
                }
            }
            try cast()
            if peek() == 0x2E {
                index += 1
                let start = index
                while !atEnd, Self.isIdentifier(peek()) { index += 1 }
                let function = String(decoding: bytes[start..<index], as: UTF8.self)
                guard ["sum", "avg", "count", "max", "min"].contains(function), looking(at: "()")
                else { throw error("unknown aggregate '\(function)'") }
                index += 2
                try cast()
            }
            guard atEnd || peek() == 0x2C || peek() == 0x29 else {
                throw error("unexpected '\(character)'")
            }
            return .column(name: name, offset: nameOffset)
        }

        mutating func cast() throws(SyntaxError) {
            guard looking(at: "::") else { return }
            index += 2
            let start = index
            while !atEnd, Self.isIdentifier(peek()) { index += 1 }
            guard index > start else { throw error("expected a type after '::'") }
        }

        mutating func embed(
            name: String, alias: String?, spread: Bool, offset: Int
        ) throws(SyntaxError) -> Embed {
            var hint: String?
            // At most two parameters: a hint and a join type, in either order.
            for _ in 0..<2 where peek() == 0x21 {
                index += 1
                let parameter = try fieldName()
                if parameter != "inner" && parameter != "left" { hint = parameter }
            }
            guard peek() == 0x28 else {
                throw error("expected '(' after the embedded resource '\(name)'")
            }
            guard depth < Self.maximumDepth else {
                throw error("embeds nested deeper than \(Self.maximumDepth)")
            }
            index += 1
            depth += 1
            let items = try list(nested: true)
            depth -= 1
            guard peek() == 0x29 else {
                throw error(atEnd ? "missing ')' after '\(name)('" : "unexpected '\(character)'")
            }
            index += 1
            return Embed(
                name: name, alias: alias, hint: hint, spread: spread, items: items, offset: offset)
        }
    }
}
