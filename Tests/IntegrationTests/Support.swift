import Foundation
import PostgresClient
import Testing
import TollgateKit

/// The server the test command started (`TOLLGATE_TEST_PG_URI`, superuser over a socket).
///
/// Locally, with no server, these tests are skipped; under `TOLLGATE_REQUIRE_PG=1` (which the
/// test command and CI set) a missing server fails the run instead, so a green run means the
/// integration tests really ran.
enum PostgresTestServer {
    static let uri = ProcessInfo.processInfo.environment["TOLLGATE_TEST_PG_URI"]
    static let required = ProcessInfo.processInfo.environment["TOLLGATE_REQUIRE_PG"] == "1"
    static var shouldRun: Bool { uri != nil || required }

    static func connectionString(
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> ConnectionString {
        let uri = try #require(
            uri, "TOLLGATE_REQUIRE_PG=1 but TOLLGATE_TEST_PG_URI is not set: no server was started",
            sourceLocation: sourceLocation)
        return ConnectionString(uri)
    }

    static func connect(database: String? = nil, label: String = "test") throws -> Connection {
        var text = try connectionString().rawValue
        if let database { text += " dbname=\(database)" }
        return try Connection(ConnectionString(text), label: label, connectTimeout: 5)
    }

    /// The TCP port the server listens on at 127.0.0.1 (the same as its socket's).
    static func port() throws -> Int {
        try connect().query("select current_setting('port')::int as port").first!.decode("port")
    }
}

/// Runs `body` against a fresh database `tollgate_test_<random>`, dropped afterwards.
func withTestDatabase<T>(_ body: (Connection, String) throws -> T) throws -> T {
    let admin = try PostgresTestServer.connect()
    let name = "tollgate_test_\(UInt32.random(in: 0...UInt32.max))"
    try admin.query("create database \(identifier: name)")
    defer { _ = try? admin.query("drop database if exists \(identifier: name) with (force)") }
    let db = try PostgresTestServer.connect(database: name)
    return try body(db, name)
}

/// The repository (for its `Environments/`) and the built `tollgate` binary.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `tollgate` sits next to the test bundle in SwiftPM's build folder.
    static var binary: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("tollgate")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/tollgate")
    }
}

/// Copies the repository's `Examples/` (the backend the `warden` suite's `code` check reads)
/// into a test's project, beside its copy of `Playbooks/checks`.
func copyExamples(to root: URL) throws {
    try FileManager.default.copyItem(
        at: Repository.root.appendingPathComponent("Examples"),
        to: root.appendingPathComponent("Examples"))
}

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the built `tollgate` with a clean environment: no `*_DATABASE_URL` or `PG*` from
/// the caller, plus `environment`.
func tollgate(
    _ arguments: [String], environment: [String: String] = [:], in folder: URL = Repository.root
)
    throws -> CommandResult
{
    var base = cleanEnvironment()
    base["TOLLGATE_SANDBOX_DIR"] = nil
    base["NO_COLOR"] = "1"
    // TollgateKit's runner (posix_spawn + waitpid): Foundation's Process.waitUntilExit can
    // hang when tests run concurrently.
    let output = try ProcessRunner().run(
        Repository.binary.path, arguments, environment: base.merging(environment) { $1 },
        directory: folder.path)
    return CommandResult(status: output.status, stdout: output.stdout, stderr: output.stderr)
}

/// This process's environment without what could point a test at a real project or database:
/// `*_DATABASE_URL`, `*_DB_URL` (the Supabase convention), `PG*`, `TOLLGATE_PROJECT`.
func cleanEnvironment() -> [String: String] {
    ProcessInfo.processInfo.environment.filter {
        !$0.key.hasSuffix("_DATABASE_URL") && !$0.key.hasSuffix("_DB_URL")
            && !$0.key.hasPrefix("PG") && $0.key != "TOLLGATE_PROJECT"
    }
}

/// Hands a non-Sendable value to another thread when the test guarantees exclusive use.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension Project {
    /// How many results a suite gives: one per check, or one per table for a `for_each`
    /// check; derived from the loaded files, so a new check does not break a count.
    func expectedResults(of suite: String) throws -> Int {
        try self.suite(named: suite).checks.reduce(0) { count, check in
            count + (check.forEach.map { tableSets[$0]?.count ?? 0 } ?? 1)
        }
    }

    /// How many tables a check walks (its `for_each` set).
    func subjects(of check: String, in suite: String) throws -> Int {
        let definition = try #require(try self.suite(named: suite).checks.first { $0.id == check })
        return definition.forEach.flatMap { tableSets[$0]?.count } ?? 1
    }
}
