import Foundation
import TollgateKit

/// Results go to stdout, diagnostics to stderr; colour only where a person is looking.
struct Printer {
    let stdoutColor: Bool
    let stderrColor: Bool

    init(color: ColorChoice, environment: [String: String] = ProcessInfo.processInfo.environment) {
        func wanted(_ descriptor: Int32) -> Bool {
            switch color {
            case .always: return true
            case .never: return false
            case .auto:
                return isatty(descriptor) == 1 && environment["NO_COLOR"] == nil
                    && environment["TERM"] != "dumb"
            }
        }
        stdoutColor = wanted(STDOUT_FILENO)
        stderrColor = wanted(STDERR_FILENO)
    }

    func output(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Redraws the current stderr line in place (a progress bar on a terminal); `final`
    /// leaves it standing.
    func redraw(_ text: String, final: Bool) {
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text + (final ? "\n" : "")).utf8))
    }

    /// A progress or status line for a person: stderr, so stdout stays parseable.
    func info(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func report(_ error: any TollgateError) {
        if let configuration = error as? ConfigurationError {
            for diagnostic in configuration.diagnostics { write(diagnostic) }
        } else {
            report(message: error.userMessage)
        }
    }

    func report(message: String) {
        let paint = Paint(enabled: stderrColor)
        FileHandle.standardError.write(Data((paint.red("error:") + " " + message + "\n").utf8))
    }

    func write(_ diagnostic: Diagnostic) {
        let paint = Paint(enabled: stderrColor)
        let severity: String
        switch diagnostic.severity {
        case .error: severity = paint.red("error:")
        case .warning: severity = paint.yellow("warning:")
        case .note: severity = "note:"
        }
        let location = diagnostic.location.map { paint.bold("\($0):") + " " } ?? ""
        FileHandle.standardError.write(
            Data((location + severity + " " + diagnostic.message + "\n").utf8))
    }
}
