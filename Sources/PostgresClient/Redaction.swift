import CLibPQ
import Foundation

/// Removes passwords from connection strings and from messages that may echo them.
///
/// Every conninfo, URI or libpq message that reaches a person goes through here first.
/// Both libpq syntaxes are handled:
///
/// ```swift
/// Redaction.redact("postgresql://app:s3cret@db:5432/prod")  // postgresql://app:***@db:5432/prod
/// Redaction.redact("host=db password='s3 cret' user=app")    // host=db password=*** user=app
/// Redaction.redact("postgres://db/x?password=s3cret&ssl=1")   // postgres://db/x?password=***&ssl=1
/// ```
public enum Redaction {
    /// The text that replaces a secret.
    public static let mask = "***"

    /// Returns `connection` with any password replaced by ``mask``.
    ///
    /// - Parameter connection: a `postgres://`/`postgresql://` URI or a `key=value` conninfo
    ///   string, possibly embedded in a longer message.
    public static func redact(_ connection: String) -> String {
        var text = redactURIUserInfo(connection)
        text = redactKeyValue(text)
        return text
    }

    /// Returns `connection` with its password removed altogether, for handing the string to
    /// another program whose arguments others can read (`ps`); pass the password through
    /// `PGPASSWORD` instead.
    public static func removingPassword(from connection: String) -> String {
        // A string libpq can parse is rebuilt from its options without the password: exact,
        // whatever the password holds.
        if let options = parsedOptions(connection) {
            return options.filter { $0.key != "password" }.map { key, value in
                "\(key)='\(value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'"
            }.joined(separator: " ")
        }
        var text = connection
        for (keyRange, valueRange) in keyValueSpans(of: "password", in: text).reversed() {
            var end = valueRange.upperBound
            // Drop the separator that followed, so no empty `&&` or double space remains.
            if end < text.endIndex, text[end] == "&" || text[end] == " " {
                end = text.index(after: end)
            }
            text.removeSubrange(keyRange.lowerBound..<end)
        }
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"),
                let colon = rest[..<at].firstIndex(of: ":")
            {
                text.removeSubrange(colon..<at)
            }
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Returns `output` with connection strings redacted and each secret replaced by ``mask``
    /// where it stands as a whole word.
    ///
    /// For what a shell step prints, which may echo a password on its own. A secret inside a
    /// longer word is left alone: password `e` must not turn "connection" into "conn***ction".
    /// libpq's messages need none of this: a string libpq could misread never reaches it
    /// (``ConnectionString/problem``), and it never names a password.
    /// - Parameters:
    ///   - output: the text to clean.
    ///   - secrets: the values that must not appear; empty strings are ignored.
    public static func scrub(_ output: String, secrets: [String]) -> String {
        var text = redact(output)
        func isWordCharacter(_ character: Character) -> Bool {
            character.isLetter || character.isNumber || character == "_"
        }
        for secret in secrets where !secret.isEmpty {
            var result = ""
            var rest = Substring(text)
            while let range = rest.range(of: secret) {
                let before =
                    range.lowerBound > rest.startIndex
                    ? rest[rest.index(before: range.lowerBound)] : nil
                let after = range.upperBound < rest.endIndex ? rest[range.upperBound] : nil
                let whole =
                    !(before.map(isWordCharacter) ?? false)
                    && !(after.map(isWordCharacter) ?? false)
                result += rest[..<range.lowerBound] + (whole ? mask : String(rest[range]))
                rest = rest[range.upperBound...]
            }
            text = result + rest
        }
        return text
    }

    /// The options libpq reads from a connection string (URI or key=value), in its order, with
    /// values as libpq decodes them; nil when libpq cannot parse it.
    static func parsedOptions(_ connection: String) -> [(key: String, value: String)]? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connection, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var result: [(key: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val.map({ String(cString: $0) }), !value.isEmpty {
                result.append((String(cString: keyword), value))
            }
            option += 1
        }
        return result
    }

    /// The passwords a conninfo or URI names, so that messages can be scrubbed of them.
    public static func passwords(in connection: String) -> [String] {
        // Exactly as libpq reads it, when it can.
        if let options = parsedOptions(connection) {
            return options.filter { $0.key == "password" }.map(\.value)
        }
        var found: [String] = []
        // URI user info: scheme://user:password@host
        if let range = connection.range(of: "://") {
            let rest = connection[range.upperBound...]
            // libpq: the user part ends at the first '@' before any '/'.
            let authority = rest.prefix { $0 != "/" && $0 != "@" }
            if authority.endIndex < rest.endIndex, rest[authority.endIndex] == "@" {
                let at = authority.endIndex
                let userInfo = authority[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    let password = String(userInfo[userInfo.index(after: colon)...])
                    found.append(password)
                    if let decoded = password.removingPercentEncoding, decoded != password {
                        found.append(decoded)
                    }
                }
            }
        }
        for (keyRange, valueRange) in keyValueSpans(of: "password", in: connection) {
            _ = keyRange
            var value = String(connection[valueRange])
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 {
                value = String(value.dropFirst().dropLast())
                    .replacingOccurrences(of: "\\'", with: "'")
                    .replacingOccurrences(of: "\\\\", with: "\\")
            }
            found.append(value)
            if let decoded = value.removingPercentEncoding, decoded != value {
                found.append(decoded)
            }
        }
        return found.filter { !$0.isEmpty }
    }

    private static func redactURIUserInfo(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let schemeEnd = rest.range(of: "://") {
            result += rest[..<schemeEnd.upperBound]
            rest = rest[schemeEnd.upperBound...]
            // As libpq reads a URI, the user part runs to the first '@' before any '/' (a '?',
            // a space or a quote may be part of a password); in a longer message, a line ends
            // it. Masking too much is safe; too little is not.
            let authorityEnd =
                rest.firstIndex { $0 == "/" || $0 == "@" || $0 == "\n" } ?? rest.endIndex
            if authorityEnd < rest.endIndex, rest[authorityEnd] == "@",
                let colon = rest[..<authorityEnd].firstIndex(of: ":")
            {
                result += rest[...colon] + mask
                rest = rest[authorityEnd...]
            } else {
                result += rest[..<authorityEnd]
                rest = rest[authorityEnd...]
            }
        }
        return result + rest
    }

    private static func redactKeyValue(_ text: String) -> String {
        var result = text
        // Replace from the end so earlier ranges stay valid.
        for (_, valueRange) in keyValueSpans(of: "password", in: text).reversed() {
            result.replaceSubrange(valueRange, with: mask)
        }
        return result
    }

    /// Spans of `key=value` (conninfo, possibly quoted) and `key=value` in a URI query,
    /// matched case-insensitively on a word boundary.
    private static func keyValueSpans(
        of key: String, in text: String
    ) -> [(Range<String.Index>, Range<String.Index>)] {
        var spans: [(Range<String.Index>, Range<String.Index>)] = []
        var searchStart = text.startIndex
        while let keyRange = text.range(
            of: key, options: .caseInsensitive, range: searchStart..<text.endIndex)
        {
            searchStart = keyRange.upperBound
            if keyRange.lowerBound > text.startIndex {
                let before = text[text.index(before: keyRange.lowerBound)]
                if before.isLetter || before.isNumber || before == "_" { continue }
            }
            var cursor = keyRange.upperBound
            while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
            guard cursor < text.endIndex, text[cursor] == "=" else { continue }
            cursor = text.index(after: cursor)
            while cursor < text.endIndex, text[cursor] == " " { cursor = text.index(after: cursor) }
            let valueStart = cursor
            if cursor < text.endIndex, text[cursor] == "'" {
                cursor = text.index(after: cursor)
                while cursor < text.endIndex, text[cursor] != "'" {
                    if text[cursor] == "\\" { cursor = text.index(after: cursor) }
                    if cursor < text.endIndex { cursor = text.index(after: cursor) }
                }
                if cursor < text.endIndex { cursor = text.index(after: cursor) }
            } else {
                // In a URI's query a value ends at '&'; in key=value, only white space ends it.
                let line =
                    text[..<keyRange.lowerBound].split(
                        separator: " ", omittingEmptySubsequences: false
                    ).last ?? ""
                let stops: String = line.contains("://") ? " &#\"\n\t" : " \n\t"
                while cursor < text.endIndex, !stops.contains(text[cursor]) {
                    cursor = text.index(after: cursor)
                }
            }
            if valueStart < cursor {
                spans.append((keyRange, valueStart..<cursor))
            }
            searchStart = cursor
        }
        return spans
    }
}
