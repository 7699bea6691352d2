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
    /// The pause the backfill added after its last batch because the application paid for
    /// it; nil when it did not.
    public var yielding: Duration? = nil
    /// What the application paid, as the last batch ended.
    public var cost: WriterCost? = nil
    /// Other sessions whose latency the backfill cannot see, as the last batch ended.
    public var unseen = 0

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
            yielding.map {
                "  (\(cost?.description ?? "writers waited"): pausing \(DurationParser.format($0)))"
            } ?? ""
        let unseen =
            self.unseen == 0
            ? ""
            : "  (\(self.unseen) session\(self.unseen == 1 ? "" : "s") of other roles unseen: grant pg_read_all_stats)"
        return
            "\(table)  \(rows) rows  [\(bar)] \(Int(fraction * 100))%\(elapsedRate)\(eta)\(yield)\(unseen)"
    }
}

/// What a backfill's batch cost the application, read just before the batch commits.
public struct WriterCost: Sendable, Equatable, CustomStringConvertible {
    /// Sessions waiting for the batch's locks.
    public var waiting: Int
    /// The longest any other session's statement in the database had been running: the
    /// application's latency, as far as the server can see it.
    public var slowest: Duration
    /// Other sessions in the database whose statements this role may not see (it lacks
    /// `pg_read_all_stats`): their latency is not in ``slowest``.
    public var hidden: Int = 0

    /// The cost in words: `2 writers waited, slowest statement 240ms`.
    public var description: String {
        let slowest = "slowest statement \(DurationParser.format(self.slowest))"
        switch waiting {
        case 0: return slowest
        case 1: return "1 writer waited, " + slowest
        default: return "\(waiting) writers waited, " + slowest
        }
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
        // Governed by the writers: when a batch made other sessions wait for its locks, or the
        // application's statements ran longer than the step's writer_latency, the next batches
        // are smaller and further apart; when the application is fine again, the pause decays
        // back to the step's own.
        var governor = Governor(backfill: backfill)
        while next < last {
            let upper = min(next + pages, last)
            let batchStart = clock.now
            // The project's own SQL for SET and WHERE; the page bounds are parameters.
            let (changed, cost) = try batchMeasuringCost(
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
            if governor.observe(cost) { pages = max(1, pages / 2) }
            let elapsed = max(0.001, DurationParser.seconds(clock.now - started))
            var line = BackfillProgress(
                table: relation, pagesDone: next, pages: last, rows: rows,
                rowsPerSecond: Double(rowsThisRun) / elapsed, finished: false)
            if governor.yielding > .zero {
                line.yielding = governor.yielding
                line.cost = cost
            }
            line.unseen = cost.hidden
            progress(line)
            if next < last { governor.pause() }
        }
        // The sweep. Concurrent updates write a row's new version wherever there is room: on
        // a page the walk has passed, or past the starting size. Such rows still match
        // `where`, so one scan finds them; they are updated by ctid, in governed batches like
        // the walk's, and the sweep repeats until none is left (bounded: rows that keep moving
        // are an error, not a loop).
        for _ in 0..<Self.sweepPasses {
            let remaining: [String] = try db.query(
                Query(
                    unsafeSQL:
                        "select t.ctid::text as ctid from \(quoted) as t where (\(backfill.where)) limit 50000"
                )
            ).rows.map { try $0.decode("ctid") }
            if remaining.isEmpty { break }
            var chunk = Self.sweepChunk
            var start = 0
            while start < remaining.count {
                let slice = Array(remaining[start..<min(start + chunk, remaining.count)])
                let (changed, cost) = try batchMeasuringCost(
                    Query(
                        unsafeSQL:
                            "update \(quoted) as t set \(backfill.set) where t.ctid = any($1::tid[]) and (\(backfill.where))",
                        binds: [slice.postgresText]),
                    nextPage: nil)
                rows += changed
                start += slice.count
                chunk = governor.observe(cost) ? max(100, chunk / 2) : Self.sweepChunk
                if start < remaining.count { governor.pause() }
            }
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

    /// Runs one batch in its own transaction under the step's lock timeout (retried when the
    /// table is busy), advancing the cursor in the same transaction: a batch is done exactly once.
    ///
    /// Just before the commit it reads what the batch costs the application: the sessions that
    /// wait for its locks (`pg_blocking_pids`), and the longest-running statement of any other
    /// client in the database (whatever slows it: these locks, or the I/O the batches cause).
    /// `nextPage` is where the page walk resumes; the sweep leaves it alone.
    func batchMeasuringCost(
        _ update: Query, nextPage: Int64?
    ) throws -> (changed: Int64, cost: WriterCost) {
        var result = (changed: Int64(0), cost: WriterCost(waiting: 0, slowest: .zero))
        try retry {
            result = try db.withTransaction { db in
                try db.setSetting("lock_timeout", String(step.lockTimeoutMilliseconds), local: true)
                let count = Int64(try db.query(update).affectedRows ?? 0)
                try Ledger(db).advanceBackfill(
                    playbook: playbook, step: step.id, nextPage: nextPage, rows: count)
                let row = try db.query(Self.costQuery).first!
                return (
                    count,
                    WriterCost(
                        waiting: try row.decode("waiting"),
                        slowest: .milliseconds(try row.decode("slowest_ms", as: Int64.self)),
                        hidden: try row.decode("hidden"))
                )
            }
        }
        return result
    }

    /// Waiters on this session's locks, the slowest active statement of another client, and
    /// the sessions whose statements this role may not see.
    ///
    /// Without `pg_read_all_stats`, a role sees only its own sessions' state; `pid` and the
    /// database are visible for all, so waiters (`pg_blocking_pids`) are always counted.
    static let costQuery: Query = """
        select count(*) filter (where pg_backend_pid() = any(pg_blocking_pids(pid))) as waiting,
               coalesce(max(extract(epoch from clock_timestamp() - query_start) * 1000)
                          filter (where state = 'active' and backend_type = 'client backend'), 0)::bigint as slowest_ms,
               count(*) filter (where backend_type is null) as hidden
        from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
        """

    /// How many times the sweep looks for rows the page walk missed.
    static let sweepPasses = 5
    /// Rows per sweep batch while the application is fine.
    static let sweepChunk = 5000
}

/// How far a backfill yields to the application.
///
/// The pause after each batch doubles (from 50 ms up to the step's `max_pause`) while batches
/// cost the application, and halves back towards the step's own `pause` once they do not.
struct Governor {
    let backfill: BackfillStep
    private(set) var yielding = Duration.zero

    init(backfill: BackfillStep) { self.backfill = backfill }

    /// Takes in what the last batch cost.
    ///
    /// - Returns: whether the application paid for it (the caller makes its next batch smaller).
    mutating func observe(_ cost: WriterCost) -> Bool {
        let paid = cost.waiting > 0 || cost.slowest > backfill.writerLatency
        if paid {
            yielding = min(backfill.maxPause, max(yielding * 2, .milliseconds(50)))
        } else {
            yielding = yielding < .milliseconds(20) ? .zero : yielding / 2
        }
        return paid
    }

    /// Sleeps the step's pause or the governor's, whichever is longer.
    func pause() {
        let pause = max(backfill.pause, yielding)
        if pause > .zero { sleepThread(for: pause) }
    }
}
