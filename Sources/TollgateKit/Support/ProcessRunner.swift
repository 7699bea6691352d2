import Foundation

/// Runs child processes (PostgreSQL's `initdb` and `pg_ctl` for the sandbox; shell steps
/// later), capturing what they print.
///
/// Uses `posix_spawn` and `waitpid` directly: Foundation's `Process.waitUntilExit` depends on
/// a run loop and can hang when called from Swift concurrency.
public struct ProcessRunner: Sendable {
    /// What a finished process left behind.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// Both streams, for error messages.
        public var combined: String {
            [stdout, stderr].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }.joined(separator: "\n")
        }
    }

    /// The program could not be started.
    public struct SpawnError: TollgateError {
        public let executable: String
        public let code: Int32
        public var exitStatus: ExitStatus { .stepFailed }
        public var description: String {
            "cannot start '\(executable)': \(String(cString: strerror(code)))"
        }
    }

    public init() {}

    /// Runs `executable` with `arguments` and waits for it.
    /// - Parameters:
    ///   - asUser: when set and this process is root, the command runs as that OS user
    ///     through `runuser` (PostgreSQL refuses to run as root).
    ///   - environment: the child's environment; `nil` inherits this process's.
    ///   - directory: the child's working directory; `nil` inherits this process's.
    /// - Throws: ``SpawnError`` when the program cannot be started at all.
    public func run(
        _ executable: String, _ arguments: [String], asUser user: String? = nil,
        environment: [String: String]? = nil, directory: String? = nil
    ) throws -> Output {
        try start(
            executable, arguments, asUser: user, environment: environment, directory: directory
        ).wait()
    }

    /// Starts a process without waiting for it; the same options as ``run(_:_:asUser:environment:directory:)``.
    public func start(
        _ executable: String, _ arguments: [String], asUser user: String? = nil,
        environment: [String: String]? = nil, directory: String? = nil
    ) throws -> Running {
        var argv = [executable] + arguments
        if let directory {
            // posix_spawn_file_actions_addchdir_np is not visible to Swift; env(1) changes
            // the directory and then execs the program.
            argv = ["/usr/bin/env", "--chdir=\(directory)", "--"] + argv
        }
        if let user, geteuid() == 0 {
            argv = ["/usr/sbin/runuser", "-u", user, "--"] + argv
        }
        let program = argv[0]
        // Output goes to unlinked temporary files, not pipes: `pg_ctl start` leaves a server
        // running that inherits the descriptors, and a pipe would then never reach EOF.
        let stdout = try TemporaryFile()
        let stderr = try TemporaryFile()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.descriptor, 2)

        let environmentLines = (environment ?? ProcessInfo.processInfo.environment).map {
            "\($0.key)=\($0.value)"
        }
        var pid = pid_t()
        let code = withCStringArray(argv) { argvPointers in
            withCStringArray(environmentLines) { environmentPointers in
                posix_spawn(&pid, program, &actions, nil, argvPointers, environmentPointers)
            }
        }
        guard code == 0 else { throw SpawnError(executable: program, code: code) }
        return Running(pid: pid, program: program, stdout: stdout, stderr: stderr)
    }

    /// A started process: signal it, then wait for what it printed.
    public final class Running: @unchecked Sendable {
        public let pid: pid_t
        let program: String
        fileprivate let stdout: TemporaryFile
        fileprivate let stderr: TemporaryFile

        fileprivate init(pid: pid_t, program: String, stdout: TemporaryFile, stderr: TemporaryFile)
        {
            self.pid = pid
            self.program = program
            self.stdout = stdout
            self.stderr = stderr
        }

        /// Sends `signal` (SIGKILL by default).
        public func kill(_ signal: Int32 = SIGKILL) { _ = Glibc.kill(pid, signal) }

        /// Waits for the process to end.
        public func wait() throws -> Output {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 {
                guard errno == EINTR else { throw SpawnError(executable: program, code: errno) }
            }
            // WIFEXITED / WEXITSTATUS, spelled out: the macros are not imported into Swift.
            let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return Output(status: exitCode, stdout: stdout.contents(), stderr: stderr.contents())
        }
    }
}

/// An unlinked temporary file that vanishes when closed.
private final class TemporaryFile {
    let descriptor: Int32

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tollgate-XXXXXX").utf8CString)
        descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw ProcessRunner.SpawnError(executable: "mkstemp", code: errno)
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { close(descriptor) }

    func contents() -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        lseek(descriptor, 0, SEEK_SET)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }
}

private func withCStringArray<R>(
    _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R
) -> R {
    let copies = strings.map { strdup($0) } + [nil]
    defer { for copy in copies { free(copy) } }
    return body(copies)
}
