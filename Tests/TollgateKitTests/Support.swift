import Foundation
import Testing

@testable import TollgateKit

/// A temporary project folder holding the given `Environments/` files.
func makeProject(_ files: [String: String]) throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
        "tollgate-unit-\(UUID().uuidString)")
    let environments = root.appendingPathComponent("Environments")
    try FileManager.default.createDirectory(at: environments, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(
            to: environments.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return root
}

/// Loads a project whose files carry emoji markers (1️⃣, 2️⃣, …) where diagnostics must point,
/// and checks that exactly `expected` errors come back, each at its marker.
///
/// Markers are removed before the files are written; a marker's position is the 1-based
/// line and column of the character that follows it, as editors count.
func assertDiagnostics(
    _ files: [String: String], _ expected: [(file: String, marker: String, message: String)],
    variables: [String: String] = [:], sourceLocation: Testing.SourceLocation = #_sourceLocation
) throws {
    var clean: [String: String] = [:]
    var positions: [String: (file: String, line: Int, column: Int)] = [:]
    for (name, text) in files {
        var output = ""
        var line = 1
        var column = 1
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let scalar = character.unicodeScalars.first, character.unicodeScalars.count >= 2,
                ("1"..."9").contains(Character(scalar))
            {
                positions[String(character)] = ("Environments/\(name)", line, column)
            } else {
                output.append(character)
                if character == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            index = text.index(after: index)
        }
        clean[name] = output
    }
    let root = try makeProject(clean)
    defer { try? FileManager.default.removeItem(at: root) }
    var found: [Diagnostic] = []
    do {
        _ = try Project.load(
            root: root, variables: VariableLookup(environment: variables), displayBase: root)
    } catch {
        found = error.diagnostics
    }
    let errors = found.filter { $0.severity == .error }
    #expect(
        errors.count == expected.count,
        "expected \(expected.count) errors, got:\n\(found.map(\.description).joined(separator: "\n"))",
        sourceLocation: sourceLocation)
    for item in expected {
        guard let position = positions[item.marker] else {
            Issue.record(
                "marker \(item.marker) is not in the files", sourceLocation: sourceLocation)
            continue
        }
        let match = errors.first { $0.message == item.message }
        #expect(
            match != nil,
            "no error '\(item.message)' in:\n\(found.map(\.description).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        if let match {
            #expect(
                match.location
                    == TollgateKit.SourceLocation(
                        file: position.file, line: position.line, column: position.column),
                "'\(item.message)' at \(match.location.map(\.description) ?? "nowhere"), expected \(position.file):\(position.line):\(position.column)",
                sourceLocation: sourceLocation)
        }
    }
}

let validDev = """
    version: 1
    name: dev
    order: 1
    connection: postgresql://app@localhost/dev

    """
let validStaging = """
    version: 1
    name: staging
    order: 2
    connection: postgresql://app@localhost/staging

    """
