/// A SQL statement whose interpolated values become `$n` parameters.
///
/// Values never reach the SQL text: `"select * from leads where id = \(id)"` sends
/// `select * from leads where id = $1` with `id` as parameter 1. Identifiers (which cannot be
/// parameters) are interpolated with `\(identifier: name)` and quoted by libpq's
/// `PQescapeIdentifier` when the statement runs. Raw SQL needs the explicit
/// ``init(unsafeSQL:)``.
///
/// ```swift
/// let rows = try connection.query(
///     "select count(*) as n from \(identifier: table) where user_id = \(userID)")
/// ```
public struct Query: Sendable, ExpressibleByStringInterpolation {
    enum Segment: Sendable {
        case sql(String)
        case parameter(Int)
        case identifier(String)
    }

    var segments: [Segment]
    /// The parameters in text format, `nil` for SQL NULL, in `$n` order.
    public private(set) var binds: [String?]

    /// Creates a query from trusted SQL text, with optional parameters for its `$n` placeholders.
    ///
    /// Use only for text the program owns (migration files, shipped SQL).
    public init(unsafeSQL sql: String, binds: [String?] = []) {
        self.segments = [.sql(sql)]
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.segments = [.sql(value)]
        self.binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.segments = stringInterpolation.segments
        self.binds = stringInterpolation.binds
    }

    /// Builds the SQL text, quoting identifiers with `quote`.
    func sql(quotingIdentifiersWith quote: (String) throws -> String) rethrows -> String {
        var text = ""
        for segment in segments {
            switch segment {
            case .sql(let sql): text += sql
            case .parameter(let index): text += "$\(index)"
            case .identifier(let name): text += try quote(name)
            }
        }
        return text
    }

    /// Collects literal SQL, parameters and identifiers while a query literal is built.
    public struct StringInterpolation: StringInterpolationProtocol {
        var segments: [Segment] = []
        var binds: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            segments.append(.sql(literal))
        }

        /// Appends a value as the next `$n` parameter.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(value.postgresText)
            segments.append(.parameter(binds.count))
        }

        /// Appends an optional value as the next `$n` parameter; `nil` is SQL NULL.
        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
            binds.append(value?.postgresText)
            segments.append(.parameter(binds.count))
        }

        /// Appends an identifier (schema, table, column, role), quoted when the query runs.
        public mutating func appendInterpolation(identifier name: String) {
            segments.append(.identifier(name))
        }

        /// Appends a qualified name as two quoted identifiers, `"schema"."name"`.
        public mutating func appendInterpolation(identifier schema: String, _ name: String) {
            segments.append(.identifier(schema))
            segments.append(.sql("."))
            segments.append(.identifier(name))
        }
    }
}
