import Foundation
import Logging
import PostgresClient

/// A private PostgreSQL cluster under `.tollgate/sandbox/` holding `dev`, `staging` and
/// `production` in the report's starting state, so the whole rollout can be tried locally.
///
/// It listens on 127.0.0.1 and on a Unix socket in its own folder, nowhere else. Run as root,
/// `initdb` and `pg_ctl` run as the `postgres` OS user (PostgreSQL refuses root).
public struct Sandbox: Sendable {
    /// The port used when none is given or remembered.
    public static let defaultPort = 54329
    /// The databases it creates, in chain order.
    public static let databases = ["dev", "staging", "production"]
    /// The login role the environments connect as: Supabase's `postgres` role, hosted-like.
    public static let applicationRole = "tollgate_app"
    /// The OS user that owns the cluster when Tollgate runs as root.
    static let osUser = "postgres"

    /// How the sandbox's data is made.
    public struct Options: Sendable, Codable, Equatable {
        /// Rows in `leads`; other tables scale from it.
        public var rows: Int
        /// The generator's seed: the same seed gives the same data everywhere.
        public var seed: Int
        /// `baseline` (all three in the report's state) or `drifted`.
        public var scenario: Scenario

        public init(rows: Int = 1000, seed: Int = 42, scenario: Scenario = .baseline) {
            self.rows = rows
            self.seed = seed
            self.scenario = scenario
        }
    }

    /// Which starting state the environments get.
    public enum Scenario: String, Sendable, Codable, CaseIterable {
        /// dev, staging and production all in the report's single-tenant state.
        case baseline
        /// dev with part of Day 1 applied by hand and a stray table; staging with the
        /// report's organizations migration applied through the Supabase CLI; production as
        /// baseline.
        case drifted
    }

    /// What `sandbox.json` remembers between commands.
    public struct State: Sendable, Codable, Equatable {
        public var port: Int
        public var options: Options
        public var seededAt: Date?
    }

    /// The sandbox folder.
    public let folder: URL
    let installation: PostgresInstallation?
    let runner = ProcessRunner()
    let logger: Logger

    public var dataFolder: URL { folder.appendingPathComponent("data") }
    var logFile: URL { folder.appendingPathComponent("postgres.log") }
    var stateFile: URL { folder.appendingPathComponent("sandbox.json") }
    var configFile: URL { dataFolder.appendingPathComponent("tollgate.conf") }
    /// A `.pgpass` for TCP clients (psql, GUI tools) connecting as ``applicationRole``.
    public var passFile: URL { folder.appendingPathComponent("pgpass") }

    public init(
        folder: URL, installation: PostgresInstallation? = nil,
        logger: Logger = Logger(label: "tollgate.sandbox")
    ) {
        self.folder = folder
        self.installation = installation
        self.logger = logger
    }

    /// The sandbox folder for a project: `TOLLGATE_SANDBOX_DIR`, else
    /// `<project>/.tollgate/sandbox`.
    ///
    /// When running as root and the `postgres` user could not enter the project (a parent without
    /// the search bit for others, such as `/root`), it falls back to a folder under `/tmp` named
    /// after the project path, so that every command finds the same one.
    public static func folder(
        forProject root: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let explicit = environment["TOLLGATE_SANDBOX_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit).standardizedFileURL
        }
        let inProject = root.appendingPathComponent(".tollgate/sandbox").standardizedFileURL
        if geteuid() != 0 || othersCanTraverse(root) { return inProject }
        var hash: UInt32 = 2_166_136_261
        for byte in root.standardizedFileURL.path.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return URL(fileURLWithPath: "/tmp/tollgate-sandbox-\(String(hash, radix: 16))")
    }

    static func othersCanTraverse(_ url: URL) -> Bool {
        var path = url.standardizedFileURL.path
        while !path.isEmpty && path != "/" {
            var info = stat()
            // Not created yet: its parents decide.
            guard stat(path, &info) == 0 else { return true }
            if info.st_mode & S_IXOTH == 0 { return false }
            path = (path as NSString).deletingLastPathComponent
        }
        return true
    }

    /// Values `${TOLLGATE_SANDBOX_DIR}` and `${TOLLGATE_SANDBOX_PORT}` take in environment
    /// files.
    public func builtinVariables() -> [String: String] {
        [
            "TOLLGATE_SANDBOX_DIR": folder.path,
            "TOLLGATE_SANDBOX_PORT": String(port() ?? Self.defaultPort),
        ]
    }

    /// The remembered port: what every command needs to load a project, read without the
    /// state's dates (whose ISO 8601 decoding costs the start-up of ICU's date formatting).
    func port() -> Int? {
        struct Port: Decodable { var port: Int }
        guard let data = try? Data(contentsOf: stateFile) else { return nil }
        return (try? JSONDecoder().decode(Port.self, from: data))?.port
    }

    /// The remembered state, if the sandbox was ever brought up.
    public func state() -> State? {
        guard let data = try? Data(contentsOf: stateFile) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(State.self, from: data)
    }

    func save(_ state: State) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(state).write(to: stateFile, options: .atomic)
    }

    /// The superuser connection over the sandbox's socket.
    func superuserConnection(port: Int, database: String = "postgres") throws -> Connection {
        try Connection(
            ConnectionString("host='\(folder.path)' port=\(port) dbname=\(database) user=postgres"),
            label: "sandbox", connectTimeout: 5, logger: logger)
    }

    /// GoTrue's connection to `database` in the running sandbox: the superuser, which may
    /// `set role supabase_auth_admin` as GoTrue logs in (for ``TrafficGenerator``'s sign-ups).
    public func gotrueConnectionString(database: String) -> ConnectionString? {
        guard let port = state()?.port else { return nil }
        return ConnectionString(
            "host='\(folder.path)' port=\(port) dbname=\(database) user=postgres")
    }

    /// The connection string an environment uses for `database` (what the shipped
    /// environment files expand to).
    public func connectionString(database: String, port: Int) -> ConnectionString {
        ConnectionString(
            "host='\(folder.path)' port=\(port) dbname=\(database) user=\(Self.applicationRole)")
    }

    // MARK: - Lifecycle

    /// Whether the server is running, by `pg_ctl status`.
    public func isRunning() throws -> Bool {
        guard
            FileManager.default.fileExists(
                atPath: dataFolder.appendingPathComponent("PG_VERSION").path)
        else { return false }
        let installation = try requireInstallation()
        return try runner.run(
            installation.pgCtl, ["status", "-D", dataFolder.path], asUser: Self.osUser
        ).status == 0
    }

    /// Creates, starts and seeds the sandbox; does only what is missing.
    ///
    /// - Parameters:
    ///   - port: the TCP port on 127.0.0.1; `nil` keeps the remembered one (or the default).
    ///   - options: the data to generate when the databases do not exist yet.
    ///   - progress: called with one line per stage.
    /// - Throws: ``SandboxError`` or `PostgresError`.
    public func up(port requestedPort: Int?, options: Options, progress: (String) -> Void) throws {
        let installation = try requireInstallation()
        let previous = state()
        if let previous, previous.seededAt != nil, previous.options.scenario != options.scenario {
            throw SandboxError.scenarioMismatch(
                existing: previous.options.scenario.rawValue, requested: options.scenario.rawValue)
        }
        // A new sandbox takes the first free port from the default, so that two projects
        // (or two clones) on one machine do not collide; an explicit or remembered port is kept.
        let port = requestedPort ?? previous?.port ?? Self.firstFreePort(from: Self.defaultPort)
        let socket = folder.appendingPathComponent(".s.PGSQL.\(port)").path
        guard socket.utf8.count <= 107 else { throw SandboxError.socketPathTooLong(socket) }
        // A port someone else holds is found before anything is stopped or created.
        let listening = try isRunning() ? previous?.port : nil
        if port != listening && !Self.isFree(port: port) {
            throw SandboxError.portTaken(port: port, free: Self.firstFreePort(from: port + 1))
        }

        try prepareFolder()
        if !FileManager.default.fileExists(
            atPath: dataFolder.appendingPathComponent("PG_VERSION").path)
        {
            progress("creating a PostgreSQL cluster in \(dataFolder.path)")
            try check(
                runner.run(
                    installation.initdb,
                    [
                        "-D", dataFolder.path, "-U", "postgres", "-E", "UTF8", "--no-locale",
                        "--no-sync",
                        "--auth-local=trust", "--auth-host=scram-sha-256",
                    ],
                    asUser: Self.osUser),
                "initdb")
            let config = try String(
                contentsOf: dataFolder.appendingPathComponent("postgresql.conf"), encoding: .utf8)
            try (config + "\ninclude_if_exists = 'tollgate.conf'\n").write(
                to: dataFolder.appendingPathComponent("postgresql.conf"), atomically: false,
                encoding: .utf8)
        }
        var state = previous ?? State(port: port, options: options, seededAt: nil)
        state.port = port
        if let previous, previous.port != port, try isRunning() {
            progress("restarting on port \(port)")
            try stop()
        }
        // Written on every start, so that a new --port takes effect. A sandbox trades
        // durability for speed: it is rebuilt, never restored.
        try """
        listen_addresses = '127.0.0.1'
        port = \(port)
        unix_socket_directories = '\(folder.path)'
        unix_socket_permissions = 0770
        fsync = off
        synchronous_commit = off
        full_page_writes = off
        max_connections = 60
        log_min_messages = warning
        """.write(to: configFile, atomically: false, encoding: .utf8)
        try chownToPostgres(configFile.path)
        if try !isRunning() {
            progress("starting PostgreSQL on 127.0.0.1:\(port) and \(folder.path)")
            try check(
                runner.run(
                    installation.pgCtl,
                    ["start", "-D", dataFolder.path, "-l", logFile.path, "-w", "-t", "60"],
                    asUser: Self.osUser),
                "pg_ctl start", logTail: true)
        }
        try save(state)
        if state.seededAt == nil {
            try seed(port: port, options: options, progress: progress)
            state.options = options
            state.seededAt = Date()
            try save(state)
        } else {
            progress(
                "databases already seeded (\(state.options.scenario.rawValue), \(state.options.rows) leads)"
            )
            // A sandbox seeded by an older Tollgate gets the hosted-like grants it lacks.
            for database in Self.databases {
                try superuserConnection(port: port, database: database).execute(
                    script: SeedSQL.laterGrants)
            }
        }
    }

    /// Stops the server, keeping its data.
    public func down() throws {
        guard try isRunning() else { return }
        try stop()
    }

    /// Stops the server and deletes the sandbox folder.
    public func destroy() throws {
        if try isRunning() { try stop() }
        if FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.removeItem(at: folder)
        }
    }

    func stop() throws {
        let installation = try requireInstallation()
        try check(
            runner.run(
                installation.pgCtl,
                ["stop", "-D", dataFolder.path, "-m", "fast", "-w", "-t", "60"], asUser: Self.osUser
            ),
            "pg_ctl stop")
    }

    // MARK: - Seeding

    func seed(port: Int, options: Options, progress: (String) -> Void) throws {
        let admin = try superuserConnection(port: port)
        let password = Self.randomPassword()
        try Self.installRoles(on: admin, applicationPassword: password)
        try writePassFile(port: port, password: password)

        progress(
            "seeding the report's starting state (\(options.rows) leads, seed \(options.seed))")
        let template = "tollgate_sandbox_template"
        for database in Self.databases + [template] {
            try admin.query("drop database if exists \(identifier: database) with (force)")
        }
        try admin.query("create database \(identifier: template)")
        try Self.seedDatabase(superuserConnection(port: port, database: template), options: options)
        for database in Self.databases {
            // FILE_COPY clones the template's files directly: the fastest way to get three
            // identical databases (PostgreSQL 15's default, WAL_LOG, logs every block).
            try admin.query(
                "create database \(identifier: database) template \(identifier: template) strategy file_copy"
            )
            try admin.query(
                "grant create, connect, temporary on database \(identifier: database) to \(identifier: Self.applicationRole)"
            )
        }
        try admin.query("drop database \(identifier: template)")

        if options.scenario == .drifted {
            progress(
                "drifting dev (Day 1 partly by hand, a stray table) and staging (organizations migration)"
            )
            try Self.applyDrift(
                to: superuserConnection(port: port, database: "dev"), environment: "dev")
            try Self.applyDrift(
                to: superuserConnection(port: port, database: "staging"), environment: "staging")
        }
    }

    /// Creates the cluster-wide roles (idempotent) and sets the application role's password.
    /// - Parameter admin: a superuser connection.
    public static func installRoles(on admin: Connection, applicationPassword: String) throws {
        // Roles are cluster-wide and CREATE ROLE races with itself (a unique violation on
        // pg_authid), so concurrent seeders take turns.
        try admin.withAdvisoryLock(key: rolesLockKey, timeout: .seconds(60)) { admin in
            try admin.setSetting("tollgate.app_password", applicationPassword)
            defer { _ = try? admin.setSetting("tollgate.app_password", "") }
            try admin.execute(script: SeedSQL.roles)
        }
    }

    /// The advisory lock key that serialises role creation: the ASCII bytes of "tgroles\0".
    static let rolesLockKey: Int64 = 0x7467_726F_6C65_7300

    /// Builds the report's starting state in an empty database: the Supabase emulation, the
    /// single-tenant schema and the generated data.
    /// - Parameter db: a superuser connection to the empty database; roles must exist.
    public static func seedDatabase(_ db: Connection, options: Options) throws {
        try db.setSetting("tollgate.seed", String(options.seed))
        try db.setSetting("tollgate.rows", String(options.rows))
        try db.execute(script: SeedSQL.supabase)
        for migration in SeedSQL.history { try applyMigration(migration, to: db) }
        try db.execute(script: SeedSQL.data)
    }

    /// Applies the drifted scenario's changes for `environment` (`dev` or `staging`).
    public static func applyDrift(to db: Connection, environment: String) throws {
        switch environment {
        case "dev": try db.execute(script: SeedSQL.driftedDev)
        case "staging": try applyMigration(SeedSQL.driftedStagingMigration, to: db)
        default: break
        }
    }

    /// Runs a migration as the application role and records it in the Supabase CLI's
    /// history with its text, as `supabase db push` does.
    static func applyMigration(
        _ migration: (version: String, name: String, sql: String), to db: Connection
    ) throws {
        try db.withTransaction { db in
            try db.query("set local role \(identifier: applicationRole)")
            try db.execute(script: migration.sql)
            try db.query(
                """
                insert into supabase_migrations.schema_migrations (version, name, statements)
                values (\(migration.version), \(migration.name), \([migration.sql]))
                """)
        }
    }

    func writePassFile(port: Int, password: String) throws {
        let line =
            "127.0.0.1:\(port):*:\(Self.applicationRole):\(password)\nlocalhost:\(port):*:\(Self.applicationRole):\(password)\n"
        _ = FileManager.default.createFile(
            atPath: passFile.path, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600]
        )
    }

    /// The first port at or above `start` that nothing listens on at 127.0.0.1.
    public static func firstFreePort(from start: Int) -> Int {
        let first = min(max(start, 1024), 65535)
        for port in first...min(first + 100, 65535) where isFree(port: port) { return port }
        return first
    }

    public static func isFree(port: Int) -> Bool {
        guard (1...65535).contains(port) else { return false }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        // As PostgreSQL binds: a port whose last connections linger in TIME_WAIT is free.
        var reuse: Int32 = 1
        setsockopt(
            descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet.randomElement(using: &generator)! })
    }

    // MARK: - Helpers

    func requireInstallation() throws(SandboxError) -> PostgresInstallation {
        if let installation { return installation }
        return try PostgresInstallation.find()
    }

    func prepareFolder() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try chownToPostgres(folder.path)
        if geteuid() == 0 {
            let probe = try runner.run("/usr/bin/test", ["-w", folder.path], asUser: Self.osUser)
            if probe.status != 0 { throw SandboxError.unreachableFolder(folder.path) }
        }
    }

    func chownToPostgres(_ path: String) throws {
        guard geteuid() == 0, let user = getpwnam(Self.osUser) else { return }
        if chown(path, user.pointee.pw_uid, user.pointee.pw_gid) != 0 {
            throw SandboxError.commandFailed(
                command: "chown \(path)", output: String(cString: strerror(errno)))
        }
    }

    func check(_ output: ProcessRunner.Output, _ command: String, logTail: Bool = false) throws {
        guard output.status != 0 else { return }
        var text = output.combined
        if logTail, let log = try? String(contentsOf: logFile, encoding: .utf8) {
            text +=
                "\nlast lines of \(logFile.path):\n"
                + log.split(separator: "\n").suffix(8).joined(separator: "\n")
        }
        throw SandboxError.commandFailed(command: command, output: text)
    }
}
