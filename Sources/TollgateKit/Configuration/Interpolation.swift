/// Expands `${NAME}` and `${NAME:-default}` in configuration values, so that no secret has
/// to sit in a file.
///
/// - `${NAME}`: the variable's value; unset is an error that names it.
/// - `${NAME:-default}`: the value, or `default` when unset or empty (as in the shell);
///   the default may itself contain `${…}`.
/// - `$$`: a literal `$`.
public enum Interpolation {
    /// A problem at a character offset inside the value.
    public struct Failure: Error, Equatable {
        public let offset: Int
        public let message: String
        /// The variable that is not set, when that is the problem.
        public var unset: String? = nil
    }

    /// The names of the variables `text` refers to, in order, each once (defaults included).
    public static func variables(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "${") {
            let name = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !name.isEmpty, !names.contains(String(name)) { names.append(String(name)) }
            rest = rest[range.upperBound...]
        }
        return names
    }

    /// Expands `text`.
    /// - Parameters:
    ///   - text: the value as written.
    ///   - lookup: the variables: the process environment plus Tollgate's built-ins.
    /// - Throws: ``Failure`` naming the first undefined variable or syntax error.
    public static func expand(
        _ text: String, lookup: (String) -> String?
    ) throws(Failure)
        -> String
    {
        let chars = Array(text)
        var index = 0
        return try expand(chars, &index, until: nil, evaluate: true, lookup: lookup)
    }

    private static func expand(
        _ chars: [Character], _ index: inout Int, until terminator: Character?, evaluate: Bool,
        lookup: (String) -> String?
    ) throws(Failure) -> String {
        var output = ""
        while index < chars.count {
            let char = chars[index]
            if let terminator, char == terminator { return output }
            guard char == "$", index + 1 < chars.count else {
                output.append(char)
                index += 1
                continue
            }
            let next = chars[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
                continue
            }
            guard next == "{" else {
                output.append(char)
                index += 1
                continue
            }
            let start = index
            index += 2
            var name = ""
            while index < chars.count,
                chars[index].isLetter || chars[index].isNumber
                    || chars[index] == "_"
            {
                name.append(chars[index])
                index += 1
            }
            guard !name.isEmpty, name.first.map({ !$0.isNumber }) ?? false else {
                throw Failure(offset: start, message: "expected a variable name after '${'")
            }
            guard index < chars.count else {
                throw Failure(offset: start, message: "'${\(name)' is not closed with '}'")
            }
            if chars[index] == "}" {
                index += 1
                guard evaluate else { continue }
                guard let value = lookup(name) else {
                    throw Failure(
                        offset: start,
                        message:
                            "environment variable '\(name)' is not set and '${\(name)}' has no default (write '${\(name):-default}' to give one)",
                        unset: name)
                }
                output += value
            } else if chars[index] == ":", index + 1 < chars.count, chars[index + 1] == "-" {
                index += 2
                // As in the shell, the default is only evaluated when it is used.
                let value = evaluate ? lookup(name) : nil
                let useDefault = evaluate && (value ?? "").isEmpty
                let fallback = try expand(
                    chars, &index, until: "}", evaluate: useDefault, lookup: lookup)
                guard index < chars.count, chars[index] == "}" else {
                    throw Failure(offset: start, message: "'${\(name):-' is not closed with '}'")
                }
                index += 1
                output += useDefault ? fallback : (value ?? "")
            } else {
                throw Failure(
                    offset: start,
                    message:
                        "unexpected '\(chars[index])' in '${\(name)…}' (use '${NAME}' or '${NAME:-default}')"
                )
            }
        }
        return output
    }
}
