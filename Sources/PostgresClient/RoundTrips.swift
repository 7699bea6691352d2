import Foundation

/// What this process has sent to servers: statements (each one round trip at least) and
/// connections opened (each several: the TCP and TLS handshakes, the start-up, the
/// authentication exchange).
///
/// Over a network, round trips are what an operation costs: `tollgate` prints these totals on
/// standard error when `TOLLGATE_TRACE_ROUND_TRIPS=1`, for the benchmarks that measure gates at
/// a distance and the test that keeps their count from growing unnoticed.
public enum RoundTrips {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var statements = 0
    nonisolated(unsafe) private static var connections = 0

    static func count(statement: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if statement { statements += 1 } else { connections += 1 }
    }

    /// The totals so far.
    public static var totals: (statements: Int, connections: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (statements, connections)
    }
}
