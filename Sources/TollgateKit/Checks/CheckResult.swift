/// How one check ended for one subject.
public enum CheckOutcome: String, Sendable, Codable {
    case passed
    case failed
    /// Not run because a check it requires failed; it does not pass.
    case skipped
    /// The check itself could not run (a query error, an error a probe did not expect); it
    /// does not pass.
    case error
    /// The check means nothing here: data checks and probes on a rehearsal's schema-only
    /// copy, which holds no rows. It does not block.
    case notApplicable = "not_applicable"
}

/// One check on one subject (a table of its set, or the database) in one environment.
public struct CheckResult: Sendable, Codable, Equatable {
    public var check: String
    /// The table the check was about, for `for_each` checks (`public.leads`).
    public var subject: String?
    public var outcome: CheckOutcome
    /// What the check wants, in words.
    public var expected: String
    /// What was there instead, when it did not pass.
    public var found: String?
    public var fix: String?
    /// For data checks: how many rows broke the rule, and the first few.
    public var rowCount: Int?
    public var sample: [[String: String]]?
    /// Where the check is defined (`Playbooks/checks/warden.yml:12:5`).
    public var definedAt: String
    /// For `code` checks: the application's lines that expect what is missing
    /// (`Examples/backend/src/server.ts:198:8`), the first few of ``citedCount``.
    public var citedAt: [String]?
    public var citedCount: Int?

    /// True when it does not block: passed, or not applicable.
    public var passed: Bool { outcome == .passed || outcome == .notApplicable }

    public init(
        check: String, subject: String?, outcome: CheckOutcome, expected: String,
        found: String? = nil,
        fix: String? = nil, rowCount: Int? = nil, sample: [[String: String]]? = nil,
        definedAt: String
    ) {
        self.check = check
        self.subject = subject
        self.outcome = outcome
        self.expected = expected
        self.found = found
        self.fix = fix
        self.rowCount = rowCount
        self.sample = sample
        self.definedAt = definedAt
    }
}

/// A suite run on one environment.
public struct SuiteRun: Sendable, Codable, Equatable {
    public var suite: String
    public var environment: String
    public var results: [CheckResult]

    public var passed: Bool { results.allSatisfy(\.passed) }
    public var failures: [CheckResult] { results.filter { !$0.passed } }
}

/// `tollgate check` and `tollgate gate`: suites on environments.
public struct CheckReport: Sendable, Codable, Equatable {
    /// One environment: its suite runs, or why it could not be checked.
    public struct EnvironmentChecks: Sendable, Codable, Equatable {
        /// Why an environment could not be checked at all.
        public enum Problem: String, Sendable, Codable, Equatable {
            /// No connection (exit 3).
            case unreachable
            /// Connected, but the database refused a query Tollgate needs, such as a
            /// privilege (exit 3).
            case refused
            /// None of the application's tables is there: a wrong URL or an empty database
            /// (exit 2: the configuration points at the wrong place).
            case notThisApplication = "not_this_application"
        }

        public var environment: String
        public var reachable: Bool
        public var error: String?
        public var problem: Problem?
        public var suites: [SuiteRun]

        public init(
            environment: String, reachable: Bool, error: String?, problem: Problem? = nil,
            suites: [SuiteRun]
        ) {
            self.environment = environment
            self.reachable = reachable
            self.error = error
            self.problem = problem ?? (error == nil ? nil : reachable ? .refused : .unreachable)
            self.suites = suites
        }

        public var passed: Bool { error == nil && suites.allSatisfy(\.passed) }
    }

    /// The JSON shape's version.
    public var version = 1
    public var environments: [EnvironmentChecks]

    public init(environments: [EnvironmentChecks]) { self.environments = environments }

    public var passed: Bool { environments.allSatisfy(\.passed) }

    /// 0 when every check passed; 3 when an environment could not be reached or refused a
    /// query; 2 when one is not this application's database; else 1.
    public var exitStatus: ExitStatus {
        let problems = environments.compactMap(\.problem)
        if problems.contains(.unreachable) || problems.contains(.refused) { return .unreachable }
        if problems.contains(.notThisApplication) { return .badConfiguration }
        return passed ? .success : .blocked
    }
}
