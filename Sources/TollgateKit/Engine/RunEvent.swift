/// What happens during a run, as it happens: the runner emits these, and the executable
/// decides how they read (Sqitch-style step lines, a progress bar on a terminal).
public enum RunEvent: Sendable {
    /// Another runner holds the environment's lock; waiting for it.
    case waitingForLock(environment: String, holder: String, upTo: Duration)
    /// A step that already ran here.
    case alreadyApplied(playbook: String, step: String)
    /// An edited step whose new checksum was accepted (`--accept-changed`); nothing ran.
    case repaired(playbook: String, step: String)
    /// A step ran and was recorded.
    case applied(playbook: String, step: String, took: Duration)
    /// A busy table: the step tries again after a pause.
    case retrying(step: String, attempt: Int, of: Int, pause: Duration)
    /// A `wait` step sleeps; `startedAgo` when it resumes an interrupted wait.
    case waiting(step: String, remaining: Duration, startedAgo: Duration?)
    /// An index an interrupted build left INVALID is dropped, to be built again.
    case rebuilding(step: String, index: String)
    /// A step held a strong lock on a tenant table longer than its budget: promoting the
    /// playbook now needs an approval on the next environment.
    case overLockBudget(step: String, LockHold)
    /// A batch of a backfill committed.
    case backfill(BackfillProgress)
    /// A backfill walks on fewer connections than its step asks for: another could not be
    /// opened (a connection limit, a small pool).
    case backfillNarrowed(step: String, connections: Int, reason: String)
    /// An after-gate suite passed; `notApplicable` checks did not apply (a rehearsal copy).
    case suitePassed(suite: String, notApplicable: Int)
    /// A rehearsal copies an environment's schema.
    case copying(environment: String, into: String)
    /// A statement of a rehearsal's schema copy that did not restore.
    case restoreError(String)
    /// A step committed, but what it changed could not be written to the ledger afterwards:
    /// `compare` will not attribute those objects to it.
    case effectsNotRecorded(step: String, reason: String)
}
