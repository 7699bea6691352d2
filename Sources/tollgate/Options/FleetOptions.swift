import ArgumentParser
import Foundation
import TollgateKit

/// `--jobs` and `--shard` for the commands that read many environments (a fleet's members).
struct FleetOptions: ParsableArguments {
    @Option(help: "Environments (a fleet's members) read at once, or run at once in a wave.")
    var jobs = EnvironmentReader.defaultJobs
    @Option(
        help: ArgumentHelp(
            "Only shard I of N (1/4 … 4/4): the selected environments sorted by name, every Nth from the Ith, so that N CI jobs split a fleet exactly.",
            valueName: "I/N"))
    var shard: String?

    func validate() throws {
        guard (1...256).contains(jobs) else {
            throw ValidationError("--jobs must be between 1 and 256")
        }
        if let shard, Self.parse(shard) == nil {
            throw ValidationError("--shard takes I/N with 1 ≤ I ≤ N, such as 2/4")
        }
    }

    static func parse(_ text: String) -> (index: Int, count: Int)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
            count >= 1, (1...count).contains(index)
        else { return nil }
        return (index, count)
    }

    /// `environments` narrowed to this shard, in their own order; a shard with none says so
    /// on standard error (a fleet smaller than the matrix), and the command goes on with none.
    func apply(_ environments: [Environment]) -> [Environment] {
        guard let shard, let (index, count) = Self.parse(shard) else { return environments }
        let mine = Set(
            environments.map(\.name).sorted().enumerated()
                .filter { $0.offset % count == index - 1 }.map(\.element))
        if mine.isEmpty {
            FileHandle.standardError.write(
                Data(
                    "note: shard \(shard) of \(environments.count) environment\(environments.count == 1 ? "" : "s") selects none\n"
                        .utf8))
        }
        return environments.filter { mine.contains($0.name) }
    }
}
