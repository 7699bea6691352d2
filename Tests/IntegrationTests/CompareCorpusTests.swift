import Foundation
import PostgresClient
import Testing

@testable import TollgateKit

/// `compare` against a corpus of schema pairs (`Tests/CompareCorpus`): every differing object
/// named, by what changed, and nothing reported on identical pairs or on a dump round trip.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct CompareCorpusTests {
    struct Expectation: Hashable, CustomStringConvertible {
        var kind: String
        var name: String
        var what: String
        var description: String { "\(kind) | \(name) | \(what)" }
    }

    struct Pair: CustomStringConvertible {
        var file: String
        var name: String
        var common = ""
        var left = ""
        var right = ""
        var expected: [Expectation] = []
        /// Why a dump round trip does not give the same schema, when it cannot.
        var noRoundTrip: String?
        var description: String { "\(file): \(name)" }
    }

    /// Every pair of every `*.sql` file of the corpus.
    static func pairs() throws -> [Pair] {
        let folder = Repository.root.appendingPathComponent("Tests/CompareCorpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        var pairs: [Pair] = []
        for file in files {
            let text = try String(
                contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            var section = ""
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("-- pair: ") {
                    pairs.append(Pair(file: file, name: String(line.dropFirst(9))))
                    section = "common"
                } else if line == "-- left" {
                    section = "left"
                } else if line == "-- right" {
                    section = "right"
                } else if line.hasPrefix("-- round trip: ") {
                    pairs[pairs.count - 1].noRoundTrip = String(line.dropFirst(15))
                } else if line.hasPrefix("-- expect: ") {
                    let parts = line.dropFirst(11).components(separatedBy: " | ")
                    guard parts.count == 3 else {
                        Issue.record("\(file): malformed expectation: \(line)")
                        continue
                    }
                    pairs[pairs.count - 1].expected.append(
                        Expectation(kind: parts[0], name: parts[1], what: parts[2]))
                } else if !pairs.isEmpty {
                    let sql = String(line) + "\n"
                    switch section {
                    case "left": pairs[pairs.count - 1].left += sql
                    case "right": pairs[pairs.count - 1].right += sql
                    default: pairs[pairs.count - 1].common += sql
                    }
                }
            }
        }
        return pairs
    }

    /// A database holding `sql`, dropped after `body`.
    static func withDatabase<T>(
        _ label: String, _ sql: String, _ body: (Connection, String) throws -> T
    ) throws -> T {
        try withTestDatabase { db, name in
            if !sql.allSatisfy(\.isWhitespace) { try db.execute(script: sql) }
            return try body(db, "\(label) (\(name))")
        }
    }

    /// A database restored from a `pg_dump` of `source`, as a user would copy a schema.
    static func roundTrip(_ source: String, _ body: (Connection) throws -> Void) throws {
        let installation = try PostgresInstallation.find()
        let base = try PostgresTestServer.connectionString().rawValue
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-corpus-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: file) }
        let dump = try ProcessRunner().run(
            installation.binDirectory + "/pg_dump",
            ["--schema-only", "--file", file.path, "--dbname", base + " dbname=\(source)"])
        try #require(dump.status == 0, "\(dump.combined)")
        try withTestDatabase { copy, name in
            let restore = try ProcessRunner().run(
                installation.binDirectory + "/psql",
                [
                    "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file.path,
                    base + " dbname=\(name)",
                ])
            try #require(restore.status == 0, "\(restore.combined)")
            try body(copy)
        }
    }

    static func compare(
        _ left: Connection, _ right: Connection
    ) throws -> [ComparisonReport.Difference] {
        let snapshots = [
            try CatalogSnapshot.load(from: left), try CatalogSnapshot.load(from: right),
        ]
        // The fingerprint written field by field is the one its Encodable conformance gives,
        // on every kind of object the corpus holds.
        for snapshot in snapshots {
            #expect(snapshot.fingerprint == snapshot.encodedFingerprint())
        }
        let described = [
            (name: "left", objects: SchemaObjects.details(snapshots[0])),
            (name: "right", objects: SchemaObjects.details(snapshots[1])),
        ]
        var differences = Comparison.differences(described, reference: "left").differences
        Comparison.foldIntoRelations(&differences)
        return differences
    }

    @Test func theCorpusHoldsEveryKindOfObject() throws {
        let pairs = try Self.pairs()
        #expect(pairs.count >= 60)
        let kinds = Set(pairs.flatMap(\.expected).map(\.kind))
        for kind in ObjectKind.all { #expect(kinds.contains(kind.rawValue), "\(kind)") }
        #expect(pairs.contains { $0.expected.isEmpty }, "no pair of identical schemas")
    }

    @Test(arguments: try CompareCorpusTests.pairs())
    func compareNamesExactlyWhatDiffers(_ pair: Pair) throws {
        try Sandbox.installRoles(on: PostgresTestServer.connect(), applicationPassword: "unused")
        try Self.withDatabase("left", pair.common + pair.left) { left, leftName in
            try Self.withDatabase("right", pair.common + pair.right) { right, _ in
                let differences = try Self.compare(left, right)
                let reported = Set(differences.map { "\($0.kind) | \($0.object)" })
                let expected = Set(pair.expected.map { "\($0.kind) | \($0.name)" })
                #expect(
                    reported == expected,
                    "\(pair): unexpected \(reported.subtracting(expected).sorted()), unnamed \(expected.subtracting(reported).sorted()); \(differences.map { "\($0.kind) \($0.object): \($0.changes["right"] ?? [])" })"
                )
                for expectation in pair.expected {
                    guard
                        let difference = differences.first(where: {
                            $0.kind.rawValue == expectation.kind && $0.object == expectation.name
                        })
                    else { continue }
                    let state = difference.states["right"]
                    switch expectation.what {
                    case "missing": #expect(state == .missing, "\(pair): \(expectation)")
                    case "only here": #expect(state == .onlyHere, "\(pair): \(expectation)")
                    default:
                        #expect(
                            state == .differs
                                && difference.changes["right", default: []].contains(
                                    expectation.what),
                            "\(pair): \(expectation) but got \(difference.changes["right"] ?? [])")
                    }
                }
                // A schema restored from pg_dump compares equal to its source.
                _ = leftName
                if pair.noRoundTrip != nil { return }
                try Self.roundTrip(right.endpoint.database!) { copy in
                    let drift = try Self.compare(right, copy)
                    #expect(
                        drift.isEmpty,
                        "\(pair): the dump round trip differs: \(drift.map { "\($0.kind) \($0.object): \($0.values)" })"
                    )
                }
            }
        }
    }
}
