import Foundation
import Testing
import TollgateKit

/// The README's examples are executable documentation: every block with `$ tollgate …` lines
/// runs, in README order, in a copy of the repository's project with a sandbox of its own, and
/// what each command prints must match what the README shows under it.
///
/// In the README:
/// - `<!-- example: COMMANDS -->` on the line before a block runs COMMANDS first (a shell
///   line, in the block's shell; its output is not compared): the state the example starts
///   from. `$SANDBOX_PORT` is the port of the examples' own sandbox.
/// - In expected output, `{time}`, `{n}`, `{fingerprint}`, `{version}`, `{path}`, `{port}`,
///   `{timestamp}`, `{user}` and `{any}` stand for what changes from run to run, and a line `…` for any
///   number of lines. Runs of spaces count as one, so columns may be aligned by hand.
///
/// `TOLLGATE_README_ACTUAL=FILE` writes what each block printed, to update the README from.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct ReadmeExamplesTests {
    struct Example {
        var line: Int
        var setup: String?
        /// Each command and the output the README shows for it.
        var commands: [(command: String, line: Int, expected: [String])]
    }

    static func examples(in readme: String) -> [Example] {
        let lines = readme.components(separatedBy: "\n")
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            guard lines[index].hasPrefix("```") else {
                index += 1
                continue
            }
            let fence = index
            var end = index + 1
            while end < lines.count, !lines[end].hasPrefix("```") { end += 1 }
            let body = Array(lines[(fence + 1)..<min(end, lines.count)])
            index = end + 1
            guard body.contains(where: { $0.hasPrefix("$ ") }) else { continue }
            var example = Example(line: fence + 1, setup: nil, commands: [])
            var previous = fence - 1
            while previous >= 0, lines[previous].trimmingCharacters(in: .whitespaces).isEmpty {
                previous -= 1
            }
            if previous >= 0, lines[previous].hasPrefix("<!-- example: "),
                lines[previous].hasSuffix(" -->")
            {
                example.setup = String(lines[previous].dropFirst(14).dropLast(4))
            }
            for (offset, text) in body.enumerated() {
                if text.hasPrefix("$ ") {
                    example.commands.append((String(text.dropFirst(2)), fence + 2 + offset, []))
                } else if !example.commands.isEmpty {
                    example.commands[example.commands.count - 1].expected.append(text)
                }
            }
            examples.append(example)
        }
        return examples
    }

    /// The shell script that runs an example's commands, each one's output after a marker,
    /// `$?` carried from one to the next as in a terminal.
    static func script(_ example: Example, setupLog: String) -> String {
        var lines = ["__rc=0"]
        if let setup = example.setup {
            lines.append(
                "{ \(setup) ; } >\(setupLog) 2>&1 || { echo '@@setup-failed@@'; cat \(setupLog); exit 0; }"
            )
        }
        for (index, command) in example.commands.enumerated() {
            lines.append("printf '@@%d@@\\n' \(index)")
            lines.append("(exit $__rc); \(command.command) 2>&1 </dev/null; __rc=$?")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether `actual` lines match `expected` lines, placeholders and `…` lines included.
    static func matches(_ actual: [String], _ expected: [String]) -> Bool {
        let patterns = expected.map { line -> NSRegularExpression? in
            line.trimmingCharacters(in: .whitespaces) == "…" ? nil : pattern(line)
        }
        // memo[i][j]: actual[i...] matches patterns[j...].
        var memo: [[Bool?]] = Array(
            repeating: Array(repeating: nil, count: patterns.count + 1), count: actual.count + 1)
        func match(_ i: Int, _ j: Int) -> Bool {
            if let known = memo[i][j] { return known }
            let result: Bool
            if j == patterns.count {
                result = i == actual.count
            } else if let regex = patterns[j] {
                let line = normalized(actual[safe: i] ?? "")
                result =
                    i < actual.count
                    && regex.firstMatch(
                        in: line, range: NSRange(line.startIndex..., in: line)) != nil
                    && match(i + 1, j + 1)
            } else {
                result = match(i, j + 1) || (i < actual.count && match(i + 1, j))
            }
            memo[i][j] = result
            return result
        }
        return match(0, 0)
    }

    static let placeholders: [String: String] = [
        "{time}": "[0-9][0-9.]*(µs|ms|s|m|h|d)([0-9]+(ms|s|m|h))*",
        "{n}": "[0-9]+",
        "{fingerprint}": "[0-9a-f]{12}",
        "{version}": "[0-9]+(\\.[0-9]+)*",
        "{path}": "[^ ]+",
        "{port}": "[0-9]+",
        "{timestamp}": "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]+Z?",
        "{user}": "[^ ]+",
        "{any}": ".*",
    ]

    static func normalized(_ line: String) -> String {
        line.replacingOccurrences(of: " {2,}", with: " ", options: .regularExpression)
            .trimmingCharacters(in: .whitespaces)
    }

    static func pattern(_ line: String) -> NSRegularExpression {
        var regex = NSRegularExpression.escapedPattern(for: normalized(line))
        for (placeholder, replacement) in placeholders {
            regex = regex.replacingOccurrences(
                of: NSRegularExpression.escapedPattern(for: placeholder), with: replacement)
        }
        return try! NSRegularExpression(pattern: "^" + regex + "$")
    }

    @Test func theReadmesExamplesPrintWhatTheReadmeSays() throws {
        let readme = try String(
            contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        let examples = Self.examples(in: readme)
        #expect(examples.count >= 10)
        let fileManager = FileManager.default
        let root = fileManager.temporaryDirectory.appendingPathComponent(
            "tollgate-readme-\(UUID().uuidString)")
        // The sandbox is the project's own, in `.tollgate/sandbox`, as a new user's is.
        let project = root.appendingPathComponent("project")
        try fileManager.createDirectory(at: project, withIntermediateDirectories: true)
        defer {
            _ = try? tollgate(["sandbox", "down", "--purge"], in: project)
            try? fileManager.removeItem(at: root)
        }
        for folder in ["Environments", "Playbooks", "Examples"] {
            try fileManager.copyItem(
                at: Repository.root.appendingPathComponent(folder),
                to: project.appendingPathComponent(folder))
        }
        var environment = cleanEnvironment()
        environment["NO_COLOR"] = "1"
        environment["TOLLGATE_SANDBOX_DIR"] = nil
        // The port the examples' sandbox listens on, for setups that name it.
        environment["SANDBOX_PORT"] = String(TollgateKit.Sandbox.firstFreePort(from: 55432))
        environment["PATH"] =
            Repository.binary.deletingLastPathComponent().path + ":"
            + (environment["PATH"] ?? "/usr/bin:/bin")
        var report = ""
        for example in examples {
            let script = Self.script(
                example, setupLog: root.appendingPathComponent("setup.log").path)
            let output = try ProcessRunner().run(
                "/bin/sh", ["-c", script], environment: environment, directory: project.path)
            let text = output.stdout + output.stderr
            if text.hasPrefix("@@setup-failed@@") {
                Issue.record("README.md:\(example.line): the example's setup failed:\n\(text)")
                continue
            }
            var outputs = Array(repeating: [String](), count: example.commands.count)
            var current = -1
            for line in text.components(separatedBy: "\n") {
                if line.hasPrefix("@@"), line.hasSuffix("@@"),
                    let index = Int(line.dropFirst(2).dropLast(2))
                {
                    current = index
                } else if current >= 0 {
                    outputs[current].append(line)
                }
            }
            for (index, command) in example.commands.enumerated() {
                var actual = outputs[index]
                while actual.last?.isEmpty == true { actual.removeLast() }
                var expected = command.expected
                while expected.last?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                    expected.removeLast()
                }
                report += "$ \(command.command)\n" + actual.joined(separator: "\n") + "\n"
                #expect(
                    Self.matches(actual, expected),
                    "README.md:\(command.line): `\(command.command)` printed:\n\(actual.joined(separator: "\n"))\n--- the README shows:\n\(expected.joined(separator: "\n"))"
                )
            }
            report += "\n"
        }
        if let file = ProcessInfo.processInfo.environment["TOLLGATE_README_ACTUAL"] {
            try report.write(toFile: file, atomically: true, encoding: .utf8)
        }
    }
}

/// The matcher alone, without a database.
@Suite struct ReadmeMatcherTests {
    @Test func placeholdersAndEllipsesMatchWhatTheySay() {
        #expect(
            ReadmeExamplesTests.matches(
                ["up in 1s, on 127.0.0.1:54331"], ["up in {time}, on 127.0.0.1:{port}"]))
        #expect(!ReadmeExamplesTests.matches(["up in soon"], ["up in {time}"]))
        #expect(ReadmeExamplesTests.matches(["a", "b", "c", "d"], ["a", "…", "d"]))
        #expect(ReadmeExamplesTests.matches(["a", "d"], ["a", "  …", "d"]))
        #expect(!ReadmeExamplesTests.matches(["a", "b"], ["a"]))
        #expect(
            ReadmeExamplesTests.matches(
                ["dev   reachable   e759e0de5424"], ["dev reachable {fingerprint}"]))
        #expect(!ReadmeExamplesTests.matches(["dev reachable"], ["dev unreachable"]))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
