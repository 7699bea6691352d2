import Foundation
import Yams

/// Reads a YAML file into typed values, reporting every problem at its own line and column.
///
/// Codable would silently ignore unknown keys and its `DecodingError`s carry no marks, so
/// configuration is read by walking the composed `Node` tree: each key is checked against the
/// keys its type knows (with a did-you-mean), each value's type is checked where it stands,
/// and all problems are collected before anything fails.
final class YAMLReader {
    let file: String
    var diagnostics = DiagnosticsEngine()
    /// The project folder, for values that name files in it.
    var projectRoot: URL?

    init(file: String) { self.file = file }

    /// Parses `text`; a syntax error is recorded and `nil` returned.
    func compose(_ text: String) -> Node? {
        do {
            // The reader reads every scalar itself: resolving tags (a regular expression per
            // scalar) would only cost the start-up of every command. The encoding is given:
            // Yams' default reads the whole process environment once per file to choose it.
            guard let node = try Yams.compose(yaml: text, .basic, .default, .utf8) else {
                diagnostics.error(
                    "the file is empty", at: SourceLocation(file: file, line: 1, column: 1))
                return nil
            }
            return node
        } catch let error as YamlError {
            let (message, mark) = describe(error)
            diagnostics.error(
                message,
                at: mark.map(location(of:)) ?? SourceLocation(file: file, line: 1, column: 1))
            return nil
        } catch {
            diagnostics.error(
                "cannot parse YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
    }

    func location(of mark: Mark) -> SourceLocation {
        SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    func location(_ node: Node) -> SourceLocation {
        node.mark.map(location(of:)) ?? SourceLocation(file: file, line: 1, column: 1)
    }

    /// Checks that `node` is a mapping with only `allowed` keys and every `required` one.
    /// - Returns: the entries by key, or `nil` when `node` is not a mapping.
    func mapping(
        _ node: Node, _ what: String, allowed: [String], required: [String] = []
    ) -> [String: (key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error(
                "expected a mapping for \(what), found \(kind(of: node))", at: location(node))
            return nil
        }
        var entries: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                diagnostics.error(
                    "expected a plain key in \(what), found \(kind(of: key))", at: location(key))
                continue
            }
            let name = scalar.string
            if !allowed.contains(name) {
                diagnostics.error(
                    "unknown key '\(name)' in \(what)\(Suggestion.didYouMean(name, in: allowed))",
                    at: location(key))
                continue
            }
            if let previous = entries[name] {
                diagnostics.error(
                    "duplicate key '\(name)' in \(what) (first at line \(location(previous.key).line))",
                    at: location(key))
                continue
            }
            entries[name] = (key, value)
        }
        for name in required where entries[name] == nil {
            diagnostics.error("missing required key '\(name)' in \(what)", at: location(node))
        }
        return entries
    }

    /// A string scalar.
    ///
    /// Numbers and booleans written plainly are accepted as their text.
    func string(_ node: Node, key: String) -> String? {
        guard case .scalar(let scalar) = node,
            !(scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string))
        else {
            diagnostics.error(
                "expected a string for '\(key)', found \(kind(of: node))", at: location(node))
            return nil
        }
        return scalar.string
    }

    /// A non-negative integer written plainly.
    func integer(_ node: Node, key: String, minimum: Int = 0, maximum: Int = .max) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain,
            let value = Int(scalar.string)
        else {
            diagnostics.error(
                "expected an integer for '\(key)', found \(kind(of: node))", at: location(node))
            return nil
        }
        guard value >= minimum else {
            diagnostics.error(
                "'\(key)' must be at least \(minimum), found \(value)", at: location(node))
            return nil
        }
        guard value <= maximum else {
            diagnostics.error(
                "'\(key)' must be at most \(maximum), found \(value)", at: location(node))
            return nil
        }
        return value
    }

    /// `true` or `false` written plainly.
    func boolean(_ node: Node, key: String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            if Self.trueSpellings.contains(scalar.string) { return true }
            if Self.falseSpellings.contains(scalar.string) { return false }
        }
        diagnostics.error(
            "expected true or false for '\(key)', found \(kind(of: node))", at: location(node))
        return nil
    }

    /// A list of strings; a single string is read as a list of one.
    func strings(_ node: Node, key: String) -> [String]? {
        switch node {
        case .scalar: return string(node, key: key).map { [$0] }
        case .sequence(let sequence):
            let items = sequence.map { string($0, key: key) }
            return items.contains(where: { $0 == nil }) ? nil : items.compactMap { $0 }
        default:
            diagnostics.error(
                "expected a list of strings for '\(key)', found \(kind(of: node))",
                at: location(node))
            return nil
        }
    }

    /// Reads `version:` and reports one newer than this build understands.
    func checkVersion(_ node: Node?, highestSupported: Int) {
        guard let node, let version = integer(node, key: "version", minimum: 1),
            version > highestSupported
        else { return }
        diagnostics.error(
            "version \(version) is newer than this tollgate reads (up to \(highestSupported)); upgrade tollgate",
            at: location(node))
    }

    /// Calls `body` with a reader and the text of every `*.yml`/`*.yaml` in `folder`, in name
    /// order, and collects each reader's diagnostics into `diagnostics`.
    static func readFiles(
        in folder: URL, displayBase base: URL, into diagnostics: inout DiagnosticsEngine,
        _ body: (_ name: String, _ text: String, _ reader: YAMLReader) -> Void
    ) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
        for name in names {
            let url = folder.appendingPathComponent(name)
            let reader = YAMLReader(file: Project.displayPath(url, base: base))
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                diagnostics.error(
                    "cannot read the file as UTF-8 text",
                    at: SourceLocation(file: reader.file, line: 1, column: 1))
                continue
            }
            body(name, text, reader)
            diagnostics.append(contentsOf: reader.diagnostics.diagnostics)
        }
    }

    /// A duration: `90s`, `15m`, `24h`, `2d`, `1h30m`, or a plain number of seconds.
    func duration(_ node: Node, key: String) -> Duration? {
        guard let text = string(node, key: key) else { return nil }
        guard let value = DurationParser.parse(text) else {
            diagnostics.error(
                "cannot read '\(text)' as a duration for '\(key)' (write e.g. 90s, 15m, 24h, 2d or 1h30m)",
                at: location(node))
            return nil
        }
        return value
    }

    /// A string with `${VAR}` expanded; an undefined variable is reported at its own column.
    func interpolated(_ node: Node, key: String, lookup: (String) -> String?) -> String? {
        guard let raw = string(node, key: key) else { return nil }
        do {
            return try Interpolation.expand(raw, lookup: lookup)
        } catch {
            var at = location(node)
            if case .scalar(let scalar) = node, !raw.contains("\n") {
                // Point at the `${` itself when the value sits on one line.
                let quote = scalar.style == .singleQuoted || scalar.style == .doubleQuoted ? 1 : 0
                at = at.advanced(by: error.offset + quote)
            }
            diagnostics.error("in '\(key)': \(error.message)", at: at)
            return nil
        }
    }

    /// The one key among `keys` that an entry (a check, a step) uses to say what it is; an
    /// error at the entry when it uses none or several.
    /// - Parameters:
    ///   - what: `a check`, `a step`.
    ///   - several: how two keys read, `has one kind` or `does one thing`.
    func exactlyOne(
        of keys: [String], in entries: [String: (key: Node, value: Node)], what: String,
        several: String,
        at node: Node
    ) -> String? {
        let used = keys.filter { entries[$0] != nil }
        guard used.count == 1 else {
            diagnostics.error(
                used.isEmpty
                    ? "\(what) needs one of: \(keys.joined(separator: ", "))"
                    : "\(what) \(several), found \(used.joined(separator: " and "))",
                at: location(node))
            return nil
        }
        return used[0]
    }

    /// YAML 1.1's booleans, as the JSON Schemas' validators (and PyYAML) read them.
    static let trueSpellings: Set = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]
    static let falseSpellings: Set = [
        "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF",
    ]

    /// How a node reads to a person, for "expected X, found Y".
    func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.style == .plain {
                if ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                    return "nothing (null)"
                }
                if Int(scalar.string) != nil { return "an integer (\(scalar.string))" }
                if Self.trueSpellings.contains(scalar.string)
                    || Self.falseSpellings.contains(scalar.string)
                {
                    return "a boolean (\(scalar.string))"
                }
            }
            return "a string ('\(scalar.string.prefix(40))')"
        }
    }

    private func describe(_ error: YamlError) -> (String, Mark?) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return ("invalid YAML: \(prefix)\(problem)", mark)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ("duplicate key '\(duplicates.joined(separator: "', '"))'", context.mark)
        case .reader(let problem, _, _, _):
            return ("cannot read the file as YAML: \(problem)", nil)
        default:
            return ("invalid YAML: \(error)", nil)
        }
    }
}

/// Parses the durations configuration files use.
public enum DurationParser {
    /// `90s`, `15m`, `24h`, `2d`, `1h30m`, `500ms`, or plain seconds (`3600`).
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return .seconds(seconds) }
        var total = Duration.zero
        var digits = ""
        var index = trimmed.startIndex
        var sawUnit = false
        while index < trimmed.endIndex {
            let char = trimmed[index]
            if char.isNumber {
                digits.append(char)
                index = trimmed.index(after: index)
                continue
            }
            guard let amount = Int(digits) else { return nil }
            digits = ""
            var unit = String(char)
            let next = trimmed.index(after: index)
            if char == "m", next < trimmed.endIndex, trimmed[next] == "s" { unit = "ms" }
            switch unit {
            case "ms": total += .milliseconds(amount)
            case "s": total += .seconds(amount)
            case "m": total += .seconds(amount * 60)
            case "h": total += .seconds(amount * 3600)
            case "d": total += .seconds(amount * 86_400)
            default: return nil
            }
            sawUnit = true
            index = trimmed.index(index, offsetBy: unit.count)
        }
        guard digits.isEmpty, sawUnit else { return nil }
        return total
    }

    /// The shortest readable form: `24h`, `1h30m`, `90s` → `1m30s`, `500ms`.
    ///
    /// Whole milliseconds, as `SET lock_timeout` and friends take them.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds, whole and fractional, for any length.
    public static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds == 0 {
            let milliseconds = attoseconds / 1_000_000_000_000_000
            return milliseconds == 0 ? "0s" : "\(milliseconds)ms"
        }
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)]
        where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
