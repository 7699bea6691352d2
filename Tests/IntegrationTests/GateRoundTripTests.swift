import Foundation
import PostgresClient
import Testing
import TollgateKit

/// What a gate costs over a network is its round trips, pinned here.
///
/// The round trips, the statements in them and the connections a gate opens cannot grow
/// unnoticed (fewer is progress: lower the pin). `Benchmarks/gate-distance` measures what they
/// cost at a 20 ms round trip.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct GateRoundTripTests {
    /// Round trips, statements and connections of `tollgate gate <suite> --env dev` on the
    /// Warden-fixed database of ``VerifyGateTests`` (100 leads, seed 7).
    ///
    /// A round trip reads the catalog, then one sends every check that waits on nothing
    /// (and each probe's model row), then one the probes and the checks that waited.
    static let pinned: [String: (roundTrips: Int, statements: Int, connections: Int)] = [
        "warden": (3, 51, 1),
        "verify": (3, 384, 1),
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
                let numbers = line.split(whereSeparator: { " (".contains($0) }).compactMap {
                    Int($0)
                }
                try #require(numbers.count == 3, "\(line)")
                let pinned = try #require(Self.pinned[suite])
                #expect(
                    numbers == [pinned.roundTrips, pinned.statements, pinned.connections],
                    "gate \(suite): \(line), pinned at \(pinned.roundTrips) (\(pinned.statements) statements) on \(pinned.connections) connections; lower the pin if it sent fewer"
                )
            }
        }
    }
}
