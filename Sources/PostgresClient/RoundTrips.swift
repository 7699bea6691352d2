import Foundation

/// What this process has exchanged with servers: round trips (a statement sent alone, or a
/// pipeline of them), the statements in them, and connections opened (each several round
/// trips: the TCP and TLS handshakes, the start-up, the authentication exchange).
///
/// Over a network, round trips are what an operation costs: `tollgate` prints these totals on
/// standard error when `TOLLGATE_TRACE_ROUND_TRIPS=1`, for the benchmarks that measure gates at
/// a distance and the test that keeps their count from growing unnoticed.
public enum RoundTrips {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var roundTrips = 0
    nonisolated(unsafe) private static var statements = 0
    nonisolated(unsafe) private static var connections = 0

    /// Counts one exchange that carried `statements` statements.
    static func count(statements count: Int) {
        lock.lock()
        defer { lock.unlock() }
        roundTrips += 1
        statements += count
    }

    static func countConnection() {
        lock.lock()
        defer { lock.unlock() }
        connections += 1
    }

    /// The totals so far.
    public static var totals: (roundTrips: Int, statements: Int, connections: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (roundTrips, statements, connections)
    }
}
