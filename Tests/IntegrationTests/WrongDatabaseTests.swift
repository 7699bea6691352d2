import Foundation
import PostgresClient
import Testing
import TollgateKit

/// Tollgate never acts on the wrong database: ledgers bound to their environment, no promotion on
/// evidence from the sandbox, `status` saying where each environment points, and privilege errors a
/// user can act on.
///
/// Through the binary, with the repository's own environments and playbooks.
@Suite(.enabled(if: PostgresTestServer.shouldRun))
struct WrongDatabaseTests {
    func url(_ database: String, user: String? = nil) throws -> String {
        try PostgresTestServer.connectionString().rawValue + " dbname=\(database)"
            + (user.map { " user=\($0)" } ?? "")
    }

    func approvals(_ db: Connection) throws -> Int {
        try db.query("select count(*) as n from tollgate.approvals").first!.decode("n")
    }

    /// STAGING_DATABASE_URL set to dev's database: the staging approval must not land in dev's
    /// ledger.
    ///
    /// A deliberate rebinding is one command, on the record.
    @Test func aLedgerIsBoundToItsEnvironment() throws {
        try withTestDatabase { db, name in
            let dev = try tollgate(
                ["approve", "day-1-organizations", "--env", "dev", "--as", "alice"],
                environment: ["DEV_DATABASE_URL": url(name)])
            #expect(dev.status == 0, "\(dev.stderr)")
            let binding = try #require(try Ledger(db).binding())
            #expect(binding.environment == "dev")
            #expect(binding.identity.database == name)
            #expect(binding.identity.systemIdentifier != nil)

            let staging = try tollgate(
                ["approve", "day-1-organizations", "--env", "staging", "--as", "bob"],
                environment: ["STAGING_DATABASE_URL": url(name)])
            #expect(staging.status == 2)
            #expect(
                staging.stderr.contains(
                    "refusing to write to staging's ledger: this database belongs to environment 'dev'"
                ))
            #expect(staging.stderr.contains("check STAGING_DATABASE_URL"))
            #expect(staging.stderr.contains("tollgate rebind --env staging --as NAME"))
            #expect(try approvals(db) == 1)
            let run = try tollgate(
                ["run", "day-1-organizations", "--env", "staging", "--yes"],
                environment: ["STAGING_DATABASE_URL": url(name)])
            #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
            #expect(
                try db.query("select count(*) as n from tollgate.runs").first!.decode(
                    "n", as: Int.self) == 0)

            // status says so too.
            let status = try tollgate(
                ["status", "--env", "staging"], environment: ["STAGING_DATABASE_URL": url(name)])
            #expect(status.stdout.contains("this database holds the ledger of environment 'dev'"))

            let rebind = try tollgate(
                [
                    "rebind", "--env", "staging", "--as", "ops", "--note",
                    "dev's database is staging now",
                ],
                environment: ["STAGING_DATABASE_URL": url(name)])
            #expect(rebind.status == 0, "\(rebind.stderr)")
            #expect(
                rebind.stdout.contains(
                    "is now bound to staging (it was bound to dev, database \(name)"))
            let event: String = try db.query(
                "select detail from tollgate.events where event = 'rebound'"
            ).first!.decode("detail")
            #expect(event.contains("was environment dev"))
            #expect(event.contains("dev's database is staging now"))
            let again = try tollgate(
                ["approve", "day-1-organizations", "--env", "staging", "--as", "bob"],
                environment: ["STAGING_DATABASE_URL": url(name)])
            #expect(again.status == 0, "\(again.stderr)")
            // And now dev may not write there.
            let devAgain = try tollgate(
                ["approve", "day-1-organizations", "--env", "dev", "--as", "carol"],
                environment: ["DEV_DATABASE_URL": url(name)])
            #expect(devAgain.status == 2)
        }
    }

    /// A restored copy carries its source's binding: the name agrees, the database does not.
    @Test func aCopyOfAnotherDatabaseIsRefusedUntilRebound() throws {
        try withTestDatabase { db, name in
            #expect(
                try tollgate(
                    ["approve", "day-1-organizations", "--env", "dev", "--as", "alice"],
                    environment: ["DEV_DATABASE_URL": url(name)]
                ).status == 0)
            try withTestDatabase { copy, copyName in
                // What a restore of dev's ledger into another database leaves: dev's binding.
                try Ledger(copy).install()
                let source = try Ledger(db).identity()
                try copy.query(
                    """
                    insert into tollgate.binding (environment, system_identifier, database, bound_by)
                    values ('dev', \(source.systemIdentifier), \(name), 'restore')
                    """)
                let result = try tollgate(
                    ["approve", "day-1-organizations", "--env", "dev", "--as", "bob"],
                    environment: ["DEV_DATABASE_URL": url(copyName)])
                #expect(result.status == 2)
                #expect(result.stderr.contains("its ledger was bound to dev in database \(name)"))
                #expect(result.stderr.contains("and this is database \(copyName)"))
                let rebind = try tollgate(
                    ["rebind", "--env", "dev", "--as", "ops"],
                    environment: ["DEV_DATABASE_URL": url(copyName)])
                #expect(rebind.status == 0, "\(rebind.stderr)")
                #expect(
                    try tollgate(
                        ["approve", "day-1-organizations", "--env", "dev", "--as", "bob"],
                        environment: ["DEV_DATABASE_URL": url(copyName)]
                    ).status == 0)
            }
        }
    }

    /// A ledger from before bindings existed is bound only to the environment whose runs it
    /// holds: a misconfigured URL cannot claim it by writing first.
    @Test func anOlderLedgerIsBoundToTheEnvironmentItRecords() throws {
        try withTestDatabase { db, name in
            try Ledger(db).install()
            try db.execute(
                script: """
                    delete from tollgate.releases where version >= 4;
                    drop table tollgate.binding;
                    insert into tollgate.runs (playbook, environment, actor, host, outcome) values ('day-1-organizations', 'dev', 'alice', 'ci', 'succeeded');
                    update tollgate.runs set finished_at = clock_timestamp();
                    """)
            let staging = try tollgate(
                ["approve", "day-1-organizations", "--env", "staging", "--as", "bob"],
                environment: ["STAGING_DATABASE_URL": url(name)])
            #expect(staging.status == 2)
            #expect(
                staging.stderr.contains("this database's ledger records runs of environment 'dev'"))
            let dev = try tollgate(
                ["approve", "day-1-organizations", "--env", "dev", "--as", "alice"],
                environment: ["DEV_DATABASE_URL": url(name)])
            #expect(dev.status == 0, "\(dev.stderr)")
            #expect(try Ledger(db).binding()?.environment == "dev")
        }
    }

    /// With only PRODUCTION_DATABASE_URL set, staging's evidence would come from the sandbox:
    /// production's promotion gate blocks and names the variable to set; status shows where
    /// every environment points.
    @Test func aRealEnvironmentIsNeverPromotedOnTheSandboxesEvidence() throws {
        try WardenGateTests().withSandboxDatabase(migrated: false) { _, environment, _ in
            let variables = ["STAGING_DATABASE_URL": environment.connection.rawValue]
            let plan = try tollgate(
                ["plan", "day-1-organizations", "--env", "staging"], environment: variables)
            #expect(plan.status == 1, "\(plan.stdout)\(plan.stderr)")
            #expect(
                plan.stdout.contains(
                    "✗ promotion from dev: dev points at the local sandbox, which is no evidence for staging"
                ))
            #expect(plan.stdout.contains("to unblock: set DEV_DATABASE_URL to the real database"))

            let status = try tollgate(["status", "--format", "json"], environment: variables)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let environments = try #require(document["environments"] as? [[String: Any]])
            let staging = try #require(
                environments.first { $0["environment"] as? String == "staging" })
            let dev = try #require(environments.first { $0["environment"] as? String == "dev" })
            #expect(staging["sandbox"] as? Bool == false)
            let target = try #require(staging["target"] as? [String: Any])
            #expect(target["database"] as? String == environment.connection.endpoint?.database)
            #expect(dev["sandbox"] as? Bool == true)
            let text = try tollgate(["status"], environment: variables)
            #expect(text.stdout.contains("TARGET"))
            #expect(text.stdout.contains("sandbox/dev"))
            #expect(text.stdout.contains("/\(environment.connection.endpoint?.database ?? "?")"))
        }
    }

    /// A role that may not create the ledger, or read it: exit 3, the privilege and its
    /// GRANT; status says "unknown", never "not started".
    @Test func privilegeErrorsSayWhatToGrant() throws {
        try withTestDatabase { db, name in
            let admin = try PostgresTestServer.connect()
            try admin.execute(
                script: """
                    do $$ begin if not exists (select from pg_roles where rolname = 'tollgate_limited') then
                      create role tollgate_limited login; end if; end $$;
                    revoke create on database \(try db.quoteIdentifier(name)) from public;
                    """)
            let limited = ["DEV_DATABASE_URL": try url(name, user: "tollgate_limited")]
            let approve = try tollgate(
                ["approve", "day-1-organizations", "--env", "dev", "--as", "alice"],
                environment: limited)
            #expect(approve.status == 3, "\(approve.stderr)")
            #expect(
                approve.stderr.contains(
                    "the role tollgate_limited lacks a privilege Tollgate needs: permission denied for database \(name) (SQLSTATE 42501)"
                ))
            #expect(
                approve.stderr.contains(
                    "GRANT CREATE ON DATABASE \"\(name)\" TO \"tollgate_limited\";"))

            // The ledger exists (made by another role), but this one may not read it.
            #expect(
                try tollgate(
                    ["approve", "day-1-organizations", "--env", "dev", "--as", "alice"],
                    environment: ["DEV_DATABASE_URL": url(name)]
                ).status == 0)
            let status = try tollgate(["status", "--env", "dev"], environment: limited)
            #expect(status.status == 3, "\(status.stdout)\(status.stderr)")
            #expect(!status.stdout.contains("not started"))
            #expect(status.stdout.contains("unknown"))
            #expect(
                status.stdout.contains("GRANT USAGE ON SCHEMA tollgate TO \"tollgate_limited\""))
        }
    }
}
