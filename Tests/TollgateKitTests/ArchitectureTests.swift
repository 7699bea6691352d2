import Foundation
import Testing

@testable import TollgateKit

/// The map in `Sources/TollgateKit/README.md` is the law: no folder uses one it may not, the
/// map has no cycle, and no file imports a module its layer must not see.
@Suite struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
    static let kit = root.appendingPathComponent("Sources/TollgateKit")

    /// Folder → the folders it may use, from the README's table.
    static func allowed() throws -> [String: Set<String>] {
        let text = try String(contentsOf: kit.appendingPathComponent("README.md"), encoding: .utf8)
        var map: [String: Set<String>] = [:]
        for line in text.split(separator: "\n")
        where line.hasPrefix("| ") && !line.hasPrefix("| folder") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, !cells[0].hasPrefix("---") else { continue }
            map[cells[0]] =
                cells[2] == "—"
                ? []
                : Set(
                    cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return map
    }

    /// The Swift files below `folder`, with their text.
    static func sources(in folder: URL) -> [(path: String, text: String)] {
        let paths =
            FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return paths.filter { $0.hasSuffix(".swift") }.sorted().compactMap { path in
            (try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)).map {
                (path, $0)
            }
        }
    }

    /// Text with comments and string literals taken out, so that a word in prose is no use.
    static func code(_ text: String) -> String {
        var result = text
        for pattern in [#""""[\s\S]*?""""#, #"//[^\n]*"#, #""(?:[^"\\\n]|\\.)*""#] {
            result = result.replacingOccurrences(
                of: pattern, with: " ", options: .regularExpression)
        }
        return result
    }

    /// Folder → folder → the names it uses from there; a type belongs to the folder of the
    /// file that declares it at the top level.
    static func dependencies(
        _ files: [(path: String, text: String)]
    ) -> [String: [String: Set<String>]] {
        let declaration = try! NSRegularExpression(
            pattern:
                #"^(?:(?:public|internal|private|fileprivate|final|indirect)\s+)*(?:struct|enum|class|protocol|actor|typealias)\s+([A-Z]\w*)"#,
            options: .anchorsMatchLines)
        var owner: [String: String] = [:]
        for file in files {
            let folder = String(file.path.split(separator: "/")[0])
            let text = file.text
            for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text))
            {
                owner[String(text[Range(match.range(at: 1), in: text)!])] = folder
            }
        }
        let word = try! NSRegularExpression(pattern: #"\b[A-Z]\w*\b"#)
        var uses: [String: [String: Set<String>]] = [:]
        for file in files {
            let folder = String(file.path.split(separator: "/")[0])
            let text = code(file.text)
            for match in word.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let name = String(text[Range(match.range, in: text)!])
                if let other = owner[name], other != folder {
                    uses[folder, default: [:]][other, default: []].insert(name)
                }
            }
        }
        return uses
    }

    @Test func foldersUseOnlyWhatTheMapAllows() throws {
        let allowed = try Self.allowed()
        let files = Self.sources(in: Self.kit)
        // A test that read nothing would pass on anything.
        #expect(files.count > 50, "found only \(files.count) Swift files under \(Self.kit.path)")
        let folders = Set(files.map { String($0.path.split(separator: "/")[0]) })
        #expect(
            folders.subtracting(allowed.keys).isEmpty,
            "folders missing from the map: \(folders.subtracting(allowed.keys).sorted())")
        var violations: [String] = []
        for (folder, used) in Self.dependencies(files) {
            for (other, names) in used where !(allowed[folder] ?? []).contains(other) {
                violations.append(
                    "\(folder) uses \(other) (\(names.sorted().joined(separator: ", ")))")
            }
        }
        #expect(violations.isEmpty, "\(violations.sorted().joined(separator: "\n"))")
    }

    @Test func theMapHasNoCycle() throws {
        let allowed = try Self.allowed()
        // Depth-first search; a folder met again on the current path is a cycle.
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var cycle: [String] = []
        func visit(_ folder: String, _ path: [String]) -> Bool {
            if state[folder] == 1 {
                cycle = Array(path.drop { $0 != folder }) + [folder]
                return true
            }
            if state[folder] == 2 { return false }
            state[folder] = 1
            for next in (allowed[folder] ?? []).sorted() where visit(next, path + [folder]) {
                return true
            }
            state[folder] = 2
            return false
        }
        for folder in allowed.keys.sorted() where visit(folder, []) { break }
        #expect(cycle.isEmpty, "cycle: \(cycle.joined(separator: " → "))")
    }

    @Test func modulesAreImportedOnlyWhereTheyBelong() {
        var violations: [String] = []
        let sources = Self.root.appendingPathComponent("Sources")
        for file in Self.sources(in: sources) {
            let imports = Set(
                file.text.split(separator: "\n").filter { $0.hasPrefix("import ") }.map {
                    String($0.dropFirst(7))
                })
            if imports.contains("CLibPQ") && !file.path.hasPrefix("PostgresClient/") {
                violations.append("\(file.path) imports CLibPQ")
            }
            if imports.contains("PostgresClient")
                && (file.path.hasPrefix("TollgateKit/Reports/") || file.path.hasPrefix("tollgate/"))
            {
                violations.append("\(file.path) imports PostgresClient")
            }
        }
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }
}

/// Every kind a file may name has its behaviour: a declaration without one would only fail
/// at run time.
@Suite struct KindBehaviourTests {
    @Test func everyStepKindCanRun() {
        let missing = StepKinds.all.filter {
            !($0 is any RunnableStep.Type || $0 is any ExpandingStepAction.Type)
        }.map { $0.key }
        #expect(missing.isEmpty, "step kinds without a behaviour in Engine/Steps: \(missing)")
    }

    @Test func everyCheckKindCanBeDecided() {
        let missing = CheckKinds.all.filter {
            !($0 is any EvaluatedCheck.Type || $0 is any ExpandingCheck.Type)
        }.map { $0.key }
        #expect(missing.isEmpty, "check kinds without a behaviour in Checks/Kinds: \(missing)")
    }
}
