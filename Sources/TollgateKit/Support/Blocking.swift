import Dispatch

/// Runs blocking work (a libpq call, a child process) on a Dispatch thread, so that the
/// cooperative pool stays free and several environments can be handled in parallel.
public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
