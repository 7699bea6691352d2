import Foundation

/// `tollgate init`: Tollgate's files for an existing Supabase project.
///
/// It writes `Environments/` (dev, staging, production), a first playbook that applies
/// `supabase/migrations` as `supabase db push` would, and the JSON Schemas editors validate
/// them with. It reads what the project already says:
/// `supabase/config.toml` (the local database's port, the JWT lifetime) and the *names* of
/// the connection-string variables in its `.env` files (`STAGING_DB_URL`). Values are never
/// read into what it writes or prints: an environment's connection is `${NAME}`, resolved when
/// Tollgate runs.
public enum SupabaseProjectInit {
    public struct Outcome: Sendable, Equatable {
        /// Files written, relative to the project.
        public var written: [String] = []
        /// Each environment and the variable its connection reads.
        public var environments: [Connection] = []
        /// Migrations the playbook applies (pending or not).
        public var migrations = 0
        /// Connection-string variables found that name no environment (`DATABASE_URL`).
        public var unassigned: [String] = []
        /// The local database `supabase start` runs, dev's default: `127.0.0.1:54322`.
        public var localDatabase: String = ""
        /// `supabase/migrations` did not exist and was made, empty.
        public var createdMigrationsFolder = false
    }

    public struct Connection: Sendable, Equatable {
        public var environment: String
        public var variable: String
        /// Where the variable's name was found (`.env`), or nil for a name Tollgate chose.
        public var foundIn: String?
    }

    /// The files `supabase` and frameworks keep variables in, in the order they are read.
    static let variableFiles = [
        ".env", ".env.local", ".env.example", ".env.development", ".env.development.local",
        ".env.staging", ".env.production", ".env.production.local", "supabase/.env",
    ]

    /// The playbook it writes.
    public static let playbookName = "supabase-migrations"

    /// Writes the files into `root`, a Supabase project (with `supabase/`).
    /// - Throws: ``ConfigurationError`` (exit 2), writing nothing, when `root` is no Supabase
    ///   project or is a Tollgate project already.
    public static func run(in root: URL) throws(ConfigurationError) -> Outcome {
        let fileManager = FileManager.default
        let supabase = root.appendingPathComponent("supabase")
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: supabase.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw ConfigurationError(
                "no supabase/ folder in '\(root.path)': run tollgate init in a Supabase project (where `supabase init` wrote supabase/config.toml), or pass --project DIR"
            )
        }
        let playbook = "Playbooks/\(playbookName).yml"
        for existing in ["Environments", playbook]
        where fileManager.fileExists(atPath: root.appendingPathComponent(existing).path) {
            throw ConfigurationError(
                "'\(existing)' exists already: this is a Tollgate project; nothing was written")
        }

        let config =
            (try? String(
                contentsOf: supabase.appendingPathComponent("config.toml"), encoding: .utf8))
            .map(TOMLSettings.init) ?? TOMLSettings("")
        var outcome = Outcome()
        let port = config.value("db", "port") ?? "54322"
        outcome.localDatabase = "127.0.0.1:\(port)"
        let jwtExpiry = config.value("auth", "jwt_expiry") ?? "3600"

        // Connection-string variables the project already names, by environment.
        var found: [String: (variable: String, file: String)] = [:]
        var unassigned: [String] = []
        for file in variableFiles {
            guard
                let text = try? String(
                    contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            else { continue }
            for name in variableNames(in: text) where isConnectionVariable(name) {
                if let environment = environment(named: name) {
                    if found[environment] == nil { found[environment] = (name, file) }
                } else if !unassigned.contains(name) {
                    unassigned.append(name)
                }
            }
        }
        outcome.unassigned = unassigned

        let migrationsFolder = supabase.appendingPathComponent("migrations")
        // `supabase init` makes no migrations folder; the first `supabase migration new` does.
        outcome.createdMigrationsFolder = !fileManager.fileExists(atPath: migrationsFolder.path)
        outcome.migrations =
            ((try? fileManager.contentsOfDirectory(atPath: migrationsFolder.path)) ?? [])
            .filter { MigrationStep.versionAndName($0) != nil }.count

        var files: [(path: String, text: String)] = []
        let chain: [(name: String, order: Int, description: String)] = [
            ("dev", 1, "Development: the local Supabase stack (supabase start) unless set."),
            ("staging", 2, "Staging: the hosted project every change reaches before production."),
            ("production", 3, "Production: live data. One approval before a run."),
        ]
        for environment in chain {
            let variable =
                found[environment.name]?.variable
                ?? "\(environment.name.uppercased())_DATABASE_URL"
            outcome.environments.append(
                Connection(
                    environment: environment.name, variable: variable,
                    foundIn: found[environment.name]?.file))
            let connection =
                environment.name == "dev"
                ? "${\(variable):-host=127.0.0.1 port=\(port) dbname=postgres user=postgres}"
                : "${\(variable)}"
            let source =
                found[environment.name].map { "\($0.variable), named in \($0.file)" }
                ?? "\(variable)"
            let protection =
                environment.name == "production"
                ? "protection:\n  approvals_required: 1\n  # soak_after_previous: 24h\n"
                : "protection:\n  approvals_required: 0\n"
            let jwt = environment.name == "dev" ? jwtExpiry : "3600"
            files.append(
                (
                    "Environments/\(environment.name).yml",
                    """
                    \(JSONSchemas.File.environment.header)
                    # \(environment.description)
                    #
                    # The connection is read from \(source) when Tollgate runs, from its
                    # environment (Tollgate does not read .env files: export the variable, or
                    # `set -a; . ./.env; set +a`): the database connection string from the project's
                    # settings (Database > Connect: the direct connection or the session pooler,
                    # port 5432; not the transaction pooler). Keep the password out of this file:
                    # in the variable, PGPASSWORD or ~/.pgpass.\(environment.name == "dev" ? "\n# Unset, it is the local stack (`supabase start`), whose password (postgres,\n# the CLI's default) goes in PGPASSWORD." : "")
                    version: 1
                    name: \(environment.name)
                    order: \(environment.order)
                    description: "\(environment.description)"
                    connection: \(connection)
                    \(protection)variables:
                      # Supabase's JWT lifetime in seconds (\(environment.name == "dev" ? "supabase/config.toml, [auth] jwt_expiry" : "the project's Auth settings")).
                      jwt_expiry: ${\(environment.name.uppercased())_JWT_EXPIRY:-\(jwt)}

                    """
                ))
        }
        files.append(
            (
                playbook,
                """
                \(JSONSchemas.File.playbook.header)
                # Applies supabase/migrations in order, as `supabase db push` does: every file not
                # yet in supabase_migrations.schema_migrations (the CLI's history), each in its own
                # transaction, recorded there and in Tollgate's ledger. Files the CLI applied
                # already are not applied again.
                version: 1
                playbook: \(playbookName)
                description: Apply the Supabase CLI's migrations folder.
                steps:
                  - id: migrations
                    supabase_migrations: supabase/migrations

                """
            ))
        // Editors validate the files with these (the `$schema` line at the top of each).
        for schema in JSONSchemas.File.allCases {
            files.append(("\(JSONSchemas.folder)/\(schema.fileName)", schema.text))
        }
        // Every file is checked before any is written: a refusal leaves the project as it was.
        if let existing = files.first(where: {
            fileManager.fileExists(atPath: root.appendingPathComponent($0.path).path)
        }) {
            throw ConfigurationError(
                "'\(existing.path)' exists already; nothing was written (move it away to start afresh)"
            )
        }
        if outcome.createdMigrationsFolder {
            do {
                try fileManager.createDirectory(
                    at: migrationsFolder, withIntermediateDirectories: true)
            } catch {
                throw ConfigurationError(
                    "cannot make 'supabase/migrations': \(error.localizedDescription)")
            }
        }
        for file in files {
            let url = root.appendingPathComponent(file.path)
            do {
                try fileManager.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.text.utf8).write(to: url, options: .withoutOverwriting)
            } catch {
                throw ConfigurationError(
                    "cannot write '\(file.path)': \(error.localizedDescription)")
            }
            outcome.written.append(file.path)
        }
        return outcome
    }

    /// The names a `.env` file defines (`NAME=…`, `export NAME=…`); never their values.
    static func variableNames(in text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            var line = line.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("#") { return nil }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop { $0 == " " } }
            let name = line.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            guard !name.isEmpty, !name.first!.isNumber,
                line.dropFirst(name.count).drop(while: { $0 == " " }).first == "="
            else { return nil }
            return String(name)
        }
    }

    /// `DATABASE_URL`, `STAGING_DB_URL`, `POSTGRES_URL`, `SUPABASE_DB_URL`.
    static func isConnectionVariable(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["DATABASE_URL", "DB_URL", "POSTGRES_URL", "POSTGRESQL_URL"].contains {
            upper == $0 || upper.hasSuffix("_" + $0)
        }
    }

    /// The environment a variable's name says: `PROD_DATABASE_URL` → production.
    static func environment(named variable: String) -> String? {
        let words = Set(variable.uppercased().split(separator: "_").map(String.init))
        if !words.isDisjoint(with: ["DEV", "DEVELOPMENT", "LOCAL"]) { return "dev" }
        if !words.isDisjoint(with: ["STAGING", "STAGE", "PREVIEW"]) { return "staging" }
        if !words.isDisjoint(with: ["PROD", "PRODUCTION", "LIVE"]) { return "production" }
        return nil
    }
}

/// The few settings of `supabase/config.toml` Tollgate reads: `key = value` lines under
/// `[section]` headers, strings or numbers; everything else is skipped.
struct TOMLSettings {
    private var values: [String: String] = [:]

    init(_ text: String) {
        var section = ""
        for line in text.split(whereSeparator: \.isNewline) {
            let line = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                continue
            }
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\"") {
                value = String(value.dropFirst().prefix { $0 != "\"" })
            } else {
                value = String(value.prefix { $0 != "#" }).trimmingCharacters(in: .whitespaces)
            }
            values["\(section).\(key)"] = value
        }
    }

    func value(_ section: String, _ key: String) -> String? { values["\(section).\(key)"] }
}
