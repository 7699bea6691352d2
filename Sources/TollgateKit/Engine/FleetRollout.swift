import Foundation

/// How `run` goes over a fleet: member by member, or in waves (`--wave 10%`), in the order
/// the fleet lists its members, stopping after the wave where a member first fails unless
/// told to keep going.
///
/// A wave's members run at once (at most `jobs` of them); the next wave starts when the
/// whole wave is done. Members of a failing wave that had not started yet are not started.
public struct FleetRollout: Sendable {
    /// How many members a wave holds: a count, or a share of the fleet rounded up.
    public enum WaveSize: Sendable, Equatable, CustomStringConvertible {
        case count(Int)
        case percent(Int)

        /// `3` or `10%`; nil for anything else (zero, negative, over 100 %).
        public static func parse(_ text: String) -> WaveSize? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("%") {
                guard let value = Int(trimmed.dropLast()), (1...100).contains(value) else {
                    return nil
                }
                return .percent(value)
            }
            guard let value = Int(trimmed), value >= 1 else { return nil }
            return .count(value)
        }

        /// The members in a wave of a fleet of `members`: at least one.
        public func size(of members: Int) -> Int {
            switch self {
            case .count(let value): return max(1, min(value, members))
            case .percent(let value): return max(1, (members * value + 99) / 100)
            }
        }

        public var description: String {
            switch self {
            case .count(let value): return "\(value)"
            case .percent(let value): return "\(value)%"
            }
        }
    }

    /// What became of one member.
    public enum Outcome: Sendable {
        case succeeded
        /// Why it failed, in the words the one-environment command would use, and its exit.
        case failed(message: String, exit: ExitStatus)
        /// Not started: an earlier member failed.
        case notRun

        public var failed: Bool {
            if case .failed = self { return true }
            return false
        }
    }

    public struct Result: Sendable {
        public var members: [(environment: Environment, outcome: Outcome)]
        /// The waves, by member name, as they were planned.
        public var waves: [[String]]

        public var succeeded: [Environment] {
            members.filter { if case .succeeded = $0.outcome { true } else { false } }
                .map(\.environment)
        }
        public var failed: [(environment: Environment, message: String, exit: ExitStatus)] {
            members.compactMap {
                if case .failed(let message, let exit) = $0.outcome {
                    return ($0.environment, message, exit)
                }
                return nil
            }
        }
        public var notRun: [Environment] {
            members.filter { if case .notRun = $0.outcome { true } else { false } }
                .map(\.environment)
        }
        /// The most serious exit among the failures (a failed step before a blocked gate);
        /// success when none failed.
        public var exitStatus: ExitStatus {
            failed.map(\.exit).max { $0.rawValue < $1.rawValue } ?? .success
        }
    }

    public var wave: WaveSize
    public var jobs: Int
    public var keepGoing: Bool

    public init(wave: WaveSize = .count(1), jobs: Int = 1, keepGoing: Bool = false) {
        self.wave = wave
        self.jobs = max(1, jobs)
        self.keepGoing = keepGoing
    }

    /// The members cut into waves, in the order given.
    public func waves(of members: [Environment]) -> [[Environment]] {
        guard !members.isEmpty else { return [] }
        let size = wave.size(of: members.count)
        return stride(from: 0, to: members.count, by: size).map {
            Array(members[$0..<min($0 + size, members.count)])
        }
    }

    /// Runs `body` on every member, wave by wave.
    ///
    /// `body` runs on a thread of its own and throws to fail its member. `waveStarting` is told
    /// each wave before it starts.
    public func run(
        _ members: [Environment],
        waveStarting: @Sendable (_ index: Int, _ of: Int, _ members: [Environment]) -> Void = {
            _, _, _ in
        },
        body: @escaping @Sendable (Environment) throws -> Void
    ) async -> Result {
        let waves = waves(of: members)
        var outcomes: [String: Outcome] = [:]
        var stopped = false
        for (index, wave) in waves.enumerated() {
            if stopped { break }
            waveStarting(index + 1, waves.count, wave)
            let results = await runWave(wave, body: body)
            for (name, outcome) in results { outcomes[name] = outcome }
            if !keepGoing && results.contains(where: { $0.1.failed }) { stopped = true }
        }
        return Result(
            members: members.map { ($0, outcomes[$0.name] ?? .notRun) },
            waves: waves.map { $0.map(\.name) })
    }

    /// One wave, `jobs` members at a time; after a failure (unless keeping going) the
    /// wave's members not yet started stay unstarted.
    func runWave(
        _ wave: [Environment], body: @escaping @Sendable (Environment) throws -> Void
    ) async -> [(String, Outcome)] {
        await withTaskGroup(of: (String, Outcome).self) { group in
            var next = 0
            func start() {
                let member = wave[next]
                next += 1
                group.addTask {
                    do {
                        try await runBlocking { try body(member) }
                        return (member.name, .succeeded)
                    } catch {
                        return (member.name, Self.outcome(of: error))
                    }
                }
            }
            while next < min(jobs, wave.count) { start() }
            var results: [(String, Outcome)] = []
            var failed = false
            for await result in group {
                results.append(result)
                failed = failed || result.1.failed
                if next < wave.count && (keepGoing || !failed) { start() }
            }
            return results
        }
    }

    static func outcome(of error: any Error) -> Outcome {
        if let error = error as? any TollgateError {
            return .failed(message: error.userMessage, exit: error.exitStatus)
        }
        let wrapped = InternalError(error)
        return .failed(message: wrapped.userMessage, exit: wrapped.exitStatus)
    }
}
