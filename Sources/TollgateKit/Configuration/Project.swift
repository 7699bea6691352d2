import Foundation
import PostgresClient

/// A Tollgate project: a folder holding `Environments/` (and later `Playbooks/`).
public struct Project: Sendable {
    /// The project folder.
    public let root: URL
    /// The environments in promotion-chain order.
    public let environments: [Environment]
    /// Check suites from `Playbooks/checks/`, by name.
    public let suites: [String: Suite]
    /// Named lists of qualified table names that checks iterate with `for_each`.
    public let tableSets: [String: [String]]
    /// Playbooks from `Playbooks/*.yml`, in file-name order (the order of the rollout).
    public let playbooks: [Playbook]
    /// What loading noticed and did not refuse (a file a migrations folder skips), for the
    /// command to print.
    public var warnings: [Diagnostic] = []
    /// Tollgate's built-in variables (the sandbox's folder and port), to tell which members a
    /// fleet's query returns point at the sandbox.
    var sandboxBuiltins: [String: String] = [:]
    /// What the loaded project reads once, shared by its copies: the members fleets' queries
    /// returned, as the project's files are read once.
    public let memo = Memo()

    public init(
        root: URL, environments: [Environment], suites: [String: Suite] = [:],
        tableSets: [String: [String]] = [:],
        playbooks: [Playbook] = []
    ) {
        self.root = root
        self.environments = environments.sorted { $0.order < $1.order }
        self.suites = suites
        self.tableSets = tableSets
        self.playbooks = playbooks
    }

    /// Looks a playbook up by name; an unknown name is an error with a suggestion.
    public func playbook(named name: String) throws(ConfigurationError) -> Playbook {
        if let playbook = playbooks.first(where: { $0.name == name }) { return playbook }
        let known = playbooks.map(\.name)
        throw ConfigurationError(
            "unknown playbook '\(name)' (known: \(known.isEmpty ? "none; add Playbooks/\(name).yml" : known.joined(separator: ", ")))"
                + Suggestion.didYouMean(name, in: known))
    }

    /// Looks a suite up by name; an unknown name is an error with a suggestion.
    public func suite(named name: String) throws(ConfigurationError) -> Suite {
        if let suite = suites[name] { return suite }
        let known = suites.keys.sorted()
        throw ConfigurationError(
            "unknown suite '\(name)' (known: \(known.isEmpty ? "none; add Playbooks/checks/\(name).yml" : known.joined(separator: ", ")))"
                + Suggestion.didYouMean(name, in: known))
    }

    /// Finds the project: `explicit` if given, else the nearest folder at or above `start`
    /// that holds `Environments/`.
    /// - Throws: ``ConfigurationError`` when there is none.
    public static func locate(explicit: String?, from start: URL) throws(ConfigurationError) -> URL
    {
        let fileManager = FileManager.default
        if let explicit {
            let url = URL(fileURLWithPath: explicit, relativeTo: start).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                throw ConfigurationError("project folder '\(explicit)' does not exist")
            }
            return url
        }
        var folder = start.standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(
                atPath: folder.appendingPathComponent("Environments").path,
                isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                return folder
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path {
                throw ConfigurationError(
                    "no Environments/ folder in '\(start.path)' or any folder above it; run tollgate inside a Tollgate project or pass --project DIR"
                )
            }
            folder = parent
        }
    }

    /// Reads and validates every `Environments/*.yml`, reporting all problems at once.
    ///
    /// - Parameters:
    ///   - root: the project folder.
    ///   - variables: what `${VAR}` resolves to.
    ///   - displayBase: paths in diagnostics are shown relative to this folder when inside it.
    ///   - playbooks: whether to read `Playbooks/*.yml` too; a command that shows where
    ///     environments stand leaves them (and their problems) unread.
    /// - Throws: ``ConfigurationError`` with one diagnostic per problem.
    public static func load(
        root: URL, variables: VariableLookup, displayBase: URL? = nil, playbooks: Bool = true
    ) throws(ConfigurationError) -> Project {
        let folder = root.appendingPathComponent("Environments")
        let base = displayBase ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        var diagnostics = DiagnosticsEngine()
        guard !files.isEmpty else {
            diagnostics.error(
                "no environment files (*.yml) in '\(displayPath(folder, base: base))'", at: nil)
            try diagnostics.throwIfErrors()
            return Project(root: root, environments: [])
        }
        var environments: [Environment] = []
        YAMLReader.readFiles(in: folder, displayBase: base, into: &diagnostics) {
            name, text, reader in
            guard
                let environment = EnvironmentFile.read(
                    text, reader: reader, lookup: variables.value(of:),
                    memberFile: { path in
                        // Relative to the project folder (not to the folder above it, as
                        // `relativeTo:` would read a root URL without its trailing slash).
                        let url =
                            (path.hasPrefix("/")
                            ? URL(fileURLWithPath: path) : root.appendingPathComponent(path))
                            .standardizedFileURL
                        return (
                            try? String(contentsOf: url, encoding: .utf8),
                            displayPath(url, base: base)
                        )
                    })
            else { return }
            let stem = (name as NSString).deletingPathExtension
            if environment.name != stem {
                reader.diagnostics.warning(
                    "environment '\(environment.name)' is defined in '\(name)'; name the file '\(environment.name).yml' so it can be found",
                    at: environment.location)
            }
            var resolved = environment
            resolved.pointsAtSandbox = pointsAtSandbox(
                environment.connection.endpoint, builtins: variables.builtins)
            for index in resolved.members.indices {
                resolved.members[index].pointsAtSandbox = pointsAtSandbox(
                    resolved.members[index].connection.value.endpoint,
                    builtins: variables.builtins)
            }
            environments.append(resolved)
        }
        // With a file that failed to load, the chain is incomplete: checking its first link
        // would blame the wrong environment.
        validateChain(environments, complete: environments.count == files.count, into: &diagnostics)
        let (suites, tableSets) = loadChecks(root: root, base: base, into: &diagnostics)
        let loaded =
            playbooks
            ? loadPlaybooks(root: root, base: base, suites: suites, into: &diagnostics) : []
        try diagnostics.throwIfErrors()
        var project = Project(
            root: root, environments: environments, suites: suites, tableSets: tableSets,
            playbooks: loaded)
        project.warnings = diagnostics.diagnostics.filter { $0.severity == .warning }
        project.sandboxBuiltins = variables.builtins
        return project
    }

    /// Reads `Playbooks/*.yml` and checks what they name: suites, other playbooks.
    static func loadPlaybooks(
        root: URL, base: URL, suites: [String: Suite], into diagnostics: inout DiagnosticsEngine
    ) -> [Playbook] {
        let folder = root.appendingPathComponent("Playbooks")
        var playbooks: [Playbook] = []
        YAMLReader.readFiles(in: folder, displayBase: base, into: &diagnostics) { _, text, reader in
            guard
                let playbook = PlaybookFile.read(
                    text, reader: reader, migrations: folder.appendingPathComponent("migrations"))
            else { return }
            if let first = playbooks.first(where: { $0.name == playbook.name }) {
                reader.diagnostics.error(
                    "duplicate playbook '\(playbook.name)' (also defined at \(first.location))",
                    at: playbook.location)
                return
            }
            playbooks.append(playbook)
        }
        let names = playbooks.map(\.name)
        let suiteNames = Array(suites.keys)
        for playbook in playbooks {
            for required in playbook.gates.requires where !names.contains(required) {
                diagnostics.error(
                    "playbook '\(playbook.name)' requires unknown playbook '\(required)'"
                        + Suggestion.didYouMean(required, in: names.filter { $0 != playbook.name }),
                    at: playbook.location)
            }
            if let waited = playbook.gates.waitAfter?.playbook, !names.contains(waited) {
                diagnostics.error(
                    "playbook '\(playbook.name)' waits after unknown playbook '\(waited)'"
                        + Suggestion.didYouMean(waited, in: names.filter { $0 != playbook.name }),
                    at: playbook.location)
            }
            let suitesNamed =
                playbook.gates.before + playbook.gates.after + playbook.gates.upstream
                + playbook.steps.compactMap { step -> String? in
                    (step.action as? SuiteStep)?.suite
                }
            for suite in suitesNamed where suites[suite] == nil {
                diagnostics.error(
                    "playbook '\(playbook.name)' names unknown suite '\(suite)'\(Suggestion.didYouMean(suite, in: suiteNames))",
                    at: playbook.location)
            }
        }
        return playbooks
    }

    /// Reads `Playbooks/checks/*.yml`, if the folder exists.
    static func loadChecks(
        root: URL, base: URL, into diagnostics: inout DiagnosticsEngine
    ) -> ([String: Suite], [String: [String]]) {
        let folder = root.appendingPathComponent("Playbooks/checks")
        var suites: [String: Suite] = [:]
        var tableSets: [String: (tables: [String], location: SourceLocation)] = [:]
        YAMLReader.readFiles(in: folder, displayBase: base, into: &diagnostics) { _, text, reader in
            reader.projectRoot = root
            let contents = SuiteFile.read(text, reader: reader)
            for set in contents.tableSets {
                if let first = tableSets[set.name] {
                    reader.diagnostics.error(
                        "duplicate table set '\(set.name)' (also defined at \(first.location))",
                        at: set.location)
                } else {
                    tableSets[set.name] = (set.tables, set.location)
                }
            }
            if let suite = contents.suite {
                if let first = suites[suite.name] {
                    reader.diagnostics.error(
                        "duplicate suite '\(suite.name)' (also defined at \(first.location))",
                        at: suite.location)
                } else {
                    suites[suite.name] = suite
                }
            }
        }
        for suite in suites.values {
            for check in suite.checks {
                if let set = check.forEach, tableSets[set] == nil {
                    diagnostics.error(
                        "unknown table set '\(set)' in check '\(check.id)'\(Suggestion.didYouMean(set, in: Array(tableSets.keys)))",
                        at: check.location)
                }
            }
        }
        return (suites, tableSets.mapValues(\.tables))
    }

    static func validateChain(
        _ environments: [Environment], complete: Bool, into diagnostics: inout DiagnosticsEngine
    ) {
        var byName: [String: Environment] = [:]
        for environment in environments {
            if let first = byName[environment.name] {
                diagnostics.error(
                    "duplicate environment name '\(environment.name)' (also defined at \(first.location))",
                    at: environment.location)
            } else {
                byName[environment.name] = environment
            }
        }
        var byOrder: [Int: Environment] = [:]
        for environment in environments.sorted(by: { $0.location.file < $1.location.file }) {
            if let first = byOrder[environment.order] {
                diagnostics.error(
                    "broken promotion order: '\(environment.name)' and '\(first.name)' (\(first.location)) both have order \(environment.order); give each environment its own position in the chain",
                    at: environment.location)
            } else {
                byOrder[environment.order] = environment
            }
        }
        if complete, let first = environments.min(by: { $0.order < $1.order }),
            first.protection.soakAfterPrevious != nil, byOrder[first.order]?.name == first.name
        {
            diagnostics.error(
                "broken promotion order: '\(first.name)' is first in the chain, so 'soak_after_previous' has no previous environment to wait for",
                at: first.location)
        }
    }

    /// Looks environments up by name, in chain order; unknown names are an error with a
    /// suggestion.
    /// - Parameter names: names from `--env`; empty or `all` means every environment.
    ///
    /// A fleet's name stands for all its members, each an environment of its own
    /// (`tenants/acme`), and `fleet/member` for one of them.
    ///
    /// A fleet whose members a query returns is read here, when it is named (or `all`).
    public func environments(named names: [String]) throws -> [Environment] {
        if names.isEmpty || names == ["all"] { return try allEnvironments() }
        let known = environments.map(\.name)
        var diagnostics = DiagnosticsEngine()
        for name in names where !known.contains(name) {
            if let parts = Environment.fleetMember(name),
                let fleet = environments.first(where: { $0.name == parts.fleet }), fleet.isFleet
            {
                let members = try self.members(of: fleet).map {
                    Environment.fleetMember($0.name)?.member ?? $0.name
                }
                if !members.contains(parts.member) {
                    diagnostics.error(
                        "fleet '\(fleet.name)' has no member '\(parts.member)' (\(members.count) members)"
                            + Suggestion.didYouMean(parts.member, in: members),
                        at: nil)
                }
                continue
            }
            diagnostics.error(
                "unknown environment '\(name)' (known: \(known.joined(separator: ", ")))"
                    + Suggestion.didYouMean(name, in: known),
                at: nil)
        }
        try diagnostics.throwIfErrors()
        return try environments.filter {
            environment in
            names.contains(environment.name)
                || (environment.isFleet && names.contains { $0.hasPrefix(environment.name + "/") })
        }.flatMap { try members(of: $0) }.filter {
            names.contains($0.name) || $0.fleet.map(names.contains) ?? false
        }
    }

    /// The one environment a single-environment command (`run`, `plan`, `approve`, `history`,
    /// `rehearse`) acts on.
    ///
    /// `all` or a list is refused rather than narrowed to its first name: `approve X --env all`
    /// must not quietly approve on dev.
    public func environment(named name: String) throws -> Environment {
        let names = name.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard names.count == 1, names != ["all"] else {
            throw ConfigurationError(
                "--env '\(name)': this command acts on exactly one environment (one of: \(environments.map(\.name).joined(separator: ", ")))"
            )
        }
        if let fleet = environments.first(where: { $0.name == names[0] && $0.isFleet }) {
            let example =
                fleet.members.first.map { "'\(fleet.name)/\($0.name)'" } ?? "'\(fleet.name)/NAME'"
            throw ConfigurationError(
                (fleet.memberQuery != nil
                    ? "--env '\(name)' is a fleet (its members from a query)"
                    : "--env '\(name)' is a fleet of \(fleet.members.count) database\(fleet.members.count == 1 ? "" : "s")")
                    + "; this command acts on one of them: name a member, such as \(example)"
            )
        }
        return try environments(named: names)[0]
    }

    /// The environment, or the fleet, a command that acts member by member (`run`, `plan`)
    /// acts on: the fleet itself (nil for one environment) and the environments to act on.
    public func environmentOrFleet(
        named name: String
    ) throws -> (fleet: Environment?, environments: [Environment]) {
        if let fleet = environments.first(where: { $0.name == name && $0.isFleet }) {
            return (fleet, try members(of: fleet))
        }
        return (nil, [try environment(named: name)])
    }

    /// The environment before `environment` in the chain.
    public func previous(of environment: Environment) -> Environment? {
        environments.last { $0.order < environment.order }
    }

    /// Whether a connection reaches the local sandbox: through its socket folder, or over
    /// loopback TCP to its port.
    static func pointsAtSandbox(_ endpoint: Endpoint?, builtins: [String: String]) -> Bool {
        guard let endpoint, let host = endpoint.host, let folder = builtins["TOLLGATE_SANDBOX_DIR"]
        else { return false }
        if host.hasPrefix("/") {
            return URL(fileURLWithPath: host).standardizedFileURL.path
                == URL(fileURLWithPath: folder).standardizedFileURL.path
        }
        return ["127.0.0.1", "localhost", "::1"].contains(host) && endpoint.port != nil
            && endpoint.port == builtins["TOLLGATE_SANDBOX_PORT"]
    }

    static func displayPath(_ url: URL, base: URL) -> String {
        SourceLocation.displayPath(url, base: base)
    }
}

/// The variables `${VAR}` can name: the process environment, then Tollgate's built-ins.
public struct VariableLookup: Sendable {
    public var environment: [String: String]
    public var builtins: [String: String]

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        builtins: [String: String] = [:]
    ) {
        self.environment = environment
        self.builtins = builtins
    }

    public func value(of name: String) -> String? {
        environment[name] ?? builtins[name]
    }
}
