import Foundation

/// A migration file cut into statements as the Supabase CLI cuts it before it runs the file
/// and records it in `supabase_migrations.schema_migrations` (`supabase db push`).
///
/// The CLI ends a statement at a `;` outside single and double quotes, dollar quotes, `--`
/// and (nested) `/* */` comments, parentheses and a `BEGIN ATOMIC` body, and after a
/// backslash; each statement is then cut of its trailing `;` and white space, and empty ones
/// are dropped (a trailing comment is a statement of its own). Its quirks are kept on purpose,
/// so the history Tollgate writes is the history the CLI would write: a backslash inside a
/// quoted string is not an escape, and a `BEGIN ATOMIC` body ends at the first `end`. The rules
/// are those of the CLI's releases since v2.91 (`BEGIN` and `ATOMIC` as keywords).
enum SupabaseCLIStatements {
    static func split(_ sql: String) -> [String] {
        let data = Array(sql.utf8)
        var statements: [String] = []
        var state = State.ready
        var start = 0
        for index in data.indices {
            if let next = state.next(data[index], data[...index]) {
                state = next
            } else {
                append(data[start...index], to: &statements)
                start = index + 1
                state = .ready
            }
        }
        if start < data.count { append(data[start...], to: &statements) }
        return statements
    }

    private static func append(_ token: ArraySlice<UInt8>, to statements: inout [String]) {
        var token = token
        while token.last == UInt8(ascii: ";") { token = token.dropLast() }
        let text = String(decoding: token, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        if !text.isEmpty { statements.append(text) }
    }

    private indirect enum State {
        case ready
        /// After one `-`: a second makes a line comment.
        case dash
        /// After a `/`: `depth` levels of block comment deep.
        case block(depth: Int)
        case quote(delimiter: UInt8, closing: Bool)
        /// Inside a dollar quote (or a line comment): until `delimiter`.
        case until(delimiter: [UInt8])
        /// After a `$` at `offset`: a tag, if a second `$` ends it.
        case tag(offset: Int)
        case escape
        /// Inside parentheses or a `BEGIN ATOMIC` body: `;` does not end the statement.
        case enclosed(inner: State, delimiter: [UInt8])

        /// The state after `byte`, the last of `data`; nil where the statement ends.
        func next(_ byte: UInt8, _ data: ArraySlice<UInt8>) -> State? {
            switch self {
            case .ready:
                switch byte {
                case UInt8(ascii: "$"): return .tag(offset: data.endIndex - 1)
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    return .quote(delimiter: byte, closing: false)
                case UInt8(ascii: "-"): return .dash
                case UInt8(ascii: "/"): return .block(depth: 0)
                case UInt8(ascii: "\\"): return .escape
                case UInt8(ascii: ";"): return nil
                case UInt8(ascii: "("): return .enclosed(inner: .ready, delimiter: Array(")".utf8))
                case UInt8(ascii: "c"), UInt8(ascii: "C"):
                    if Self.endsWithBeginAtomic(data) {
                        return .enclosed(inner: .ready, delimiter: Array("END".utf8))
                    }
                    return .ready
                default: return .ready
                }
            case .dash:
                if byte == UInt8(ascii: "-") { return .until(delimiter: [UInt8(ascii: "\n")]) }
                return State.ready.next(byte, data)
            case .block(let depth):
                let window = data.count >= 2 ? Array(data.suffix(2)) : []
                if window == Array("/*".utf8) { return .block(depth: depth + 1) }
                if depth == 0 { return State.ready.next(byte, data) }
                if window == Array("*/".utf8) {
                    return depth == 1 ? .ready : .block(depth: depth - 1)
                }
                return self
            case .quote(let delimiter, let closing):
                if closing {
                    // A doubled delimiter is one inside the string.
                    if byte == delimiter { return .quote(delimiter: delimiter, closing: false) }
                    return State.ready.next(byte, data)
                }
                return .quote(delimiter: delimiter, closing: byte == delimiter)
            case .until(let delimiter):
                return data.count >= delimiter.count
                    && data.suffix(delimiter.count).elementsEqual(delimiter)
                    ? .ready : self
            case .tag(let offset):
                if byte == UInt8(ascii: "$") { return .until(delimiter: Array(data[offset...])) }
                if byte >= 0x80 || byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39)
                    || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
                {
                    return self
                }
                return State.ready.next(byte, data)
            case .escape:
                return .ready
            case .enclosed(let inner, let delimiter):
                // A `;` that would end a statement here does not.
                let current = inner.next(byte, data) ?? inner
                if case .ready = current, data.count >= delimiter.count,
                    Self.equalsIgnoringCase(data.suffix(delimiter.count), delimiter)
                {
                    return .ready
                }
                return .enclosed(inner: current, delimiter: delimiter)
            }
        }

        static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ word: [UInt8]) -> Bool {
            bytes.count == word.count
                && zip(bytes, word).allSatisfy {
                    $0 == $1
                        || ($0 | 0x20) == ($1 | 0x20) && ($1 | 0x20) >= 0x61 && ($1 | 0x20) <= 0x7A
                }
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
        }

        /// A letter, digit, `_`, `$` or any byte of a non-ASCII character, as PostgreSQL's
        /// scanner counts identifier characters.
        static func isIdentifier(_ byte: UInt8) -> Bool {
            byte >= 0x80 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
                || (byte >= 0x30 && byte <= 0x39)
                || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
        }

        /// `data` ends with the keyword `word`: not the end of a longer identifier.
        static func endsWithKeyword(_ data: ArraySlice<UInt8>, _ word: String) -> Bool {
            let word = Array(word.utf8)
            guard data.count >= word.count,
                equalsIgnoringCase(data.suffix(word.count), word)
            else { return false }
            let before = data.endIndex - word.count - 1
            return before < data.startIndex || !isIdentifier(data[before])
        }

        /// `BEGIN ATOMIC` (any white space between): the CLI's rule since v2.91, so that
        /// `atomic` in a name (`my_function_atomic`, `create table atomic`) is no body.
        static func endsWithBeginAtomic(_ data: ArraySlice<UInt8>) -> Bool {
            guard endsWithKeyword(data, "ATOMIC") else { return false }
            var prefix = data.dropLast(6)
            while let last = prefix.last, isSpace(last) { prefix = prefix.dropLast() }
            return endsWithKeyword(prefix, "BEGIN")
        }
    }
}
