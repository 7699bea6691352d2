import Foundation
import Testing

@testable import TollgateKit

struct BlockingTests {
    /// Environments are read in parallel however many cores there are: more blocking jobs than
    /// cores each wait until all have started.
    ///
    /// Starting a thread takes microseconds; a pool as wide as the cores (DispatchQueue.global() on
    /// Linux) adds a thread about once a second when the ones it has block, and misses the
    /// (generous) deadline.
    @Test func moreBlockingJobsRunAtOnceThanThereAreCores() async throws {
        let jobs = max(8, ProcessInfo.processInfo.activeProcessorCount * 2 + 4)
        let started = NSCondition()
        nonisolated(unsafe) var count = 0
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    (try? await runBlocking {
                        started.lock()
                        defer { started.unlock() }
                        count += 1
                        started.broadcast()
                        let deadline = Date().addingTimeInterval(3)
                        while count < jobs {
                            if !started.wait(until: deadline) { return false }
                        }
                        return true
                    }) ?? false
                }
            }
            var results: [Bool] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(results == Array(repeating: true, count: jobs))
    }
}
