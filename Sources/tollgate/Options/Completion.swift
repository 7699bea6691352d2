import ArgumentParser
import Foundation
import TollgateKit

/// Shell completion of the project's own names: environments, playbooks and suites, read from
/// the file names of the nearest project (`--project` or `TOLLGATE_PROJECT` when set), without
/// parsing anything, so that a half-written file never breaks a completion.
///
/// Only a word with a `/` (`tenants/`) loads the project, to complete a fleet's members from
/// its list or file (never by running its query).
enum Completion {
    static let environments = CompletionKind.custom { arguments, _, prefix in
        let names = names(in: "Environments", arguments: arguments)
        guard let slash = prefix.firstIndex(of: "/") else { return names }
        return members(of: String(prefix[..<slash]), arguments: arguments)
    }
    static let playbooks = CompletionKind.custom { arguments, _, _ in
        names(in: "Playbooks", arguments: arguments)
    }
    static let suites = CompletionKind.custom { arguments, _, _ in
        names(in: "Playbooks/checks", arguments: arguments)
    }

    /// `fleet/member` for each member of `fleet`; none when the project does not load.
    static func members(of fleet: String, arguments: [String]) -> [String] {
        guard let root = root(arguments),
            let project = try? Project.load(
                root: root,
                variables: VariableLookup(environment: ProcessInfo.processInfo.environment)),
            let environment = project.environments.first(where: { $0.name == fleet })
        else { return [] }
        return environment.members.map { "\(fleet)/\($0.name)" }
    }

    /// The `.yml` files of `folder` in the project, without the extension, sorted.
    static func names(in folder: String, arguments: [String]) -> [String] {
        guard let root = root(arguments) else { return [] }
        let files =
            (try? FileManager.default.contentsOfDirectory(
                atPath: root.appendingPathComponent(folder).path)) ?? []
        return files.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
            .map { String($0.prefix { $0 != "." }) }.sorted()
    }

    /// The project folder the command line would use.
    static func root(_ arguments: [String]) -> URL? {
        var explicit = ProcessInfo.processInfo.environment["TOLLGATE_PROJECT"]
        if let index = arguments.firstIndex(of: "--project"), index + 1 < arguments.count {
            explicit = arguments[index + 1]
        } else if let joined = arguments.first(where: { $0.hasPrefix("--project=") }) {
            explicit = String(joined.dropFirst("--project=".count))
        }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return try? Project.locate(explicit: explicit, from: here)
    }
}
