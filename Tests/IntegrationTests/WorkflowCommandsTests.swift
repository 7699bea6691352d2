import Foundation
import Testing
import Yams

/// The example GitHub Actions workflows (`Examples/github-workflows`) run only commands that
/// exist, with options they take and values those options accept: each `tollgate` command
/// line of each `run:` script is checked against the built binary's own description of its
/// commands (`--experimental-dump-help`), so renaming an option breaks this test, not a
/// user's deployment.
@Suite struct WorkflowCommandsTests {
    /// A command as `--experimental-dump-help` describes it.
    struct Command: Decodable {
        struct Argument: Decodable {
            struct Name: Decodable {
                let kind: String
                let name: String
            }
            let kind: String
            let names: [Name]?
            let valueName: String?
            let isOptional: Bool
            let isRepeating: Bool
            let allValues: [String]?
        }
        let commandName: String
        let arguments: [Argument]?
        let subcommands: [Command]?
    }

    struct Dump: Decodable { let command: Command }

    static func commands() throws -> Command {
        let result = try tollgate(["--experimental-dump-help"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONDecoder().decode(Dump.self, from: Data(result.stdout.utf8)).command
    }

    /// Why `words` (a command line after `tollgate`) would not parse, or nil if it would.
    static func problem(_ words: [String], root: Command) -> String? {
        var command = root
        var rest = words[...]
        while let next = rest.first,
            let sub = command.subcommands?.first(where: { $0.commandName == next })
        {
            command = sub
            rest = rest.dropFirst()
        }
        guard command.subcommands?.isEmpty ?? true else {
            return "'\(rest.first ?? "")' is not a command of \(command.commandName)"
        }
        let arguments = command.arguments ?? []
        let positionals = arguments.filter { $0.kind == "positional" }
        var positionalsSeen = 0
        var optionsSeen: [String] = []
        while let word = rest.popFirst() {
            if word.hasPrefix("-") {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                let isLong = parts[0].hasPrefix("--")
                let name = parts[0].drop { $0 == "-" }
                guard
                    let argument = arguments.first(where: {
                        $0.kind != "positional"
                            && ($0.names ?? []).contains {
                                $0.name == name && ($0.kind == "long") == isLong
                            }
                    })
                else { return "\(command.commandName) has no option \(parts[0])" }
                optionsSeen.append(argument.names?.first?.name ?? "")
                guard argument.kind == "option" else {
                    if parts.count > 1 { return "\(parts[0]) takes no value" }
                    continue
                }
                guard let value = parts.count > 1 ? parts[1] : rest.popFirst() else {
                    return "\(parts[0]) needs a value"
                }
                if let allowed = argument.allValues, !value.contains("$"),
                    !allowed.contains(value)
                {
                    return "\(parts[0]) takes \(allowed.joined(separator: ", ")), not \(value)"
                }
            } else {
                positionalsSeen += 1
                if positionalsSeen > positionals.count && !(positionals.last?.isRepeating ?? false)
                {
                    return
                        "\(command.commandName) takes \(positionals.count) argument(s), given '\(word)' too"
                }
            }
        }
        for (index, positional) in positionals.enumerated()
        where !positional.isOptional && positionalsSeen <= index {
            return "\(command.commandName) needs <\(positional.valueName ?? "argument")>"
        }
        for option in arguments
        where option.kind == "option" && !option.isOptional
            && !optionsSeen.contains(option.names?.first?.name ?? "")
        {
            return "\(command.commandName) needs --\(option.names?.first?.name ?? "")"
        }
        return nil
    }

    /// The shell words of one line: quotes removed, `${{ expression }}` kept as one word,
    /// cut at the first operator (`|`, `>`, `&&`, `;`), which ends the command.
    static func words(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var started = false
        var characters = line[...]
        while let character = characters.popFirst() {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "$", characters.hasPrefix("{{"),
                let end = characters.range(of: "}}")
            {
                current += "$" + characters[..<end.upperBound]
                characters = characters[end.upperBound...]
                started = true
                continue
            }
            switch character {
            case "\"", "'":
                quote = character
                started = true
            case " ", "\t":
                if started { words.append(current) }
                current = ""
                started = false
            case "|", ">", "<", ";", "&":
                if started { words.append(current) }
                return words
            default:
                current.append(character)
                started = true
            }
        }
        if started { words.append(current) }
        return words
    }

    /// Every `tollgate …` command line in the workflow's `run:` scripts, with where it is.
    static func tollgateLines(in file: URL) throws -> [(place: String, words: [String])] {
        let text = try String(contentsOf: file, encoding: .utf8)
        let workflow = try #require(try Yams.load(yaml: text) as? [String: Any])
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        var found: [(String, [String])] = []
        for (job, body) in jobs {
            let steps = (body as? [String: Any])?["steps"] as? [[String: Any]] ?? []
            for (index, step) in steps.enumerated() {
                guard let run = step["run"] as? String else { continue }
                let joined = run.replacingOccurrences(of: "\\\n", with: " ")
                for line in joined.split(separator: "\n") {
                    for part in line.components(separatedBy: "&&") {
                        let words = Self.words(part)
                        guard let first = words.first,
                            first == "tollgate" || first.hasSuffix("/tollgate")
                        else { continue }
                        found.append(
                            (
                                "\(file.lastPathComponent): jobs.\(job).steps[\(index)]",
                                Array(words.dropFirst())
                            ))
                    }
                }
            }
        }
        return found
    }

    @Test func everyCommandTheExampleWorkflowsRunExistsWithItsOptions() throws {
        let root = try Self.commands()
        let folder = Repository.root.appendingPathComponent("Examples/github-workflows")
        let files = try FileManager.default.contentsOfDirectory(
            at: folder, includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "yml" }
        #expect(files.count >= 2)
        var checked = 0
        for file in files {
            let lines = try Self.tollgateLines(in: file)
            #expect(!lines.isEmpty, "\(file.lastPathComponent) runs no tollgate command")
            for line in lines {
                checked += 1
                let problem = Self.problem(line.words, root: root)
                #expect(
                    problem == nil,
                    "\(line.place): tollgate \(line.words.joined(separator: " ")): \(problem ?? "")"
                )
            }
        }
        #expect(checked >= 8)
    }

    /// The checker refuses what the binary refuses: each refused line, run, exits 2 (bad
    /// arguments) before it reads anything.
    @Test func theCheckerRefusesWhatTollgateRefuses() throws {
        let root = try Self.commands()
        func check(_ line: String) throws -> String? {
            let words = Array(Self.words(line).dropFirst())
            let problem = Self.problem(words, root: root)
            if problem != nil {
                let run = try tollgate(words)
                #expect(run.status == 2, "tollgate \(words.joined(separator: " ")): \(run.stderr)")
            }
            return problem
        }
        #expect(
            try check("bin/tollgate gate warden --env \"$ENVIRONMENT\" --format junit > w.xml")
                == nil)
        #expect(try check("tollgate run day-1-organizations --env dev --yes --wait=10m") == nil)
        #expect(try check("tollgate sandbox up --port 5 --rows 10") == nil)
        #expect(try check("tollgate gates warden --env dev") != nil)
        #expect(try check("tollgate gate warden --envs dev") != nil)
        #expect(try check("tollgate gate warden --env dev --format yaml") != nil)
        #expect(try check("tollgate gate warden extra --env dev") != nil)
        #expect(try check("tollgate run x --env dev --yes=1") != nil)
        #expect(try check("tollgate run x --env") != nil)
        #expect(try check("tollgate sandbox launch") != nil)
        #expect(try check("tollgate plan --env dev") != nil)
        #expect(try check("tollgate approve day-1-organizations --env dev") != nil)
        #expect(
            Self.words("a \"b c\" ${{ matrix.x y }} 'd'|e") == [
                "a", "b c", "${{ matrix.x y }}", "d",
            ])
    }
}
