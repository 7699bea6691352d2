import Foundation

/// A Swift value that can be sent as a query parameter, in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
    /// The value as PostgreSQL's input function reads it.
    var postgresText: String { get }
}

/// A Swift value that can be read from a result column, from PostgreSQL's text format.
public protocol PostgresDecodable {
    /// Parses PostgreSQL's text output for this type.
    /// - Throws: `PostgresError` of kind `.decoding` when the text is not a valid value.
    init(postgresText: String) throws
}

/// A type that is both; most scalar types are.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

func decodingError(_ text: String, as type: Any.Type) -> PostgresError {
    PostgresError(kind: .decoding, message: "cannot read '\(text.prefix(60))' as \(type)")
}

extension String: PostgresCodable {
    public var postgresText: String { self }
    public init(postgresText: String) { self = postgresText }
}

/// Integers of every width read and write the same decimal text.
extension PostgresEncodable where Self: FixedWidthInteger {
    public var postgresText: String { String(self) }
}

extension PostgresDecodable where Self: FixedWidthInteger {
    public init(postgresText: String) throws {
        guard let value = Self(postgresText) else {
            throw decodingError(postgresText, as: Self.self)
        }
        self = value
    }
}

extension Int: PostgresCodable {}
extension Int32: PostgresCodable {}
extension Int64: PostgresCodable {}

extension Double: PostgresCodable {
    public var postgresText: String { "\(self)" }
    public init(postgresText: String) throws {
        switch postgresText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(postgresText) else {
                throw decodingError(postgresText, as: Double.self)
            }
            self = value
        }
    }
}

extension Bool: PostgresCodable {
    public var postgresText: String { self ? "true" : "false" }
    public init(postgresText: String) throws {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw decodingError(postgresText, as: Bool.self)
        }
    }
}

extension UUID: PostgresCodable {
    public var postgresText: String { uuidString.lowercased() }
    public init(postgresText: String) throws {
        guard let value = UUID(uuidString: postgresText) else {
            throw decodingError(postgresText, as: UUID.self)
        }
        self = value
    }
}

extension Date: PostgresCodable {
    /// ISO 8601 in UTC with microseconds, which `timestamptz` input accepts exactly.
    public var postgresText: String {
        let seconds = timeIntervalSince1970
        var whole = seconds.rounded(.down)
        var micros = Int(((seconds - whole) * 1_000_000).rounded())
        if micros == 1_000_000 {
            whole += 1
            micros = 0
        }
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
            Int(parts.tm_sec), micros)
    }

    /// Reads `timestamptz` output in the ISO date style Tollgate sets on every connection:
    /// `2025-01-10 09:30:00.123456+00`, offsets as `+HH`, `+HH:MM` or `+HH:MM:SS`.
    public init(postgresText text: String) throws {
        let scalars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= scalars.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let c = scalars[index]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
                index += 1
            }
            return value
        }
        func expect(_ options: [UInt8]) -> Bool {
            guard index < scalars.count, options.contains(scalars[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect([45]), let month = number(2), expect([45]),
            let day = number(2), expect([32, 84]), let hour = number(2), expect([58]),
            let minute = number(2), expect([58]), let second = number(2)
        else { throw decodingError(text, as: Date.self) }
        var fraction = 0.0
        if index < scalars.count, scalars[index] == 46 {
            index += 1
            var scale = 0.1
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                fraction += Double(scalars[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < scalars.count {
            if scalars[index] == 90 {  // Z
                index += 1
            } else {
                let sign = scalars[index] == 45 ? -1 : 1
                guard expect([43, 45]), let offsetHours = number(2) else {
                    throw decodingError(text, as: Date.self)
                }
                offset = offsetHours * 3600
                if expect([58]), let minutes = number(2) { offset += minutes * 60 }
                if expect([58]), let seconds = number(2) { offset += seconds }
                offset *= sign
            }
        }
        guard index == scalars.count else { throw decodingError(text, as: Date.self) }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let epoch = timegm(&parts)
        self = Date(timeIntervalSince1970: Double(epoch - offset) + fraction)
    }
}

extension Array: PostgresEncodable where Element == String {
    /// A one-dimensional array literal with every element quoted: `{"a","b \"c\""}`.
    public var postgresText: String {
        let items = map { element in
            "\""
                + element.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{" + items.joined(separator: ",") + "}"
    }
}

extension Array: PostgresDecodable where Element == String {
    /// Reads a one-dimensional `text[]` (or `name[]`, `varchar[]`) in PostgreSQL's output syntax.
    ///
    /// A NULL element is an error: decode as ``OptionalTextArray`` to keep them.
    public init(postgresText: String) throws {
        let elements = try parseTextArray(postgresText)
        guard !elements.contains(where: { $0 == nil }) else {
            throw decodingError(postgresText, as: [String].self)
        }
        self = elements.map { $0! }
    }
}

/// Parses `{a,"b c",NULL}` into its elements, `nil` for unquoted NULL.
func parseTextArray(_ text: String) throws -> [String?] {
    let chars = Array(text)
    // Arrays with explicit bounds print as `[0:1]={...}`; skip to the brace.
    guard var index = chars.firstIndex(of: "{"), chars.last == "}" else {
        throw decodingError(text, as: [String].self)
    }
    index += 1
    var elements: [String?] = []
    if index == chars.count - 1 { return [] }
    while index < chars.count - 1 {
        var value = ""
        var quoted = false
        if chars[index] == "\"" {
            quoted = true
            index += 1
            while index < chars.count, chars[index] != "\"" {
                if chars[index] == "\\" { index += 1 }
                guard index < chars.count else { throw decodingError(text, as: [String].self) }
                value.append(chars[index])
                index += 1
            }
            index += 1
        } else {
            while index < chars.count - 1, chars[index] != "," {
                if chars[index] == "{" { throw decodingError(text, as: [String].self) }
                value.append(chars[index])
                index += 1
            }
        }
        elements.append(!quoted && value == "NULL" ? nil : value)
        if index < chars.count - 1 {
            guard chars[index] == "," else { throw decodingError(text, as: [String].self) }
            index += 1
        }
    }
    return elements
}
