import Foundation
import PostgresClient
import Testing
import TollgateKit

/// What a gate costs over a network is its round trips, pinned here.
///
/// The statements it sends and the connections it opens cannot grow unnoticed (fewer is
/// progress: lower the pin). `Benchmarks/gate-distance` measures what they cost at a 20 ms round trip.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct GateRoundTripTests {
    /// Statements and connections of `tollgate gate <suite> --env dev` on the Warden-fixed
    /// database of ``VerifyGateTests`` (100 leads, seed 7).
    static let pinned: [String: (statements: Int, connections: Int)] = [
        "warden": (64, 1),
        "verify": (352, 1),
    ]

    @Test func gatesSendTheRoundTripsTheyAreKnownToSend() throws {
        try VerifyGateTests().withFixedDatabase { _, environment, _ in
            for suite in ["warden", "verify"] {
                let result = try tollgate(
                    ["gate", suite, "--env", "dev"],
                    environment: [
                        "DEV_DATABASE_URL": environment.connection.rawValue,
                        RoundTripTrace.variable: "1",
                    ])
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                let line = try #require(
                    result.stderr.split(separator: "\n").first { $0.hasPrefix("round trips: ") })
                let numbers = line.split(separator: " ").compactMap { Int($0) }
                try #require(numbers.count == 2, "\(line)")
                let pinned = try #require(Self.pinned[suite])
                #expect(
                    numbers[0] == pinned.statements && numbers[1] == pinned.connections,
                    "gate \(suite): \(line), pinned at \(pinned.statements) statements on \(pinned.connections) connections; lower the pin if it sent fewer"
                )
            }
        }
    }
}
