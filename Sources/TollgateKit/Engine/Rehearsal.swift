import Foundation
import PostgresClient

/// `tollgate rehearse`: runs a playbook on a copy of an environment's schema in the sandbox,
/// so that a failure shows up there first.
///
/// The copy holds the schema (`pg_dump --schema-only`, owners and privileges included), the
/// ledger and the Supabase migration history (so the plan sees what already ran), and no
/// application data. The playbook runs as the environment's own role, with the roles its
/// objects name recreated as needed, so permission errors (`permission denied for schema
/// auth`) happen as they would for real. The source is only read.
public struct Rehearsal {
    public struct Outcome: Sendable {
        /// The scratch database (dropped unless kept).
        public var database: String
        /// Why the playbook failed on the copy, or nil when it went through.
        public var failure: RunError?
        /// Statements of the schema copy that did not restore (extensions the sandbox lacks…).
        public var restoreErrors: [String]
        /// The plan's gates on the copy (reported, not enforced).
        public var gates: [Plan.Gate]
        /// Steps that held a strong lock on the copy longer than their budget, described.
        public var locksOverBudget: [String] = []
        /// Who approved the playbook on the environment itself since it was last changed:
        /// they accept a hold over budget (the copy has no rows, so the environment's own hold
        /// is at least as long).
        public var lockApprovers: [String] = []
    }

    let project: Project
    let sandbox: Sandbox
    let emit: (RunEvent) -> Void

    /// - Parameter events: the copy, the restore's errors, and the playbook's run on the copy.
    public init(project: Project, sandbox: Sandbox, events: @escaping (RunEvent) -> Void) {
        self.project = project
        self.sandbox = sandbox
        self.emit = events
    }

    public func rehearse(
        _ playbook: Playbook, from environment: Environment, actor: String, host: String,
        keep: Bool = false
    ) throws -> Outcome {
        guard try sandbox.isRunning(), let port = sandbox.state()?.port else {
            throw SandboxError.notRunning(sandbox.folder.path)
        }
        let installation = try PostgresInstallation.find()
        let source = try environment.connect()
        let who = try source.query(
            """
            select current_user::text as me, r.rolsuper as super, r.rolcreaterole as createrole,
                   r.rolcreatedb as createdb, r.rolbypassrls as bypassrls,
                   to_regnamespace('tollgate') is not null as has_ledger,
                   to_regnamespace('supabase_migrations') is not null as has_supabase
            from pg_roles r where r.rolname = current_user
            """
        ).first!
        let me: String = try who.decode("me")
        let roles = try source.query(
            "select rolname::text as name, rolcanlogin as login, rolbypassrls as bypassrls from pg_roles where rolname !~ '^pg_' order by 1"
        ).rows.map {
            (
                name: try $0.decode("name", as: String.self),
                bypassrls: try $0.decode("bypassrls", as: Bool.self)
            )
        }
        let memberships: [String] = try source.query(
            """
            select b.rolname::text as name from pg_auth_members m join pg_roles b on b.oid = m.roleid
            where m.member = (select oid from pg_roles where rolname = current_user) order by 1
            """
        ).rows.map { try $0.decode("name") }

        // Roles first: the schema copy names them as owners and grantees.
        let admin = try sandbox.superuserConnection(port: port)
        for role in roles {
            let exists: Bool = try admin.query(
                "select exists (select from pg_roles where rolname = \(role.name)) as x"
            ).first!.decode("x")
            if !exists {
                try admin.query("create role \(identifier: role.name) nologin")
                if role.bypassrls {
                    try admin.query("alter role \(identifier: role.name) bypassrls")
                }
            }
        }
        // The environment's own role logs in over the sandbox's socket, with its memberships
        // and attributes, but never as a superuser unless it is one there.
        try admin.query("alter role \(identifier: me) login")
        if try who.decode("super", as: Bool.self) {
            try admin.query("alter role \(identifier: me) superuser")
        }
        if try who.decode("createrole", as: Bool.self) {
            try admin.query("alter role \(identifier: me) createrole")
        }
        if try who.decode("bypassrls", as: Bool.self) {
            try admin.query("alter role \(identifier: me) bypassrls")
        }
        for role in memberships where role != me {
            try admin.query("grant \(identifier: role) to \(identifier: me)")
        }

        let stamp = Int(Date().timeIntervalSince1970)
        let database =
            "rehearse_\(environment.name.replacingOccurrences(of: "-", with: "_"))_\(stamp)"
        try admin.query("drop database if exists \(identifier: database) with (force)")
        try admin.query("create database \(identifier: database)")
        try admin.query(
            "grant create, connect, temporary on database \(identifier: database) to \(identifier: me)"
        )
        defer {
            if !keep {
                _ = try? admin.query("drop database if exists \(identifier: database) with (force)")
            }
        }

        emit(.copying(environment: environment.name, into: database))
        var restoreErrors = try copy(
            environment, into: database, port: port, installation: installation,
            arguments: ["--schema-only"])
        var dataSchemas: [String] = []
        if try who.decode("has_ledger", as: Bool.self) { dataSchemas.append("--schema=tollgate") }
        if try who.decode("has_supabase", as: Bool.self) {
            dataSchemas.append("--schema=supabase_migrations")
        }
        if !dataSchemas.isEmpty {
            restoreErrors += try copy(
                environment, into: database, port: port, installation: installation,
                arguments: ["--data-only"] + dataSchemas)
        }
        for error in restoreErrors.prefix(5) { emit(.restoreError(error)) }

        // The copy goes by its own name, so every line and error of the rehearsal names the
        // copy and none reads as if the real environment had been touched. Its ledger came
        // with the copy, bound to the source: it is rebound to the copy, on the record.
        var copyEnvironment = Environment(
            name: database, order: environment.order, description: "a copy of \(environment.name)",
            connection: ConnectionString(
                "host='\(sandbox.folder.path)' port=\(port) dbname=\(database) user=\(me)"),
            protection: environment.protection, variables: environment.variables,
            location: environment.location)
        copyEnvironment.pointsAtSandbox = environment.pointsAtSandbox
        if try who.decode("has_ledger", as: Bool.self) {
            _ = try Ledger(copyEnvironment.connect()).rebind(
                to: copyEnvironment, actor: actor, note: "rehearsal copy of \(environment.name)")
        }
        var options = PlaybookRunner.Options(actor: actor, host: host, enforceGates: false)
        options.schemaOnly = true
        let runner = PlaybookRunner(project: project, options: options, events: emit)
        var outcome = Outcome(
            database: database, failure: nil, restoreErrors: restoreErrors, gates: [])
        // The copy's ledger came from the environment, with its holds: only the runs of the
        // rehearsal itself count.
        let copyLedger = Ledger(try copyEnvironment.connect())
        let lastRun: Int64 =
            try copyLedger.exists()
            ? try copyLedger.db.query("select coalesce(max(id), 0) as id from tollgate.runs").first!
                .decode("id") : 0
        do {
            try runner.run(playbook, on: copyEnvironment)
        } catch let error as RunError {
            outcome.failure = error
        }
        outcome.locksOverBudget = try copyLedger.locksOverBudget(of: playbook.name)
            .filter { $0.run > lastRun }.map { "\($0.step) \($0.hold.description)" }
        if !outcome.locksOverBudget.isEmpty {
            outcome.lockApprovers = try Ledger(source).state().approvers(of: playbook).current
        }
        // What would block on the environment itself comes from its own plan (read-only),
        // not from the copy's, whose advice would name the copy.
        outcome.gates =
            (try? PlaybookRunner.plan(playbook, on: environment, project: project).gates) ?? []
        return outcome
    }

    /// `pg_dump … | psql` from the environment into the scratch database; returns the
    /// statements that failed to restore.
    func copy(
        _ environment: Environment, into database: String, port: Int,
        installation: PostgresInstallation, arguments: [String]
    ) throws -> [String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-rehearse-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: file) }
        // The password travels in PGPASSWORD, never in pg_dump's arguments, which any local
        // user can read with ps.
        var variables = ProcessInfo.processInfo.environment
        if let password = Redaction.passwords(in: environment.connection.rawValue).last {
            variables["PGPASSWORD"] = password
        }
        let dump = try ProcessRunner().run(
            installation.binDirectory + "/pg_dump",
            arguments + [
                "--no-publications", "--no-subscriptions", "--file", file.path,
                "--dbname", Redaction.removingPassword(from: environment.connection.rawValue),
            ],
            environment: variables)
        guard dump.status == 0 else {
            throw SandboxError.commandFailed(
                command: "pg_dump of \(environment.name)", output: Redaction.redact(dump.combined))
        }
        let restore = try ProcessRunner().run(
            installation.binDirectory + "/psql",
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=0", "-h", sandbox.folder.path, "-p", String(port),
                "-U", "postgres",
                "-d", database, "-f", file.path,
            ])
        return restore.stderr.split(separator: "\n").filter { $0.contains("ERROR") }.map(
            String.init)
    }
}
