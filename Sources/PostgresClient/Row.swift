/// The rows a statement returned, decoded from libpq's text format.
///
/// A result is a plain value: the `PGresult` it was copied from is freed before
/// ``Connection/query(_:file:line:)`` returns.
public struct QueryResult: Sendable {
    /// Column names in order.
    public let columns: [String]
    /// The rows, each with one optional text value per column (`nil` is SQL NULL).
    public let rows: [Row]
    /// Rows affected by an `INSERT`/`UPDATE`/`DELETE`, or `nil` for other commands.
    public let affectedRows: Int?

    /// The first row, if any.
    public var first: Row? { rows.first }
}

/// One result row; values are decoded by column name or position.
public struct Row: Sendable {
    /// The result's column names in order, shared by its rows.
    @usableFromInline let columns: [String]
    /// Each column name's first position, for results too wide to search in order.
    @usableFromInline let columnIndex: [String: Int]
    /// Raw text values; `nil` is SQL NULL.
    public let values: [String?]

    /// Where `column` is: a result of a few dozen columns is searched in order, which costs
    /// less than hashing the name (catalog reads decode hundreds of thousands of values).
    @inlinable func position(of column: String) -> Int? {
        if columns.count <= 32 { return columns.firstIndex(of: column) }
        return columnIndex[column]
    }

    /// Decodes a non-NULL column.
    /// - Throws: `PostgresError` of kind `.decoding` when the column is missing, NULL, or not
    ///   a valid `T`.
    @inlinable public func decode<T: PostgresDecodable>(
        _ column: String, as type: T.Type = T.self
    ) throws
        -> T
    {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw PostgresError(kind: .decoding, message: "column '\(column)' is NULL")
        }
        return value
    }

    /// Decodes a column that may be NULL.
    /// - Throws: `PostgresError` of kind `.decoding` when the column is missing or the
    ///   value is not a valid `T`.
    @inlinable public func decodeIfPresent<T: PostgresDecodable>(
        _ column: String, as type: T.Type = T.self
    ) throws -> T? {
        guard let index = position(of: column) else {
            throw PostgresError(kind: .decoding, message: "no column '\(column)' in result")
        }
        return try decodeIfPresent(at: index, as: type)
    }

    /// Decodes a non-NULL column by position (0-based).
    @inlinable public func decode<T: PostgresDecodable>(
        at index: Int, as type: T.Type = T.self
    ) throws -> T {
        guard let value = try decodeIfPresent(at: index, as: type) else {
            throw PostgresError(kind: .decoding, message: "column \(index + 1) is NULL")
        }
        return value
    }

    /// Decodes a column by position (0-based) that may be NULL.
    @inlinable public func decodeIfPresent<T: PostgresDecodable>(
        at index: Int, as type: T.Type = T.self
    )
        throws -> T?
    {
        guard values.indices.contains(index) else {
            throw PostgresError(kind: .decoding, message: "no column \(index + 1) in result")
        }
        guard let text = values[index] else { return nil }
        return try T(postgresText: text)
    }
}
