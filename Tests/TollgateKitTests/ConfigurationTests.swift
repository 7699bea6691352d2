import Foundation
import PostgresClient
import Testing

@testable import TollgateKit

@Suite struct ConfigurationTests {
    @Test func fixturesLoadWithoutDiagnostics() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let project = try Project.load(root: fixtures, variables: VariableLookup(environment: [:]))
        #expect(project.environments.map(\.name) == ["dev", "staging", "production"])
        let production = project.environments[2]
        #expect(
            production.protection
                == Protection(approvalsRequired: 2, soakAfterPrevious: .seconds(86_400)))
        #expect(production.variables == ["tenant_model": "org-per-email-domain"])
        #expect(
            project.environments[0].connection.rawValue == "postgresql://app@localhost:5432/dev")
        #expect(project.environments[0].variables == ["jwt_expiry": "3600"])
        #expect(project.environments[1].description == "Staging: production's shape")
        #expect(project.previous(of: production)?.name == "staging")
    }

    @Test func theRepositorysOwnEnvironmentsLoadWithoutDiagnostics() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
        let variables = VariableLookup(
            environment: [:],
            builtins: ["TOLLGATE_SANDBOX_DIR": "/tmp/sandbox", "TOLLGATE_SANDBOX_PORT": "54329"])
        let project = try Project.load(root: root, variables: variables)
        #expect(project.environments.map(\.name) == ["dev", "staging", "production"])
        #expect(
            project.environments[2].connection.rawValue
                == "host='/tmp/sandbox' port=54329 dbname=production user=tollgate_app")
        let overridden = try Project.load(
            root: root,
            variables: VariableLookup(
                environment: ["PRODUCTION_DATABASE_URL": "postgresql://ops@db/prod"],
                builtins: variables.builtins))
        #expect(overridden.environments[2].connection.rawValue == "postgresql://ops@db/prod")
    }

    @Test func unknownKeySuggestsTheClosestOne() throws {
        try assertDiagnostics(
            [
                "dev.yml": validDev
                    + "protection:\n  1️⃣approval_required: 1\n  2️⃣soak_after_prev: 1h\n3️⃣colour: red\n"
            ],
            [
                (
                    "dev.yml", "1️⃣",
                    "unknown key 'approval_required' in 'protection' (did you mean 'approvals_required'?)"
                ),
                (
                    "dev.yml", "2️⃣",
                    "unknown key 'soak_after_prev' in 'protection' (did you mean 'soak_after_previous'?)"
                ),
                ("dev.yml", "3️⃣", "unknown key 'colour' in the environment"),
            ])
    }

    @Test func wrongTypesAreReportedAtTheValue() throws {
        try assertDiagnostics(
            [
                "dev.yml":
                    "version: 1\nname: dev\norder: 1️⃣first\nconnection: 2️⃣[a, b]\nprotection: 3️⃣yes\nvariables:\n  x: 4️⃣{a: 1}\n"
            ],
            [
                ("dev.yml", "1️⃣", "expected an integer for 'order', found a string ('first')"),
                ("dev.yml", "2️⃣", "expected a string for 'connection', found a list"),
                ("dev.yml", "3️⃣", "expected a mapping for 'protection', found a boolean (yes)"),
                ("dev.yml", "4️⃣", "expected a single value for variable 'x', found a mapping"),
            ])
    }

    @Test func everyYAML11BooleanIsNamedABoolean() throws {
        // The spellings boolean() accepts are the ones an error calls a boolean.
        try assertDiagnostics(
            ["dev.yml": "version: 1\nname: dev\norder: 1️⃣off\nconnection: x\nprotection: 2️⃣ON\n"],
            [
                ("dev.yml", "1️⃣", "expected an integer for 'order', found a boolean (off)"),
                ("dev.yml", "2️⃣", "expected a mapping for 'protection', found a boolean (ON)"),
            ])
    }

    @Test func missingRequiredKeysPointAtTheMapping() throws {
        try assertDiagnostics(
            ["dev.yml": "1️⃣version: 1\nname: dev\n"],
            [
                ("dev.yml", "1️⃣", "missing required key 'order' in the environment"),
                (
                    "dev.yml", "1️⃣",
                    "missing required key 'connection' (or 'members', for a fleet) in the environment"
                ),
            ])
    }

    @Test func duplicateNamesPointAtTheSecondDefinition() throws {
        try assertDiagnostics(
            [
                "dev.yml": validDev,
                "staging.yml": "version: 1\nname: 1️⃣dev\norder: 2\nconnection: x\n",
            ],
            [
                (
                    "staging.yml", "1️⃣",
                    "duplicate environment name 'dev' (also defined at Environments/dev.yml:2:7)"
                )
            ])
    }

    @Test func brokenPromotionOrder() throws {
        try assertDiagnostics(
            [
                "dev.yml": validDev,
                "staging.yml": "version: 1\nname: 1️⃣staging\norder: 1\nconnection: x\n",
            ],
            [
                (
                    "staging.yml", "1️⃣",
                    "broken promotion order: 'staging' and 'dev' (Environments/dev.yml:2:7) both have order 1; give each environment its own position in the chain"
                )
            ])
        try assertDiagnostics(
            [
                "dev.yml":
                    "version: 1\nname: 1️⃣dev\norder: 1\nconnection: x\nprotection:\n  soak_after_previous: 1h\n",
                "staging.yml": validStaging,
            ],
            [
                (
                    "dev.yml", "1️⃣",
                    "broken promotion order: 'dev' is first in the chain, so 'soak_after_previous' has no previous environment to wait for"
                )
            ])
    }

    @Test func missingVariablePointsAtItsOwnColumn() throws {
        try assertDiagnostics(
            [
                "dev.yml":
                    "version: 1\nname: dev\norder: 1\nconnection: x\nvariables:\n  url: postgresql://app@1️⃣${DB_HOST}/dev\n"
            ],
            [
                (
                    "dev.yml", "1️⃣",
                    "in 'url': environment variable 'DB_HOST' is not set and '${DB_HOST}' has no default (write '${DB_HOST:-default}' to give one)"
                )
            ])
        try assertDiagnostics(
            [
                "dev.yml":
                    "version: 1\nname: dev\norder: 1\nconnection: x\nvariables:\n  url: \"x ${A:-1️⃣${B}}\"\n"
            ],
            [
                (
                    "dev.yml", "1️⃣",
                    "in 'url': environment variable 'B' is not set and '${B}' has no default (write '${B:-default}' to give one)"
                )
            ])
    }

    /// A CI job that gates production sets only production's variable: an unset connection
    /// variable is an error where the environment is used (exit 2), not when it loads.
    @Test func anUnsetConnectionVariableWaitsUntilTheEnvironmentIsUsed() throws {
        let root = try makeProject([
            "dev.yml": "version: 1\nname: dev\norder: 1\nconnection: ${DEV_URL}\n",
            "staging.yml": "version: 1\nname: staging\norder: 2\nconnection: ${STAGING_URL}\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let project = try Project.load(
            root: root, variables: VariableLookup(environment: ["DEV_URL": "dbname=dev"]))
        #expect(project.environments[0].unsetConnectionVariable == nil)
        #expect(project.environments[1].unsetConnectionVariable == "STAGING_URL")
        // Empty, as CI sets a secret the job may not read: the same.
        let empty = try Project.load(
            root: root,
            variables: VariableLookup(environment: ["DEV_URL": "dbname=dev", "STAGING_URL": ""]))
        #expect(empty.environments[1].unsetConnectionVariable == "STAGING_URL")
        #expect(throws: ConnectionError.self) {
            do {
                _ = try project.environments[1].connect()
            } catch let error as ConnectionError {
                #expect(error.exitStatus == .badConfiguration)
                #expect(error.description.contains("STAGING_URL is not set"))
                throw error
            }
        }
    }

    @Test func malformedYAMLNamesLineAndColumn() throws {
        try assertDiagnostics(
            ["dev.yml": "version: 1\nname: dev\norder: 1\nconnection: [unclosed\n1️⃣"],
            [
                (
                    "dev.yml", "1️⃣",
                    "invalid YAML: while parsing a flow sequence did not find expected ',' or ']'"
                )
            ])
    }

    @Test func badValues() throws {
        try assertDiagnostics(
            [
                "dev.yml":
                    "version: 1️⃣2\nname: 2️⃣Dev!\norder: 1\nconnection: x\nprotection:\n  approvals_required: 3️⃣-1\n  soak_after_previous: 4️⃣soon\n"
            ],
            [
                (
                    "dev.yml", "1️⃣",
                    "version 2 is newer than this tollgate reads (up to 1); upgrade tollgate"
                ),
                (
                    "dev.yml", "2️⃣",
                    "environment name 'Dev!' must be lowercase letters, digits, '-' or '_'"
                ),
                ("dev.yml", "3️⃣", "'approvals_required' must be at least 0, found -1"),
                (
                    "dev.yml", "4️⃣",
                    "cannot read 'soon' as a duration for 'soak_after_previous' (write e.g. 90s, 15m, 24h, 2d or 1h30m)"
                ),
            ])
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        let root = try makeProject([
            "dev.yml": "version: 1\nname: dev\norder: x\nconnection: y\n",
            "staging.yml": "version: 1\nname: staging\norder: 2\nconection: y\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: ConfigurationError.self) {
            try Project.load(root: root, variables: VariableLookup(environment: [:]))
        }
        do {
            _ = try Project.load(
                root: root, variables: VariableLookup(environment: [:]), displayBase: root)
        } catch {
            #expect(error.diagnostics.filter { $0.severity == .error }.count == 3)
            #expect(error.exitStatus == .badConfiguration)
        }
    }

    @Test func unknownEnvironmentOnTheCommandLine() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let project = try Project.load(root: fixtures, variables: VariableLookup(environment: [:]))
        #expect(
            try project.environments(named: ["production", "dev"]).map(\.name) == [
                "dev", "production",
            ])
        #expect(try project.environments(named: ["all"]).count == 3)
        do {
            _ = try project.environments(named: ["prod"])
            Issue.record("expected an error")
        } catch {
            #expect(
                "\(error)"
                    == "error: unknown environment 'prod' (known: dev, staging, production)")
        }
        do {
            _ = try project.environments(named: ["stagin"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasSuffix("(did you mean 'staging'?)"))
        }
    }
}

@Suite struct InterpolationTests {
    let variables = ["HOST": "db", "EMPTY": ""]
    func expand(_ text: String) throws(Interpolation.Failure) -> String {
        try Interpolation.expand(text) { variables[$0] }
    }

    @Test func expands() throws {
        #expect(try expand("host=${HOST} port=5432") == "host=db port=5432")
        #expect(try expand("${MISSING:-fallback}") == "fallback")
        #expect(try expand("${EMPTY:-fallback}") == "fallback")
        #expect(try expand("${HOST:-fallback}") == "db")
        #expect(try expand("${MISSING:-${HOST}:5432}") == "db:5432")
        #expect(try expand("${MISSING:-}") == "")
        #expect(try expand("${HOST:-${MISSING}}") == "db")
        #expect(try expand("cost $$5 and $x") == "cost $5 and $x")
    }

    @Test func failures() {
        #expect(
            throws: Interpolation.Failure(offset: 3, message: "'${HOST' is not closed with '}'")
        ) {
            try expand("ab ${HOST")
        }
        #expect(
            throws: Interpolation.Failure(offset: 0, message: "expected a variable name after '${'")
        ) {
            try expand("${}")
        }
        #expect(
            throws: Interpolation.Failure(
                offset: 0,
                message: "unexpected '-' in '${HOST…}' (use '${NAME}' or '${NAME:-default}')")
        ) {
            try expand("${HOST-x}")
        }
    }

    @Test func durations() {
        #expect(DurationParser.parse("24h") == .seconds(86_400))
        #expect(DurationParser.parse("1h30m") == .seconds(5400))
        #expect(DurationParser.parse("3600") == .seconds(3600))
        #expect(DurationParser.parse("500ms") == .milliseconds(500))
        #expect(DurationParser.parse("2d") == .seconds(172_800))
        #expect(DurationParser.parse("soon") == nil)
        #expect(DurationParser.parse("5x") == nil)
        #expect(DurationParser.parse("10") == .seconds(10))
        #expect(DurationParser.format(.seconds(5400)) == "1h30m")
    }
}
