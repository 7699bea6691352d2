import PostgresClient

/// What the process has sent to servers so far, in words: for `TOLLGATE_TRACE_ROUND_TRIPS=1`,
/// which the benchmarks of gates at a distance and the test that pins their cost read.
public enum RoundTripTrace {
    public static let variable = "TOLLGATE_TRACE_ROUND_TRIPS"

    /// `round trips: 12 (412 statements) on 3 connections`.
    public static var line: String {
        let totals = RoundTrips.totals
        return
            "round trips: \(totals.roundTrips) (\(totals.statements) statements) on \(totals.connections) connection\(totals.connections == 1 ? "" : "s")"
    }
}
