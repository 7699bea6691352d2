import ArgumentParser
import Foundation
import TollgateKit

/// Shell completion of the project's own names: environments, playbooks and suites, read from
/// the file names of the nearest project (`--project` or `TOLLGATE_PROJECT` when set), without
/// parsing anything, so that a half-written file never breaks a completion.
enum Completion {
    static let environments = CompletionKind.custom { arguments in
        names(in: "Environments", arguments: arguments)
    }
    static let playbooks = CompletionKind.custom { arguments in
        names(in: "Playbooks", arguments: arguments)
    }
    static let suites = CompletionKind.custom { arguments in
        names(in: "Playbooks/checks", arguments: arguments)
    }

    /// The `.yml` files of `folder` in the project, without the extension, sorted.
    static func names(in folder: String, arguments: [String]) -> [String] {
        var explicit = ProcessInfo.processInfo.environment["TOLLGATE_PROJECT"]
        if let index = arguments.firstIndex(of: "--project"), index + 1 < arguments.count {
            explicit = arguments[index + 1]
        } else if let joined = arguments.first(where: { $0.hasPrefix("--project=") }) {
            explicit = String(joined.dropFirst("--project=".count))
        }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard let root = try? Project.locate(explicit: explicit, from: here) else { return [] }
        let files =
            (try? FileManager.default.contentsOfDirectory(
                atPath: root.appendingPathComponent(folder).path)) ?? []
        return files.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
            .map { String($0.prefix { $0 != "." }) }.sorted()
    }
}
