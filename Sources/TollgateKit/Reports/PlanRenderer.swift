import Foundation

/// Renders a ``Plan``: gates with ✓/✗ and what would unblock them, then the steps.
public enum PlanRenderer {
    public static func text(_ plan: Plan, color: Bool) -> String {
        let paint = Paint(enabled: color)
        var lines = [
            paint.bold("\(plan.playbook) on \(plan.environment)") + ": "
                + (plan.isBlocked ? paint.red("BLOCKED") : paint.green("ready"))
        ]
        if !plan.gates.isEmpty { lines.append("gates:") }
        for gate in plan.gates {
            lines.append(
                "  \(gate.passed ? paint.green("✓") : paint.red("✗")) \(gate.name): \(gate.detail)")
            if let unblock = gate.unblock {
                lines.append("      " + paint.yellow("to unblock:") + " \(unblock)")
            }
        }
        lines.append("steps:")
        for step in plan.steps {
            let what: String
            switch step.disposition {
            case .willRun: what = "will run"
            case .alreadyApplied: what = paint.dim("already applied")
            case .inDoubt: what = paint.yellow("interrupted last time; will run again (rerunnable)")
            case .retry: what = paint.yellow("failed last time; will run again")
            case .changed:
                what = paint.red(
                    "changed since it ran (checksum differs): blocks; --accept-changed records it")
            }
            lines.append(
                "  \(step.disposition == .alreadyApplied ? "=" : "+") \(step.id) (\(step.kind)): \(what)"
            )
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ plan: Plan) throws -> String {
        struct Document: Encodable {
            let version = 1
            let plan: Plan
            let blocked: Bool
        }
        return try ReportJSON.encode(Document(plan: plan, blocked: plan.isBlocked))
    }
}

/// `plan` over a fleet: every member's plan, read as the fleet's few states.
public struct FleetPlan: Sendable, Encodable {
    public struct Member: Sendable, Encodable {
        public var environment: String
        public var plan: Plan?
        /// Why it could not be planned (its database unreachable…).
        public var error: String?
        var exit: ExitStatus

        public init(environment: String, plan: Plan) {
            self.environment = environment
            self.plan = plan
            self.exit = plan.isBlocked ? .blocked : .success
        }

        public init(environment: String, error: any Error) {
            self.environment = environment
            let wrapped = (error as? any TollgateError) ?? InternalError(error)
            self.error = wrapped.userMessage
            self.exit = wrapped.exitStatus
        }

        enum CodingKeys: String, CodingKey { case environment, plan, error }
    }

    public var fleet: String
    public var playbook: String
    public var members: [Member]

    public init(fleet: String, playbook: String, members: [Member]) {
        self.fleet = fleet
        self.playbook = playbook
        self.members = members
    }

    /// The most serious member's: unreachable before blocked before ready.
    public var exitStatus: ExitStatus {
        members.map(\.exit).max { $0.rawValue < $1.rawValue } ?? .success
    }

    /// Members alike: the same gates blocking, the same steps to run (or the same failure to
    /// plan), largest group first, then in the fleet's order.
    public var groups: [(key: String, members: [Member])] {
        var order: [String] = []
        var groups: [String: [Member]] = [:]
        for member in members {
            let key: String
            if let plan = member.plan {
                let gates = plan.blockingGates.map(\.name).joined(separator: ", ")
                let steps = plan.steps.map { "\($0.id)=\($0.disposition)" }.joined(separator: ",")
                key = "plan|\(gates)|\(steps)|\(plan.changedSteps.count)"
            } else {
                key = "error"
            }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(member)
        }
        return order.enumerated().sorted {
            (groups[$0.element]!.count, -$0.offset) > (groups[$1.element]!.count, -$1.offset)
        }.map { ($0.element, groups[$0.element]!) }
    }

    public func text(color: Bool) -> String {
        let paint = Paint(enabled: color)
        let total = members.count
        let blocked = members.filter { $0.exit != .success }.count
        var lines = [
            paint.bold("\(playbook) on fleet \(fleet) (\(total) member\(total == 1 ? "" : "s"))")
                + ": "
                + (blocked == 0
                    ? paint.green("ready")
                    : paint.red("BLOCKED") + " on \(blocked) of \(total)")
        ]
        func short(_ member: Member) -> String {
            Environment.fleetMember(member.environment)?.member ?? member.environment
        }
        func names(_ members: [Member]) -> String {
            Environment.nameList(members.map(\.environment), short: true)
        }
        var details: [String] = []
        for (_, group) in groups {
            let first = group[0]
            guard let plan = first.plan else {
                lines.append(
                    "  \(paint.red("✗")) \(group.count) cannot be planned: \(names(group))")
                for member in group.prefix(10) {
                    lines.append("      \(short(member)): \(member.error ?? "?")")
                }
                continue
            }
            let toRun = plan.steps.filter { $0.disposition != .alreadyApplied }.count
            let steps =
                toRun == 0
                ? "nothing to run" : "\(toRun) step\(toRun == 1 ? "" : "s") to run"
            if plan.isBlocked {
                let why =
                    (plan.blockingGates.map(\.name)
                    + plan.changedSteps.map { "step '\($0.id)' changed" })
                    .joined(separator: ", ")
                lines.append(
                    "  \(paint.red("✗")) \(group.count) blocked by \(why): \(names(group))")
                // What blocks, once per group: `plan --env` on the member shows the rest.
                details.append("like \(first.environment):")
                for gate in plan.blockingGates {
                    details.append("  \(paint.red("✗")) \(gate.name): \(gate.detail)")
                    // What unblocks the member unblocks its group: say it of the fleet.
                    if let unblock = gate.unblock {
                        let forAll = unblock.replacingOccurrences(
                            of: "--env \(first.environment)", with: "--env \(fleet)")
                        details.append("      " + paint.yellow("to unblock:") + " \(forAll)")
                    }
                }
                for step in plan.changedSteps {
                    details.append(
                        "  \(paint.red("✗")) step '\(step.id)' changed since it ran (checksum differs); --accept-changed records it"
                    )
                }
            } else {
                lines.append(
                    "  \(paint.green("✓")) \(group.count) ready, \(steps): \(names(group))")
            }
        }
        if !details.isEmpty { lines += [""] + details }
        return lines.joined(separator: "\n")
    }

    public func json() throws -> String {
        struct Document: Encodable {
            let version = 1
            let fleet: String
            let playbook: String
            let blocked: Bool
            let members: [Member]
        }
        return try ReportJSON.encode(
            Document(
                fleet: fleet, playbook: playbook, blocked: exitStatus != .success,
                members: members))
    }
}
