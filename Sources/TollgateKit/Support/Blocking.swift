import Foundation
import PostgresClient

/// Runs blocking work (a libpq call, a child process) on a thread of its own, so that the
/// cooperative pool stays free and several environments are handled in parallel.
///
/// Not `DispatchQueue.global()`: on Linux its width is the number of cores, so on a 2-core
/// machine the third environment waited for one of the first two to finish, however much of
/// their time was spent waiting on the network (Benchmarks/compare found it).
public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try work() })
        }
        thread.name = "tollgate-blocking"
        thread.start()
    }
}

/// Sleeps the calling thread for any duration: `Thread.sleep` takes seconds as a `Double`,
/// so nothing overflows the way `usleep`'s 32-bit microseconds did after 71.6 minutes.
public func sleepThread(for duration: Duration) {
    let (seconds, attoseconds) = duration.components
    Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
}

/// Runs `body(0)` … `body(count - 1)` each on a thread of its own (index 0 on the calling
/// thread) and returns when all have: for blocking work on several connections at once.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    let group = DispatchGroup()
    for index in 1..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.name = "tollgate-worker"
        thread.start()
    }
    body(0)
    group.wait()
}

/// Runs `body`, retrying it while it fails on `lock_timeout` (SQLSTATE 55P03).
///
/// Up to `retries` times, with backoff (400 ms, doubling, at most 5 s): a busy table makes a
/// step wait its turn in short tries instead of queueing writers behind it. `onRetry` hears of
/// each retry before its pause.
func retryingLockTimeouts<T>(
    retries: Int, onRetry: (_ attempt: Int, _ pause: Duration) -> Void, _ body: () throws -> T
) throws -> T {
    var attempt = 0
    while true {
        do {
            return try body()
        } catch let error as PostgresError where error.isLockNotAvailable && attempt < retries {
            attempt += 1
            let pause = Duration.milliseconds(min(200 * (1 << attempt), 5000))
            onRetry(attempt, pause)
            sleepThread(for: pause)
        }
    }
}

/// `transform` of every item, in the items' order, up to `jobs` at once.
///
/// Each worker is a thread of its own (as for ``runBlocking(_:)``): for synchronous code that
/// reads many databases, such as a fleet's ledgers.
public func blockingMap<T: Sendable, R: Sendable>(
    _ items: [T], jobs: Int, _ transform: @escaping @Sendable (T) -> R
) -> [R] {
    guard items.count > 1, jobs > 1 else { return items.map(transform) }
    let lock = NSLock()
    nonisolated(unsafe) var results = [R?](repeating: nil, count: items.count)
    nonisolated(unsafe) var next = 0
    let done = DispatchGroup()
    for _ in 0..<min(jobs, items.count) {
        done.enter()
        let thread = Thread {
            while true {
                let index: Int? = lock.withLock {
                    defer { next += 1 }
                    return next < items.count ? next : nil
                }
                guard let index else { break }
                let result = transform(items[index])
                lock.withLock { results[index] = result }
            }
            done.leave()
        }
        thread.name = "tollgate-blocking"
        thread.start()
    }
    done.wait()
    return results.map { $0! }
}
