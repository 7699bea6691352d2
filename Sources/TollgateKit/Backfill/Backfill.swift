import Foundation
import PostgresClient

/// Where a backfill stands, for progress displays.
public struct BackfillProgress: Sendable {
    public var table: String
    public var pagesDone: Int64
    public var pages: Int64
    public var rows: Int64
    public var rowsPerSecond: Double
    public var finished: Bool
    /// The pause the backfill added after its last batch because writers had to wait for it;
    /// nil when none waited.
    public var yielding: Duration? = nil

    /// The progress in one line.
    ///
    /// `public.leads  12,345 rows  [#######.......] 48%  3,210 rows/s  ETA 12s`
    public func line(width: Int = 24) -> String {
        let fraction = pages == 0 ? 1 : min(1, Double(pagesDone) / Double(pages))
        let filled = Int(fraction * Double(width))
        let bar =
            String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsedRate = rowsPerSecond > 0 ? " \(Int(rowsPerSecond)) rows/s" : ""
        var eta = ""
        if !finished, fraction > 0, rowsPerSecond > 0 {
            let remaining = Double(rows) / fraction * (1 - fraction) / rowsPerSecond
            eta = "  ETA \(DurationParser.format(.seconds(Int(remaining.rounded(.up)))))"
        }
        let yield =
            yielding.map { "  (writers waited: pausing \(DurationParser.format($0)))" } ?? ""
        return
            "\(table)  \(rows) rows  [\(bar)] \(Int(fraction * 100))%\(elapsedRate)\(eta)\(yield)"
    }
}

/// Runs a ``BackfillStep``: page (ctid) ranges over the table as it was when the backfill started,
/// each batch its own short transaction that also advances the cursor in the ledger.
///
/// PostgreSQL 14 and later scan a `ctid` range directly (TID Range Scan), so a batch reads only
/// its pages. Walking pages rather than keys needs no index and ends at the table's starting
/// size, so it terminates even while rows keep being inserted (new rows get their values from
/// the application, or from a later pass).
struct BackfillRunner {
    let db: Connection
    let backfill: BackfillStep
    let playbook: String
    let step: Playbook.Step
    let progress: (BackfillProgress) -> Void
    let retry: (() throws -> Void) throws -> Void

    /// - Returns: rows changed over the whole backfill, resumed runs included.
    func run() throws -> Int64 {
        let relation = backfill.table.description
        let quoted =
            try db.quoteIdentifier(backfill.table.schema) + "."
            + db.quoteIdentifier(backfill.table.name)
        let ledger = Ledger(db)
        var (next, last, rows) =
            try ledger.backfillCursor(playbook: playbook, step: step.id).map {
                ($0.nextPage, $0.lastPage, $0.rows)
            }
            ?? {
                let pages: Int64 = try db.query(
                    "select (pg_relation_size(\(relation)::regclass) / current_setting('block_size')::bigint) as pages"
                ).first!.decode("pages")
                try ledger.startBackfill(
                    playbook: playbook, step: step.id, relation: relation, lastPage: pages)
                return (0, pages, 0)
            }()
        var pages = Int64(max(1, backfill.initialPages))
        let clock = ContinuousClock()
        let started = clock.now
        var rowsThisRun: Int64 = 0
        let targetSeconds = DurationParser.seconds(backfill.target)
        // Governed by the writers: when a batch made other sessions wait for its locks, the
        // next batches are smaller and further apart (doubling up to the step's max_pause);
        // when none waits, the pause decays back to the step's own.
        var yielding = Duration.zero
        while next < last {
            let upper = min(next + pages, last)
            let batchStart = clock.now
            // The project's own SQL for SET and WHERE; the page bounds are parameters.
            let (changed, waiting) = try batchCountingWaiters(
                Query(
                    unsafeSQL:
                        "update \(quoted) as t set \(backfill.set) where t.ctid >= $1::tid and t.ctid < $2::tid and (\(backfill.where))",
                    binds: ["(\(next),0)", "(\(upper),0)"]),
                nextPage: upper)
            next = upper
            rows += changed
            rowsThisRun += changed
            // Aim each batch at the target duration: grow or shrink by at most 2x a step.
            let took = max(0.001, DurationParser.seconds(clock.now - batchStart))
            let factor = min(2, max(0.5, targetSeconds / took))
            pages = max(1, Int64((Double(pages) * factor).rounded()))
            if waiting > 0 {
                yielding = min(backfill.maxPause, max(yielding * 2, .milliseconds(50)))
                pages = max(1, pages / 2)
            } else {
                yielding = yielding < .milliseconds(20) ? .zero : yielding / 2
            }
            let elapsed = max(0.001, DurationParser.seconds(clock.now - started))
            var line = BackfillProgress(
                table: relation, pagesDone: next, pages: last, rows: rows,
                rowsPerSecond: Double(rowsThisRun) / elapsed, finished: false)
            if yielding > .zero { line.yielding = yielding }
            progress(line)
            let pause = max(backfill.pause, yielding)
            if pause > .zero, next < last { sleepThread(for: pause) }
        }
        // The sweep. Concurrent updates write a row's new version wherever there is room: on
        // a page the walk has passed, or past the starting size. Such rows still match
        // `where`, so one scan finds them; they are updated by ctid, and the sweep repeats
        // until none is left (bounded: rows that keep moving are an error, not a loop).
        for _ in 0..<Self.sweepPasses {
            let remaining: [String] = try db.query(
                Query(
                    unsafeSQL:
                        "select t.ctid::text as ctid from \(quoted) as t where (\(backfill.where)) limit 50000"
                )
            ).rows.map { try $0.decode("ctid") }
            if remaining.isEmpty { break }
            let changed = try batch(
                Query(
                    unsafeSQL:
                        "update \(quoted) as t set \(backfill.set) where t.ctid = any($1::tid[]) and (\(backfill.where))",
                    binds: [remaining.postgresText]),
                nextPage: nil)
            rows += changed
        }
        let left: Int64 = try db.query(
            Query(
                unsafeSQL:
                    "select count(*) as n from (select 1 from \(quoted) as t where (\(backfill.where)) limit 1) as x"
            )
        ).first!.decode("n")
        if left > 0 {
            throw PostgresError(
                kind: .client,
                message:
                    "rows of \(relation) still match the backfill's 'where' after \(Self.sweepPasses) sweeps; run again (concurrent writes keep producing them)"
            )
        }
        progress(
            BackfillProgress(
                table: relation, pagesDone: last, pages: last, rows: rows, rowsPerSecond: 0,
                finished: true))
        return rows
    }

    /// Runs one batch in its own transaction under the step's lock timeout (retried when the table
    /// is busy), advancing the cursor in the same transaction: a batch is done exactly once.
    ///
    /// `nextPage` is where the page walk resumes; the sweep leaves it alone.
    func batch(_ update: Query, nextPage: Int64?) throws -> Int64 {
        try batchCountingWaiters(update, nextPage: nextPage, countWaiters: false).changed
    }

    /// ``batch(_:nextPage:)``, also counting, just before the commit, the other sessions that
    /// wait for this batch's locks (`pg_blocking_pids`): what the batch costs the writers.
    func batchCountingWaiters(
        _ update: Query, nextPage: Int64?, countWaiters: Bool = true
    ) throws -> (changed: Int64, waiting: Int) {
        var result: (Int64, Int) = (0, 0)
        try retry {
            result = try db.withTransaction { db in
                try db.setSetting("lock_timeout", String(step.lockTimeoutMilliseconds), local: true)
                let count = Int64(try db.query(update).affectedRows ?? 0)
                try Ledger(db).advanceBackfill(
                    playbook: playbook, step: step.id, nextPage: nextPage, rows: count)
                let waiting: Int =
                    countWaiters
                    ? try db.query(
                        "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and pg_backend_pid() = any(pg_blocking_pids(pid))"
                    ).first!.decode("n") : 0
                return (count, waiting)
            }
        }
        return result
    }

    /// How many times the sweep looks for rows the page walk missed.
    static let sweepPasses = 5
}
