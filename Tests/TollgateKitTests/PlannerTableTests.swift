import Foundation
import PostgresClient
import Testing

@testable import TollgateKit

/// The planner, table-driven: every gate in each of its states, and every step disposition.
///
/// Pure: no database, no clock but the one passed in.
@Suite struct PlannerTableTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A playbook named `p` with the given gates and one SQL step `a` (`select 1`), and a
    /// staging environment (a soak of 1h, the given variables) to plan it on.
    static func fixture(
        gates: Playbook.Gates, variables: [String: String] = [:]
    ) -> (Playbook, Environment) {
        let here = SourceLocation(file: "test", line: 1, column: 1)
        let playbook = Playbook(
            name: "p", description: nil, gates: gates,
            steps: [
                Playbook.Step(
                    id: "a", action: SQLStep(text: "select 1"), transactional: true,
                    rerunnable: false, location: here)
            ],
            location: here)
        let staging = Environment(
            name: "staging", order: 2, connection: ConnectionString("dbname=staging"),
            protection: Protection(approvalsRequired: 0, soakAfterPrevious: .seconds(3600)),
            variables: variables, location: here)
        return (playbook, staging)
    }

    /// Gates with promotion off unless `promotion` is set.
    static func gates(
        promotion: Bool = false, _ set: (inout Playbook.Gates) -> Void = { _ in }
    ) -> Playbook.Gates {
        var gates = Playbook.Gates()
        gates.promotion = promotion
        set(&gates)
        return gates
    }

    struct GateCase: CustomTestStringConvertible, Sendable {
        let name: String
        let gates: Playbook.Gates
        var variables: [String: String] = [:]
        var lastSuccess: [String: TimeInterval] = [:]
        var approvals: [(String, Bool)] = []
        var previous: (success: TimeInterval?, problem: String?)? = nil
        var before: [String: Bool] = [:]
        var upstream: [(String, String, Bool)] = []
        let gate: String
        let passed: Bool
        let detail: String
        var unblock: String? = nil
        var testDescription: String { name }
    }

    static let gateCases: [GateCase] = [
        GateCase(
            name: "requires: not run", gates: gates { $0.requires = ["q"] }, gate: "requires q",
            passed: false,
            detail: "q has not succeeded on staging", unblock: "tollgate run q --env staging"),
        GateCase(
            name: "requires: done", gates: gates { $0.requires = ["q"] }, lastSuccess: ["q": -60],
            gate: "requires q",
            passed: true, detail: "q succeeded here"),
        GateCase(
            name: "promotion: never ran before", gates: gates(promotion: true),
            previous: (nil, nil), gate: "promotion from dev",
            passed: false, detail: "p has not succeeded on dev", unblock: "tollgate run p --env dev"
        ),
        GateCase(
            name: "promotion: soaking", gates: gates(promotion: true), previous: (-600, nil),
            gate: "promotion from dev",
            passed: false, detail: "succeeded on dev 10m ago; the soak is 1h",
            unblock: "wait 50m more"),
        GateCase(
            name: "promotion: soaked", gates: gates(promotion: true), previous: (-7200, nil),
            gate: "promotion from dev",
            passed: true, detail: "succeeded on dev 2h ago (soak 1h)"),
        GateCase(
            name: "promotion: own soak",
            gates: gates(promotion: true) { $0.soak = .seconds(3 * 3600) }, previous: (-7200, nil),
            gate: "promotion from dev",
            passed: false, detail: "succeeded on dev 2h ago; the soak is 3h",
            unblock: "wait 1h more"),
        GateCase(
            name: "promotion: no evidence", gates: gates(promotion: true),
            previous: (-7200, "dev points at the local sandbox"),
            gate: "promotion from dev", passed: false, detail: "dev points at the local sandbox"),
        GateCase(
            name: "approvals: too few", gates: gates { $0.approvals = 2 },
            approvals: [("alice", true)],
            gate: "approvals", passed: false, detail: "1 of 2 approvals (alice)",
            unblock: "1 more: tollgate approve p --env staging --as NAME"),
        GateCase(
            name: "approvals: enough", gates: gates { $0.approvals = 2 },
            approvals: [("alice", true), ("bob", true)],
            gate: "approvals", passed: true, detail: "2 of 2 approvals (alice, bob)"),
        GateCase(
            name: "approvals: one outdated", gates: gates { $0.approvals = 2 },
            approvals: [("alice", true), ("bob", false)],
            gate: "approvals", passed: false,
            detail:
                "1 of 2 approvals (alice); approved before the playbook's steps changed, so not counted: bob",
            unblock: "1 more: tollgate approve p --env staging --as NAME"),
        GateCase(
            name: "wait after: not run",
            gates: gates {
                $0.waitAfter = .init(
                    playbook: "q", variable: "jwt_expiry", fallback: .seconds(3600))
            },
            gate: "wait after q", passed: false, detail: "q has not succeeded on staging",
            unblock: "tollgate run q --env staging, then wait 1h"),
        GateCase(
            name: "wait after: waiting",
            gates: gates {
                $0.waitAfter = .init(
                    playbook: "q", variable: "jwt_expiry", fallback: .seconds(3600))
            },
            variables: ["jwt_expiry": "30m"], lastSuccess: ["q": -600], gate: "wait after q",
            passed: false,
            detail: "q succeeded here 10m ago; the wait is 30m (jwt_expiry)",
            unblock: "wait 20m more"),
        GateCase(
            name: "wait after: done",
            gates: gates {
                $0.waitAfter = .init(
                    playbook: "q", variable: "jwt_expiry", fallback: .seconds(3600))
            },
            variables: ["jwt_expiry": "0"], lastSuccess: ["q": -1], gate: "wait after q",
            passed: true,
            detail: "q succeeded here 1s ago; the wait is 0s (jwt_expiry)"),
        GateCase(
            name: "before: fails", gates: gates { $0.before = ["warden"] },
            before: ["warden": false],
            gate: "before: suite warden", passed: false, detail: "failed: first",
            unblock: "tollgate check --suite warden --env staging"),
        GateCase(
            name: "before: passes", gates: gates { $0.before = ["warden"] },
            before: ["warden": true],
            gate: "before: suite warden", passed: true, detail: "passed"),
        GateCase(
            name: "before: not run", gates: gates { $0.before = ["warden"] },
            gate: "before: suite warden", passed: false,
            detail: "not run", unblock: "tollgate check --suite warden --env staging"),
        GateCase(
            name: "upstream: fails on dev", gates: gates { $0.upstream = ["warden"] },
            upstream: [("warden", "dev", false)],
            gate: "suite warden on dev", passed: false, detail: "failed: first",
            unblock: "tollgate check --suite warden --env dev"),
        GateCase(
            name: "upstream: passes on dev", gates: gates { $0.upstream = ["warden"] },
            upstream: [("warden", "dev", true)],
            gate: "suite warden on dev", passed: true, detail: "passed"),
    ]

    @Test(arguments: gateCases)
    func everyGateInEveryState(_ test: GateCase) throws {
        let (playbook, staging) = Self.fixture(gates: test.gates, variables: test.variables)
        var ledger = Ledger.State()
        for (name, offset) in test.lastSuccess {
            ledger.lastSuccess[name] = Self.now.addingTimeInterval(offset)
        }
        for (who, current) in test.approvals {
            ledger.approvals["p", default: []].append(
                .init(approver: who, playbookChecksum: current ? playbook.contentChecksum : "old"))
        }
        let previous = test.previous.map {
            Planner.Previous(
                name: "dev", lastSuccess: $0.success.map { Self.now.addingTimeInterval($0) },
                problem: $0.problem,
                unblock: $0.problem == nil ? nil : "set DEV_DATABASE_URL")
        }
        let plan = Planner.plan(
            playbook, on: staging, ledger: ledger, previous: previous,
            suiteResults: test.before.mapValues { ($0, $0 ? nil : "first") }, now: Self.now,
            upstreamResults: test.upstream.map { ($0.0, $0.1, $0.2, $0.2 ? nil : "first") })
        let gate = try #require(
            plan.gates.first { $0.name == test.gate }, "gates: \(plan.gates.map(\.name))")
        #expect(gate.passed == test.passed)
        #expect(gate.detail == test.detail)
        if let unblock = test.unblock { #expect(gate.unblock == unblock) }
        if test.passed { #expect(gate.unblock == nil) }
        #expect(plan.isBlocked == !test.passed)
    }

    struct StepCase: CustomTestStringConvertible, Sendable {
        let name: String
        let status: StepStatus?
        var checksum = "same"
        var acceptChanged = false
        let disposition: Plan.Disposition
        var testDescription: String { name }
    }

    static let stepCases: [StepCase] = [
        StepCase(name: "never ran", status: nil, disposition: .willRun),
        StepCase(name: "succeeded", status: .succeeded, disposition: .alreadyApplied),
        StepCase(
            name: "edited since", status: .succeeded, checksum: "other",
            disposition: .changed(recorded: "other", current: "same")),
        StepCase(
            name: "edited, accepted", status: .succeeded, checksum: "other", acceptChanged: true,
            disposition: .alreadyApplied),
        StepCase(name: "interrupted", status: .started, disposition: .inDoubt),
        StepCase(name: "failed", status: .failed, disposition: .retry),
    ]

    @Test(arguments: stepCases)
    func everyStepDisposition(_ test: StepCase) throws {
        let (playbook, staging) = Self.fixture(gates: Self.gates())
        let current = try #require(playbook.steps.first?.checksum)
        var ledger = Ledger.State()
        if let status = test.status {
            ledger.steps["p"] = [
                "a": .init(
                    playbook: "p", step: "a", kind: "sql",
                    checksum: test.checksum == "same" ? current : test.checksum, status: status,
                    transactional: true, startedAt: Self.now, finishedAt: nil, error: nil,
                    actor: "x")
            ]
        }
        let plan = Planner.plan(
            playbook, on: staging, ledger: ledger, previous: nil, suiteResults: [:], now: Self.now,
            acceptChanged: test.acceptChanged)
        let expected: Plan.Disposition
        if case .changed(let recorded, _) = test.disposition {
            expected = .changed(recorded: recorded, current: current)
        } else {
            expected = test.disposition
        }
        #expect(plan.steps.first?.disposition == expected)
        if case .changed = expected { #expect(plan.isBlocked) } else { #expect(!plan.isBlocked) }
    }

    /// A step that reruns until the playbook is done: a watch that a failed check after it
    /// must start over (Day 6), and never again once the check has passed.
    @Test func aWatchRunsAgainUntilTheStepsAfterItAreDone() {
        let here = SourceLocation(file: "test", line: 1, column: 1)
        var watch = Playbook.Step(
            id: "watch", action: SQLStep(text: "select 1"), transactional: true, rerunnable: false,
            location: here)
        watch.rerunUntilDone = true
        let check = Playbook.Step(
            id: "check", action: SuiteStep(suite: "x"), transactional: true, rerunnable: true,
            location: here)
        let playbook = Playbook(
            name: "p", description: nil, gates: Self.gates(), steps: [watch, check], location: here)
        let (_, staging) = Self.fixture(gates: Self.gates())
        func record(_ step: String, _ status: StepStatus, _ checksum: String?) -> Ledger.StepRecord
        {
            .init(
                playbook: "p", step: step, kind: "sql", checksum: checksum, status: status,
                transactional: true, startedAt: Self.now,
                finishedAt: nil, error: nil, actor: "x")
        }
        var ledger = Ledger.State()
        ledger.steps["p"] = [
            "watch": record("watch", .succeeded, watch.checksum),
            "check": record("check", .failed, nil),
        ]
        var plan = Planner.plan(
            playbook, on: staging, ledger: ledger, previous: nil, suiteResults: [:], now: Self.now)
        #expect(plan.steps.map(\.disposition) == [.willRun, .retry])
        ledger.steps["p"]!["check"] = record("check", .succeeded, nil)
        plan = Planner.plan(
            playbook, on: staging, ledger: ledger, previous: nil, suiteResults: [:], now: Self.now)
        #expect(plan.steps.map(\.disposition) == [.alreadyApplied, .alreadyApplied])
    }
}
