/// One token of JavaScript or TypeScript source, as offsets into the file's UTF-8 bytes.
///
/// Comments and whitespace are not tokens; JSX text is not either (its `{expressions}` are).
struct JSToken: Equatable {
    enum Kind: UInt8 {
        case identifier
        /// An operator or punctuation; ``JSToken/punctuator`` holds its bytes.
        case punctuator
        /// A quoted string, or a template literal without substitutions.
        case string
        /// The parts of a template literal with substitutions: `` `a${ `` … `}b${` … `` }c` ``.
        case templateHead, templateMiddle, templateTail
        case number
        case regex
        /// `#name` in a class.
        case privateName
    }

    var kind: Kind
    var start: Int32
    var end: Int32
    var line: Int32
    var column: Int32
    /// A punctuator's bytes, packed little-endian (`"?."` is `0x2E3F`); 0 for other kinds.
    var punctuator: UInt32 = 0

    /// The packed form of a punctuator's text, for comparing with ``punctuator``.
    static func code(_ text: StaticString) -> UInt32 {
        var value: UInt32 = 0
        let pointer = text.utf8Start
        for index in 0..<min(text.utf8CodeUnitCount, 4) {
            value |= UInt32(pointer[index]) << (8 * UInt32(index))
        }
        return value
    }

    func isPunctuator(_ code: UInt32) -> Bool { kind == .punctuator && punctuator == code }
}

/// The punctuators the call reader looks at, packed as ``JSToken/punctuator`` packs them
/// (literals, so that a hot loop pays nothing to read them).
enum Punctuator {
    static var dot: UInt32 { 0x2E }  // .
    static var optionalDot: UInt32 { 0x2E3F }  // ?.
    static var openParen: UInt32 { 0x28 }  // (
    static var closeParen: UInt32 { 0x29 }  // )
    static var openBracket: UInt32 { 0x5B }  // [
    static var closeBracket: UInt32 { 0x5D }  // ]
    static var openBrace: UInt32 { 0x7B }  // {
    static var closeBrace: UInt32 { 0x7D }  // }
    static var comma: UInt32 { 0x2C }  // ,
    static var colon: UInt32 { 0x3A }  // :
    static var semicolon: UInt32 { 0x3B }  // ;
    static var assign: UInt32 { 0x3D }  // =
    static var plus: UInt32 { 0x2B }  // +
    static var spread: UInt32 { 0x2E2E2E }  // ...
    static var bang: UInt32 { 0x21 }  // !
    static var question: UInt32 { 0x3F }  // ?
    static var arrow: UInt32 { 0x3E3D }  // =>
    static var less: UInt32 { 0x3C }  // <
    static var greater: UInt32 { 0x3E }  // >
    static var pipe: UInt32 { 0x7C }  // |
    static var increment: UInt32 { 0x2B2B }  // ++
    static var decrement: UInt32 { 0x2D2D }  // --
}

/// A tokenizer for JavaScript, TypeScript and JSX: strings, template literals with nested
/// substitutions, regular expressions told apart from division by what precedes them,
/// comments, and JSX elements (whose text is skipped and whose `{expressions}` are read).
///
/// It never fails: an unterminated string ends at its line, an unterminated comment or
/// template at the end of the file, so a file it cannot understand still yields its tokens.
struct JavaScriptTokenizer {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let jsx: Bool
    private var position = 0
    private var line: Int32 = 1
    private var lineStart = 0
    private(set) var tokens: [JSToken] = []
    /// Nesting of templates, braces and JSX, bounded so that hostile input cannot exhaust the
    /// stack.
    private var depth = 0
    private static let maximumDepth = 500

    /// Tokenizes `bytes`; `jsx` for files that may hold JSX (`.tsx`, `.jsx`, `.js`, `.mjs`,
    /// `.cjs`); in `.ts` files `<` is always an operator (type assertions).
    static func tokenize(_ bytes: UnsafeBufferPointer<UInt8>, jsx: Bool) -> [JSToken] {
        var tokenizer = JavaScriptTokenizer(bytes: bytes, jsx: jsx)
        // Code has about a token every four bytes: reserved once, never grown and copied.
        tokenizer.tokens.reserveCapacity(bytes.count / 3)
        // A hashbang line is a comment.
        if bytes.count > 1, bytes[0] == 0x23, bytes[1] == 0x21 { tokenizer.skipLine() }
        tokenizer.scanCode(untilBrace: false)
        return tokenizer.tokens
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, jsx: Bool) {
        self.bytes = bytes
        self.jsx = jsx
    }

    private func peek(_ offset: Int = 0) -> UInt8 {
        let index = position + offset
        return index < bytes.count ? bytes[index] : 0
    }

    private mutating func newline(at index: Int) {
        line += 1
        lineStart = index + 1
    }

    /// Moves past one byte, counting lines (`\r\n` counts once, at its `\n`).
    private mutating func advance() {
        let byte = bytes[position]
        if byte == 0x0A || (byte == 0x0D && peek(1) != 0x0A) { newline(at: position) }
        position += 1
    }

    private mutating func skipLine() {
        while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D {
            position += 1
        }
    }

    private mutating func emit(
        _ kind: JSToken.Kind, from start: Int, line startLine: Int32, column: Int32,
        punctuator: UInt32 = 0
    ) {
        tokens.append(
            JSToken(
                kind: kind, start: Int32(start), end: Int32(position), line: startLine,
                column: column, punctuator: punctuator))
    }

    /// True when a `/` or `<` here starts an operand (a regular expression, a JSX element)
    /// rather than continuing an expression.
    private func expectsOperand() -> Bool {
        guard let last = tokens.last else { return true }
        switch last.kind {
        case .number, .string, .regex, .templateTail, .privateName: return false
        case .templateHead, .templateMiddle: return true
        case .identifier:
            return isOperandKeyword(last)
        case .punctuator:
            return
                !(last.punctuator == Punctuator.closeParen
                || last.punctuator == Punctuator.closeBracket
                || last.punctuator == Punctuator.closeBrace
                || last.punctuator == Punctuator.increment
                || last.punctuator == Punctuator.decrement)
        }
    }

    /// Keywords after which an operand follows (`return /x/`, `yield <A/>`), compared as
    /// bytes: this runs at every `/` after an identifier.
    private static let operandKeywords: [[UInt8]] = [
        "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
        "do", "else", "yield", "await", "extends",
    ].map { Array($0.utf8) }

    private func isOperandKeyword(_ token: JSToken) -> Bool {
        let length = Int(token.end - token.start)
        guard length >= 2, length <= 10 else { return false }
        let first = bytes[Int(token.start)]
        // Every keyword above starts with a letter from c to y.
        guard first >= 0x63, first <= 0x79 else { return false }
        for keyword in Self.operandKeywords where keyword.count == length && keyword[0] == first {
            var same = true
            for index in 1..<length where bytes[Int(token.start) + index] != keyword[index] {
                same = false
                break
            }
            if same { return true }
        }
        return false
    }

    /// Reads code until the end, or (with `untilBrace`) past the `}` that closes the current
    /// substitution or JSX expression.
    private mutating func scanCode(untilBrace: Bool) {
        var braces = 0
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case 0x20, 0x09:
                // A run of indentation at once: no line break among it to count.
                position += 1
                while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 {
                    position += 1
                }
            case 0x0B, 0x0C, 0x0A, 0x0D:
                advance()
            case 0x2F where peek(1) == 0x2F:  // //
                skipLine()
            case 0x2F where peek(1) == 0x2A:  // /*
                skipBlockComment()
            case 0x2F where expectsOperand():
                scanRegex()
            case 0x22, 0x27:
                scanString(quote: byte)
            case 0x60:
                scanTemplate()
            case 0x30...0x39:
                scanNumber()
            case 0x2E where (0x30...0x39).contains(peek(1)):
                scanNumber()
            case 0x23:
                scanWord(.privateName)
            case 0x3C where jsx && expectsOperand() && startsJSXElement():
                guard depth < Self.maximumDepth else { return }
                depth += 1
                scanJSXElement()
                depth -= 1
            case 0x7B:
                braces += 1
                scanPunctuator()
            case 0x7D:
                if braces == 0 && untilBrace {
                    position += 1
                    return
                }
                braces -= 1
                scanPunctuator()
            default:
                if Self.isIdentifierStart(byte) {
                    scanWord(.identifier)
                } else {
                    scanPunctuator()
                }
            }
        }
    }

    /// An identifier, or a `#name` (whose `#` is its first byte).
    private mutating func scanWord(_ kind: JSToken.Kind) {
        let start = position
        let column = Int32(position - lineStart + 1)
        position += 1
        while position < bytes.count, Self.isIdentifierPart(bytes[position]) {
            position += 1
        }
        emit(kind, from: start, line: line, column: column)
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F
            || byte == 0x24 || byte >= 0x80 || byte == 0x5C
    }

    static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 0x30 && byte <= 0x39)
    }

    private mutating func skipBlockComment() {
        position += 2
        while position < bytes.count {
            if bytes[position] == 0x2A, peek(1) == 0x2F {
                position += 2
                return
            }
            advance()
        }
    }

    /// A quoted string; a raw line break ends an unterminated one.
    private mutating func scanString(quote: UInt8) {
        let start = position
        let startLine = line
        let column = Int32(position - lineStart + 1)
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if byte == quote {
                position += 1
                break
            }
            if byte == 0x5C {  // a backslash escapes the next byte, a line break included
                position += 1
                // `\` before CRLF continues the line over both bytes.
                if position + 1 < bytes.count, bytes[position] == 0x0D, bytes[position + 1] == 0x0A
                {
                    position += 1
                }
                if position < bytes.count { advance() }
                continue
            }
            if byte == 0x0A || byte == 0x0D { break }
            position += 1
        }
        emit(.string, from: start, line: startLine, column: column)
    }

    /// A template literal; each `${` reads code up to its `}`.
    private mutating func scanTemplate() {
        var start = position
        var startLine = line
        var column = Int32(position - lineStart + 1)
        var head = true
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x60 {
                position += 1
                emit(head ? .string : .templateTail, from: start, line: startLine, column: column)
                return
            }
            if byte == 0x5C {
                position += 1
                // `\` before CRLF continues the line over both bytes.
                if position + 1 < bytes.count, bytes[position] == 0x0D, bytes[position + 1] == 0x0A
                {
                    position += 1
                }
                if position < bytes.count { advance() }
                continue
            }
            if byte == 0x24, peek(1) == 0x7B {
                position += 2
                emit(
                    head ? .templateHead : .templateMiddle, from: start, line: startLine,
                    column: column)
                head = false
                guard depth < Self.maximumDepth else { return }
                depth += 1
                scanCode(untilBrace: true)
                depth -= 1
                start = position - 1
                startLine = line
                column = Int32(start - lineStart + 1)
                continue
            }
            advance()
        }
        emit(head ? .string : .templateTail, from: start, line: startLine, column: column)
    }

    private mutating func scanNumber() {
        let start = position
        let column = Int32(position - lineStart + 1)
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            if Self.isIdentifierPart(byte) || byte == 0x2E {
                position += 1
            } else if byte == 0x2B || byte == 0x2D,
                bytes[position - 1] == 0x65 || bytes[position - 1] == 0x45,
                bytes[start] != 0x30 || position - start < 2
                    || (bytes[start + 1] != 0x78 && bytes[start + 1] != 0x58)
            {
                position += 1  // an exponent's sign: 1e-5 (not in hex 0xE-1)
            } else {
                break
            }
        }
        emit(.number, from: start, line: line, column: column)
    }

    /// `/pattern/flags`: a `/` inside a class `[...]` does not end it.
    private mutating func scanRegex() {
        let start = position
        let column = Int32(position - lineStart + 1)
        position += 1
        var inClass = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x0A || byte == 0x0D { break }
            position += 1
            if byte == 0x5C {
                if position < bytes.count, bytes[position] != 0x0A { position += 1 }
            } else if byte == 0x5B {
                inClass = true
            } else if byte == 0x5D {
                inClass = false
            } else if byte == 0x2F && !inClass {
                while position < bytes.count, Self.isIdentifierPart(bytes[position]) {
                    position += 1
                }
                break
            }
        }
        emit(.regex, from: start, line: line, column: column)
    }

    /// An operator or punctuation, longest match first (`>>>=` before `>>` before `>`).
    private mutating func scanPunctuator() {
        let start = position
        let column = Int32(position - lineStart + 1)
        let first = bytes[position]
        let second = peek(1)
        let third = peek(2)
        var length = 1
        switch first {
        case 0x2E:  // . ...
            if second == 0x2E && third == 0x2E { length = 3 }
        case 0x3F:  // ? ?. ?? ??=
            if second == 0x2E && !(0x30...0x39).contains(third) {
                length = 2  // `a?.5:1` is a conditional
            } else if second == 0x3F {
                length = third == 0x3D ? 3 : 2
            }
        case 0x3D, 0x21:  // = == === => ! != !==
            if second == 0x3D {
                length = third == 0x3D ? 3 : 2
            } else if first == 0x3D && second == 0x3E {
                length = 2
            }
        case 0x3C:  // < <= << <<=
            if second == 0x3D {
                length = 2
            } else if second == 0x3C {
                length = third == 0x3D ? 3 : 2
            }
        case 0x3E:  // > >= >> >>= >>> >>>=
            if second == 0x3D {
                length = 2
            } else if second == 0x3E {
                if third == 0x3E {
                    length = peek(3) == 0x3D ? 4 : 3
                } else {
                    length = third == 0x3D ? 3 : 2
                }
            }
        case 0x26, 0x7C:  // & && &&= &= | || ||= |=
            if second == first {
                length = third == 0x3D ? 3 : 2
            } else if second == 0x3D {
                length = 2
            }
        case 0x2A:  // * ** **= *=
            if second == 0x2A {
                length = third == 0x3D ? 3 : 2
            } else if second == 0x3D {
                length = 2
            }
        case 0x2B, 0x2D:  // + ++ += - -- -=
            if second == first || second == 0x3D { length = 2 }
        case 0x2F, 0x25, 0x5E:  // /= %= ^=
            if second == 0x3D { length = 2 }
        default:
            break
        }
        var code: UInt32 = 0
        for index in 0..<length {
            code |= UInt32(bytes[position + index]) << (8 * UInt32(index))
        }
        position += length
        emit(.punctuator, from: start, line: line, column: column, punctuator: code)
    }

    // MARK: JSX

    /// `<` followed by a tag name or `>` (a fragment), and not a generic arrow function's
    /// type parameters (`<T,>(x: T) => x`, `<T extends U>`).
    private func startsJSXElement() -> Bool {
        var index = position + 1
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == 0x3E { return true }
        guard Self.isIdentifierStart(bytes[index]) else { return false }
        let name = index
        while index < bytes.count,
            Self.isIdentifierPart(bytes[index]) || bytes[index] == 0x2E
                || bytes[index] == 0x2D || bytes[index] == 0x3A
        {
            index += 1
        }
        // `<const T,>`: a const type parameter.
        if index - name == 5, word(at: name, is: "const") { return false }
        while index < bytes.count, bytes[index] == 0x20 { index += 1 }
        guard index < bytes.count else { return false }
        // `<T,>`, `<T = unknown>`, `<T extends U>`: type parameters, not an element.
        if bytes[index] == 0x2C || bytes[index] == 0x3D { return false }
        if word(at: index, is: "extends") { return false }
        // `<T>(rows: T[]) => T[]`: a generic function type.
        if bytes[index] == 0x3E {
            var after = index + 1
            while after < bytes.count, bytes[after] == 0x20 { after += 1 }
            if after < bytes.count, bytes[after] == 0x28 { return false }
        }
        return true
    }

    private func word(at index: Int, is text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] {
            return false
        }
        return index + count == bytes.count || !Self.isIdentifierPart(bytes[index + count])
    }

    private mutating func skipSpace() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                advance()
            } else if byte == 0x2F, peek(1) == 0x2A {
                skipBlockComment()
            } else if byte == 0x2F, peek(1) == 0x2F {
                skipLine()
            } else {
                return
            }
        }
    }

    /// An element from its `<` to the end of its closing tag (or its `/>`).
    private mutating func scanJSXElement() {
        position += 1  // <
        skipSpace()
        while position < bytes.count,
            Self.isIdentifierPart(peek()) || peek() == 0x2E
                || peek() == 0x2D || peek() == 0x3A
        {
            position += 1
        }
        // Attributes up to `>` or `/>`.
        while position < bytes.count {
            skipSpace()
            let byte = peek()
            if byte == 0x2F, peek(1) == 0x3E {
                position += 2
                return
            }
            if byte == 0x3E {
                position += 1
                break
            }
            if byte == 0x7B {
                position += 1
                scanCode(untilBrace: true)
            } else if byte == 0x22 || byte == 0x27 {
                // An attribute's string: JSX strings have no escapes.
                position += 1
                while position < bytes.count, bytes[position] != byte { advance() }
                position += 1
            } else if byte == 0x3C, jsx {
                // Type arguments on a component: <Table<Row> rows={…}>.
                position += 1
            } else {
                position += 1
            }
        }
        scanJSXChildren()
    }

    /// Text, `{expressions}` and nested elements, up to and past the closing tag.
    private mutating func scanJSXChildren() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x7B {
                position += 1
                scanCode(untilBrace: true)
            } else if byte == 0x3C {
                var index = position + 1
                while index < bytes.count, bytes[index] == 0x20 { index += 1 }
                if index < bytes.count, bytes[index] == 0x2F {
                    // The closing tag: </name>.
                    while position < bytes.count, bytes[position] != 0x3E { advance() }
                    position += 1
                    return
                }
                guard depth < Self.maximumDepth else { return }
                depth += 1
                scanJSXElement()
                depth -= 1
            } else {
                advance()
            }
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The text of `token`.
    func text(_ token: JSToken) -> String {
        String(
            decoding: UnsafeBufferPointer(rebasing: self[Int(token.start)..<Int(token.end)]),
            as: UTF8.self)
    }

    /// True when `token`'s bytes are exactly `word`.
    func equals(_ token: JSToken, _ word: StaticString) -> Bool {
        let count = Int(token.end - token.start)
        guard count == word.utf8CodeUnitCount else { return false }
        let pointer = word.utf8Start
        for index in 0..<count where self[Int(token.start) + index] != pointer[index] {
            return false
        }
        return true
    }

    /// A string token's value with its escapes decoded; nil for a template with
    /// substitutions or a token of another kind.
    func stringValue(_ token: JSToken) -> String? {
        guard token.kind == .string, token.end - token.start >= 2 else { return nil }
        let quote = self[Int(token.start)]
        let last = self[Int(token.end) - 1]
        let end = last == quote ? Int(token.end) - 1 : Int(token.end)
        let start = Int(token.start) + 1
        // Most literals have no escapes: their bytes are their value.
        if !UnsafeBufferPointer(rebasing: self[start..<max(start, end)]).contains(0x5C) {
            return String(
                decoding: UnsafeBufferPointer(rebasing: self[start..<max(start, end)]),
                as: UTF8.self)
        }
        var result: [UInt8] = []
        var index = start
        while index < end {
            let byte = self[index]
            guard byte == 0x5C, index + 1 < end else {
                result.append(byte)
                index += 1
                continue
            }
            let next = self[index + 1]
            index += 2
            switch next {
            case 0x6E: result.append(0x0A)
            case 0x74: result.append(0x09)
            case 0x72: result.append(0x0D)
            case 0x30: result.append(0)
            case 0x0A: break  // a line continuation
            case 0x0D: if index < end, self[index] == 0x0A { index += 1 }
            case 0x75, 0x78:  // \uXXXX, \u{X…}, \xXX
                var digits = ""
                if next == 0x75, index < end, self[index] == 0x7B {
                    index += 1
                    while index < end, self[index] != 0x7D {
                        digits.unicodeScalars.append(Unicode.Scalar(self[index]))
                        index += 1
                    }
                    index += 1
                } else {
                    let count = next == 0x75 ? 4 : 2
                    while digits.count < count, index < end {
                        digits.unicodeScalars.append(Unicode.Scalar(self[index]))
                        index += 1
                    }
                }
                if let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) {
                    result.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            default: result.append(next)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
