import ArgumentParser
import Foundation
import Logging
import TollgateKit

/// What every command shares: the same start (options, printer, project) and the same end
/// (errors reported once, on stderr, and the documented exit status).
protocol TollgateCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func run(in context: CommandContext) async throws -> ExitStatus
}

extension TollgateCommand {
    func run() async throws {
        let context = CommandContext(global)
        let status: ExitStatus
        do {
            status = try await run(in: context)
        } catch let error as any TollgateError {
            context.printer.report(error)
            status = error.exitStatus
        } catch let error as ExitCode {
            throw error
        } catch {
            // Not one of ours (a file the system would not write…): the command's input was
            // not usable, which is exit 2, never "a step failed".
            let wrapped = InternalError(error)
            context.printer.report(wrapped)
            status = wrapped.exitStatus
        }
        if context.environment[RoundTripTrace.variable] == "1" {
            context.printer.info(RoundTripTrace.line)
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

/// The things a command needs, built once from the global options.
struct CommandContext {
    let global: GlobalOptions
    let printer: Printer
    let logger = Logger(label: "tollgate")
    let environment = ProcessInfo.processInfo.environment

    init(_ global: GlobalOptions) {
        self.global = global
        self.printer = Printer(color: global.color)
    }

    /// How reports render here: colour on a terminal unless turned off.
    func renderOptions(color: Bool? = nil, suites: [String: Suite] = [:]) -> RenderOptions {
        RenderOptions(color: color ?? printer.stdoutColor, suites: suites)
    }

    /// Who acts, for the ledger: the OS user.
    var actor: String { environment["USER"] ?? NSUserName() }

    var workingDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    func projectRoot() throws -> URL {
        try Project.locate(
            explicit: global.project ?? environment["TOLLGATE_PROJECT"], from: workingDirectory)
    }

    func sandbox(root: URL) -> TollgateKit.Sandbox {
        TollgateKit.Sandbox(folder: TollgateKit.Sandbox.folder(forProject: root), logger: logger)
    }

    /// Loads `Environments/`, with the sandbox's folder and port as built-in variables, and
    /// the playbooks unless told not to.
    func loadProject(playbooks: Bool = true) throws -> Project {
        let root = try projectRoot()
        let variables = VariableLookup(
            environment: environment, builtins: sandbox(root: root).builtinVariables())
        let project = try Project.load(
            root: root, variables: variables, displayBase: workingDirectory, playbooks: playbooks)
        for warning in project.warnings { printer.write(warning) }
        return project
    }
}
