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
