import Foundation
import TollgateKit

/// How a run reads: Sqitch-style step lines on stdout (`  + day-1/organizations .. ok (3ms)`),
/// and backfill progress on stderr, redrawn in place on a terminal and a line every few
/// seconds otherwise (a CI log stays readable), always with the final line.
final class RunEventPrinter: @unchecked Sendable {
    let printer: Printer
    let terminal = isatty(STDERR_FILENO) == 1
    var lastProgress = ContinuousClock.now - .seconds(60)

    init(printer: Printer) { self.printer = printer }

    func show(_ event: RunEvent) {
        switch event {
        case .backfill(let progress): show(progress)
        default: if let line = Self.line(for: event) { printer.output(line) }
        }
    }

    /// The text of an event, as the README shows it.
    static func line(for event: RunEvent) -> String? {
        switch event {
        case .waitingForLock(let environment, let holder, let upTo):
            return
                "blocked by another tollgate run on \(environment) (\(holder)); waiting up to \(DurationParser.format(upTo))"
        case .alreadyApplied(let playbook, let step):
            return "  = \(playbook)/\(step) .. already applied"
        case .repaired(let playbook, let step):
            return "  ~ \(playbook)/\(step) .. changed since it ran; recorded as repaired"
        case .applied(let playbook, let step, let took):
            return "  + \(playbook)/\(step) .. ok (\(milliseconds(took)))"
        case .retrying(let step, let attempt, let of, let pause):
            return
                "  … \(step): lock not available, retry \(attempt) of \(of) in \(DurationParser.milliseconds(pause))ms"
        case .waiting(let step, let remaining, let startedAgo):
            return
                "  … \(step): waiting \(DurationParser.format(.seconds(remaining.components.seconds)))"
                + (startedAgo.map {
                    " more (resumed: it started \(DurationParser.format(.seconds($0.components.seconds))) ago)"
                } ?? "")
        case .suitePassed(let suite, let notApplicable):
            return "  ✓ after: suite \(suite) passed"
                + (notApplicable == 0
                    ? ""
                    : " (\(notApplicable) data checks and probes not applicable: a rehearsal copies the schema, not the rows)")
        case .rebuilding(let step, let index):
            return
                "  ~ \(step): index \(index) was left INVALID by an interrupted build; dropped, building it again"
        case .overLockBudget(let step, let lock):
            return "  ! \(step): \(lock.description): promoting it will need an approval"
        case .copying(let environment, let database):
            return "copying the schema of \(environment) into \(database) on the sandbox"
        case .restoreError(let error): return "  restore: \(error)"
        case .effectsNotRecorded(let step, let reason):
            return
                "  ! \(step): committed, but what it changed was not recorded (\(reason)); compare will not attribute those objects to it"
        case .backfill(let progress): return "    " + progress.line()
        case .backfillNarrowed(let step, let connections, let reason):
            return
                "  … \(step): walking on \(connections) connection\(connections == 1 ? "" : "s"): another could not be opened (\(reason)); set 'connections: \(connections)' on the step to stop asking"
        }
    }

    func show(_ progress: BackfillProgress) {
        let now = ContinuousClock.now
        let interval: Duration = terminal ? .milliseconds(100) : .seconds(5)
        guard progress.finished || now - lastProgress >= interval else { return }
        lastProgress = now
        if terminal {
            printer.redraw("    " + progress.line(), final: progress.finished)
        } else {
            printer.info("    " + progress.line())
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = DurationParser.seconds(duration) * 1000
        return ms < 1000 ? String(format: "%.0fms", ms) : String(format: "%.1fs", ms / 1000)
    }
}
