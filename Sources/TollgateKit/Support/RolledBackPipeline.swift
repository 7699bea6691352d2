import PostgresClient

/// Statements that run together in a transaction that is always rolled back: what a check
/// or a catalog reading needs from the database, sent with others in one round trip.
struct RolledBackStatements {
    var statements: [Query]
    /// True for reading only: the transaction is `READ ONLY`, so nothing can be written even by
    /// a function the statements call.
    var readOnly: Bool

    init(_ statements: [Query], readOnly: Bool) {
        self.statements = statements
        self.readOnly = readOnly
    }

    /// The statements that open and close the group's transaction: its own, or a savepoint
    /// when the session is already in one (`nested`); either way rolled back.
    func transaction(nested: Bool) -> (opening: [Query], closing: [Query]) {
        guard nested else {
            return ([readOnly ? "begin transaction read only" : "begin"], ["rollback"])
        }
        return (
            ["savepoint tollgate_rolled_back"] + (readOnly ? ["set transaction read only"] : []),
            [
                "rollback to savepoint tollgate_rolled_back",
                "release savepoint tollgate_rolled_back",
            ]
        )
    }
}

/// How groups of statements reach the server.
public enum Sending: Sendable {
    /// Every group in one pipeline: one round trip for all.
    case together
    /// Each statement alone, a round trip each: what `together` must be the same as.
    case oneByOne
}

extension Connection {
    /// Runs one group like ``runRolledBack(_:sending:)``, in one round trip, handing `body`
    /// each of the group's results as it arrives (``PipelineResults``): for large results that
    /// are decoded one at a time instead of held together.
    ///
    /// `leading` statements go first in the same round trip, outside the group's transaction;
    /// `body` gets their results, then the group's.
    func runRolledBack<T>(
        _ group: RolledBackStatements, after leading: [Query] = [],
        reading body: ([Result<QueryResult, PostgresError>], PipelineResults) throws -> T
    ) throws -> T {
        let nested = isInTransaction
        let (opening, closing) = group.transaction(nested: nested)
        let value = try pipeline(leading + opening + group.statements + closing) { results in
            let first = try leading.map { _ in try results.next() }
            for _ in opening { _ = try results.next().get() }
            let value = try body(first, results)
            return value
        }
        try expectTransaction(open: nested)
        return value
    }

    /// Runs each group in a transaction of its own that is rolled back (a savepoint rolled
    /// back when the session is already inside a transaction), and returns each group's
    /// results, one per statement.
    ///
    /// A statement's error is its result: later statements of its group still run, inside
    /// its aborted transaction, as they would one by one. The groups' own `BEGIN` and
    /// `ROLLBACK` must succeed, and the session must end as it began, or this throws.
    func runRolledBack(
        _ groups: [RolledBackStatements], sending: Sending = .together
    ) throws -> [[Result<QueryResult, PostgresError>]] {
        guard !groups.isEmpty else { return [] }
        let nested = isInTransaction
        var statements: [Query] = []
        var ranges: [Range<Int>] = []
        for group in groups {
            let (opening, closing) = group.transaction(nested: nested)
            statements += opening
            ranges.append(statements.count..<(statements.count + group.statements.count))
            statements += group.statements + closing
        }
        let results: [Result<QueryResult, PostgresError>]
        switch sending {
        case .together:
            results = try pipeline(statements)
        case .oneByOne:
            results = try statements.map { statement in
                do { return .success(try query(statement)) } catch let error as PostgresError
                    where error.kind == .server
                { return .failure(error) }
            }
        }
        // The groups' own statements: each opening and closing one must have worked.
        var own = Set(results.indices)
        for range in ranges { own.subtract(range) }
        for index in own.sorted() {
            if case .failure(let error) = results[index] { throw error }
        }
        try expectTransaction(open: nested)
        return ranges.map { Array(results[$0]) }
    }

    /// Throws (after rolling back what it can) unless the session is in a transaction exactly
    /// when it was before the groups ran.
    private func expectTransaction(open nested: Bool) throws {
        guard isInTransaction == nested else {
            if !nested { _ = try? query("rollback") }
            throw PostgresError(
                kind: .client,
                message: "a rolled-back group of statements left the session's transaction open",
                label: label)
        }
    }
}
