import Foundation

/// The types file `supabase gen types typescript` writes (`database.types.ts`): which tables,
/// views, columns and functions the code was compiled against, with each column's
/// nullability and the line that declares it.
public struct SupabaseTypes: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var nullable: Bool
        public var site: CodeSite
    }

    public struct Relation: Sendable, Equatable {
        public var site: CodeSite
        public var isView: Bool
        public var columns: [String: Column]
    }

    public struct Function: Sendable, Equatable {
        public var site: CodeSite
        /// Each accepted set of arguments (one per overload): name → optional.
        public var overloads: [[String: Bool]]
    }

    public var file: String
    public var relations: [QualifiedName: Relation] = [:]
    public var functions: [QualifiedName: Function] = [:]

    /// Reads the file at `url`, shown as `file`; nil when it holds no `Database` type.
    public static func read(_ url: URL, as file: String) throws -> SupabaseTypes? {
        let data = try Data(contentsOf: url)
        return parse(SourceText.utf8(data), file: file)
    }

    /// Parses the text of a types file (UTF-8 bytes, any line ending).
    static func parse(_ bytes: [UInt8], file: String) -> SupabaseTypes? {
        bytes.withUnsafeBufferPointer { buffer -> SupabaseTypes? in
            let tokens = JavaScriptTokenizer.tokenize(buffer, jsx: false)
            var reader = TypeTreeReader(tokens: tokens, buffer: buffer)
            // `export type Database = {` or `export interface Database {`.
            var start: Int?
            for index in tokens.indices.dropLast(2)
            where tokens[index].kind == .identifier && buffer.equals(tokens[index], "Database")
                && index > 0
                && (buffer.equals(tokens[index - 1], "type")
                    || buffer.equals(tokens[index - 1], "interface"))
            {
                var open = index + 1
                if tokens[open].isPunctuator(Punctuator.assign) { open += 1 }
                if tokens[open].isPunctuator(Punctuator.openBrace) {
                    start = open
                    break
                }
            }
            guard let start else { return nil }
            let database = reader.object(at: start)
            var types = SupabaseTypes(file: file)
            let site = { (token: JSToken) in
                CodeSite(file: file, line: Int(token.line), column: Int(token.column))
            }
            for (schema, schemaMember) in database {
                guard case .object(let sections) = schemaMember.value else { continue }
                for (section, isView) in [("Tables", false), ("Views", true)] {
                    guard case .object(let relations)? = sections[section]?.value else { continue }
                    for (name, relation) in relations {
                        guard case .object(let parts) = relation.value,
                            case .object(let row)? = parts["Row"]?.value
                        else { continue }
                        var columns: [String: Column] = [:]
                        for (column, member) in row {
                            if case .text(let nullable) = member.value {
                                columns[column] = Column(nullable: nullable, site: site(member.key))
                            }
                        }
                        types.relations[QualifiedName(schema, name)] = Relation(
                            site: site(relation.key), isView: isView, columns: columns)
                    }
                }
                guard case .object(let functions)? = sections["Functions"]?.value else { continue }
                for (name, function) in functions {
                    var overloads: [[String: Bool]] = []
                    // One object, or a union of objects for overloaded functions.
                    let variants: [TypeTreeReader.Value]
                    if case .union(let members) = function.value {
                        variants = members
                    } else {
                        variants = [function.value]
                    }
                    for variant in variants {
                        guard case .object(let parts) = variant else { continue }
                        switch parts["Args"]?.value {
                        case .object(let arguments)?:
                            overloads.append(arguments.mapValues { $0.optional })
                        case .union(let members)?:
                            for case .object(let arguments) in members {
                                overloads.append(arguments.mapValues { $0.optional })
                            }
                        default:
                            overloads.append([:])
                        }
                    }
                    types.functions[QualifiedName(schema, name)] = Function(
                        site: site(function.key), overloads: overloads)
                }
            }
            return types
        }
    }
}

/// Reads TypeScript object types into a tree: members are separated by `;`, `,` or a line
/// break, as the generator's different versions write them.
struct TypeTreeReader {
    struct Member {
        var key: JSToken
        var optional: Bool
        var value: Value
    }

    indirect enum Value {
        case object([String: Member])
        /// `{ … } | { … }`.
        case union([Value])
        /// Any other type; true when `null` is one of its alternatives.
        case text(nullable: Bool)
    }

    let tokens: [JSToken]
    let buffer: UnsafeBufferPointer<UInt8>
    var matching: [Int: Int] = [:]
    /// How deep object types nest; deeper ones are not read (the generator nests 6 deep).
    var depth = 0
    static let maximumDepth = 32

    init(tokens: [JSToken], buffer: UnsafeBufferPointer<UInt8>) {
        self.tokens = tokens
        self.buffer = buffer
        var stack: [Int] = []
        for (index, token) in tokens.enumerated() where token.kind == .punctuator {
            switch token.punctuator {
            case Punctuator.openBrace, Punctuator.openBracket, Punctuator.openParen:
                stack.append(index)
            case Punctuator.closeBrace, Punctuator.closeBracket, Punctuator.closeParen:
                if let open = stack.popLast() { matching[open] = index }
            default: break
            }
        }
    }

    /// The members of the object type whose `{` is at `open`.
    mutating func object(at open: Int) -> [String: Member] {
        let close = matching[open] ?? tokens.count
        var members: [String: Member] = [:]
        guard depth < Self.maximumDepth else { return members }
        depth += 1
        defer { depth -= 1 }
        var index = open + 1
        while index < close {
            let token = tokens[index]
            // A member: key, optional `?`, `:`.
            guard token.kind == .identifier || token.kind == .string,
                index + 1 < close
            else {
                index += 1
                continue
            }
            var colon = index + 1
            var optional = false
            if tokens[colon].isPunctuator(Punctuator.question) {
                optional = true
                colon += 1
            }
            guard colon < close, tokens[colon].isPunctuator(Punctuator.colon) else {
                index += 1
                continue
            }
            let key =
                token.kind == .string
                ? (buffer.stringValue(token) ?? buffer.text(token)) : buffer.text(token)
            let (value, end) = self.value(from: colon + 1, before: close, line: token.line)
            members[key] = Member(key: token, optional: optional, value: value)
            index = end
        }
        return members
    }

    /// A member's value from `start`: up to `;`, `,`, the enclosing `}`, or the next line's
    /// member; returns where the next member may start.
    mutating func value(from start: Int, before close: Int, line: Int32) -> (Value, Int) {
        var alternatives: [Value] = []
        var nullable = false
        var index = start
        var lastLine = line
        while index < close {
            let token = tokens[index]
            if token.kind == .punctuator {
                if token.punctuator == Punctuator.semicolon || token.punctuator == Punctuator.comma
                {
                    index += 1
                    break
                }
                if token.punctuator == Punctuator.openBrace {
                    alternatives.append(.object(object(at: index)))
                    lastLine = tokens[matching[index] ?? index].line
                    index = (matching[index] ?? index) + 1
                    continue
                }
                if let end = matching[index] {
                    lastLine = tokens[end].line
                    index = end + 1
                    continue
                }
            } else if token.line > lastLine, index > start,
                !(tokens[index - 1].kind == .punctuator
                    && tokens[index - 1].punctuator == Punctuator.pipe),
                index + 1 < close,
                tokens[index + 1].isPunctuator(Punctuator.colon)
                    || tokens[index + 1].isPunctuator(Punctuator.question)
            {
                break  // the next member, on its own line
            } else if token.kind == .identifier, buffer.equals(token, "null") {
                nullable = true
            }
            lastLine = token.line
            index += 1
        }
        if alternatives.count == 1 { return (alternatives[0], index) }
        if alternatives.count > 1 { return (.union(alternatives), index) }
        return (.text(nullable: nullable), index)
    }
}

/// Source files as UTF-8 bytes, whatever they were saved in: UTF-8 with or without a byte
/// order mark, or UTF-16 (little or big endian) with one.
enum SourceText {
    static func utf8(_ data: Data) -> [UInt8] { utf8([UInt8](data)) }

    /// The bytes unchanged unless they start with a byte order mark.
    static func utf8(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.first, first == 0xEF || first == 0xFF || first == 0xFE else {
            return bytes
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(bytes.dropFirst(3)) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let little = bytes[0] == 0xFF
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var index = 2
            while index + 1 < bytes.count {
                let pair =
                    little
                    ? UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
                    : UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                units.append(pair)
                index += 2
            }
            return Array(String(decoding: units, as: UTF16.self).utf8)
        }
        return bytes
    }
}
