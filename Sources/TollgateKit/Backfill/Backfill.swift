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

/// What a backfill reports as it goes.
enum BackfillEvent {
    case progress(BackfillProgress)
    /// A batch met `lock_timeout` and is tried again after `pause`.
    case retrying(attempt: Int, pause: Duration)
    /// The walk goes on `connections`, fewer than asked: another could not be opened.
    case narrowed(connections: Int, reason: String)
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
    /// Where progress and retries are reported; called from one thread at a time.
    let emit: (BackfillEvent) -> Void
    /// Opens another connection to the same database, for each connection past the first.
    let openAnother: () throws -> Connection

    /// - Returns: rows changed over the whole backfill, resumed runs included.
    func run() throws -> Int64 {
        let relation = backfill.table.description
        let quoted =
            try db.quoteIdentifier(backfill.table.schema) + "."
            + db.quoteIdentifier(backfill.table.name)
        let ledger = Ledger(db)
        let (next, last, rows) =
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
        let walk = Walk(
            relation: relation, next: next, last: last, rows: rows, backfill: backfill, emit: emit)
        // One connection walks alone; more walk disjoint page ranges side by side, each batch
        // its own transaction on its own connection.
        var connections = [db]
        if next < last {
            for _ in 1..<max(1, backfill.connections) {
                do {
                    connections.append(try openAnother())
                } catch let error as PostgresError {
                    // A connection limit or a small pool: the walk goes on with what it has.
                    emit(.narrowed(connections: connections.count, reason: error.message))
                    break
                }
            }
        }
        let pids = connections.map(\.backendPID)
        let workers = connections.map { connection in
            Worker(
                runner: self, db: connection, quoted: quoted,
                siblings: pids.filter { $0 != connection.backendPID })
        }
        runOnThreads(workers.count) { index in workers[index].walk(walk) }
        if let error = walk.error { throw error }
        var total = walk.rows
        total += try sweep(quoted: quoted, relation: relation, governor: walk.governor)
        emit(
            .progress(
                BackfillProgress(
                    table: relation, pagesDone: last, pages: last, rows: total, rowsPerSecond: 0,
                    finished: true)))
        return total
    }

    /// The page walk's state, shared by the connections that walk it.
    final class Walk: @unchecked Sendable {
        private let lock = NSLock()
        let relation: String
        let last: Int64
        let backfill: BackfillStep
        let emit: (BackfillEvent) -> Void
        private(set) var next: Int64
        private(set) var rows: Int64
        private var rowsThisRun: Int64 = 0
        /// Batches taken and not yet committed: first page → end.
        private var inFlight: [Int64: Int64] = [:]
        private(set) var governor: Governor
        private(set) var error: (any Error)?
        private let started = ContinuousClock.now

        init(
            relation: String, next: Int64, last: Int64, rows: Int64, backfill: BackfillStep,
            emit: @escaping (BackfillEvent) -> Void
        ) {
            self.relation = relation
            self.next = next
            self.last = last
            self.rows = rows
            self.backfill = backfill
            self.emit = emit
            governor = Governor(backfill: backfill)
        }

        func locked<T>(_ body: () throws -> T) rethrows -> T {
            lock.lock()
            defer { lock.unlock() }
            return try body()
        }

        /// The next range of pages to update, or nil when the walk is over or has failed.
        func take(_ pages: Int64) -> (Int64, Int64)? {
            locked {
                guard error == nil, next < last else { return nil }
                let range = (next, min(next + pages, last))
                next = range.1
                inFlight[range.0] = range.1
                return range
            }
        }

        /// Where a walk resumed now would start, once the batch starting at `first` commits:
        /// every page before it is done.
        func resumePoint(committing first: Int64) -> Int64 {
            locked { inFlight.keys.filter { $0 != first }.min() ?? next }
        }

        /// Takes in a committed batch: its rows, what it cost the application, and the
        /// progress line; returns whether the application paid for it.
        func committed(first: Int64, changed: Int64, cost: WriterCost, took: Duration) -> Bool {
            locked {
                inFlight[first] = nil
                rows += changed
                rowsThisRun += changed
                let paid = governor.observe(cost, batch: took)
                let done = inFlight.keys.min() ?? next
                let elapsed = max(0.001, DurationParser.seconds(ContinuousClock.now - started))
                var line = BackfillProgress(
                    table: relation, pagesDone: done, pages: last, rows: rows,
                    rowsPerSecond: Double(rowsThisRun) / elapsed, finished: false)
                if governor.yielding > .zero {
                    line.yielding = governor.yielding
                    line.cost = cost
                }
                line.unseen = cost.hidden
                emit(.progress(line))
                return paid
            }
        }

        func failed(_ error: any Error) { locked { if self.error == nil { self.error = error } } }
        func report(_ event: BackfillEvent) { locked { emit(event) } }
        func pause() { locked { governor }.pause() }
    }

    /// One connection's share of the walk.
    struct Worker: @unchecked Sendable {
        let runner: BackfillRunner
        let db: Connection
        let quoted: String
        /// The backend processes of the backfill's other connections.
        let siblings: [Int32]

        func walk(_ walk: Walk) {
            var pages = Int64(max(1, runner.backfill.initialPages))
            let targetSeconds = DurationParser.seconds(runner.backfill.target)
            let clock = ContinuousClock()
            while let (first, upper) = walk.take(pages) {
                let batchStart = clock.now
                do {
                    // The project's own SQL for SET and WHERE; the page bounds are parameters.
                    let (changed, cost) = try runner.batchMeasuringCost(
                        Query(
                            unsafeSQL:
                                "update \(quoted) as t set \(runner.backfill.set) where t.ctid >= $1::tid and t.ctid < $2::tid and (\(runner.backfill.where))",
                            binds: ["(\(first),0)", "(\(upper),0)"]),
                        on: db, siblings: siblings,
                        resumeAt: { walk.resumePoint(committing: first) }, report: walk.report)
                    // Aim each batch at the target duration: grow or shrink by at most 2x a step.
                    let duration = clock.now - batchStart
                    let took = max(0.001, DurationParser.seconds(duration))
                    let factor = min(2, max(0.5, targetSeconds / took))
                    pages = max(1, Int64((Double(pages) * factor).rounded()))
                    if walk.committed(first: first, changed: changed, cost: cost, took: duration) {
                        pages = max(1, pages / 2)
                    }
                } catch {
                    walk.failed(error)
                    return
                }
                walk.pause()
            }
        }
    }

    /// Rows the page walk missed, updated by ctid on the main connection.
    func sweep(quoted: String, relation: String, governor: Governor) throws -> Int64 {
        var governor = governor
        var rows: Int64 = 0
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
                let batchStart = ContinuousClock.now
                let (changed, cost) = try batchMeasuringCost(
                    Query(
                        unsafeSQL:
                            "update \(quoted) as t set \(backfill.set) where t.ctid = any($1::tid[]) and (\(backfill.where))",
                        binds: [slice.postgresText]),
                    on: db, resumeAt: nil, report: emit)
                rows += changed
                start += slice.count
                chunk =
                    governor.observe(cost, batch: ContinuousClock.now - batchStart)
                    ? max(100, chunk / 2) : Self.sweepChunk
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
        return rows
    }

    /// Runs one batch in its own transaction under the step's lock timeout (retried when the
    /// table is busy), advancing the cursor in the same transaction: a batch is done exactly once.
    ///
    /// Just before the commit it reads what the batch costs the application: the sessions that
    /// wait for its locks (`pg_blocking_pids`), and the longest-running statement of any other
    /// client in the database (whatever slows it: these locks, or the I/O the batches cause).
    /// `resumeAt` says where the page walk resumes once this batch commits (every page before
    /// it done, whatever the other connections still have in hand); the sweep passes nil.
    func batchMeasuringCost(
        _ update: Query, on db: Connection, siblings: [Int32] = [], resumeAt: (() -> Int64)?,
        report: (BackfillEvent) -> Void
    ) throws -> (changed: Int64, cost: WriterCost) {
        try retryingLockTimeouts(
            retries: step.retries, onRetry: { report(.retrying(attempt: $0, pause: $1)) }
        ) {
            try batch(update, on: db, siblings: siblings, resumeAt: resumeAt)
        }
    }

    private func batch(
        _ update: Query, on db: Connection, siblings: [Int32], resumeAt: (() -> Int64)?
    ) throws -> (changed: Int64, cost: WriterCost) {
        try db.withTransaction { db in
            try db.setSetting("lock_timeout", String(step.lockTimeoutMilliseconds), local: true)
            let count = Int64(try db.query(update).affectedRows ?? 0)
            try Ledger(db).advanceBackfill(
                playbook: playbook, step: step.id, nextPage: resumeAt?(), rows: count)
            let row = try db.query(Self.costQuery(siblings: siblings)).first!
            return (
                count,
                WriterCost(
                    waiting: try row.decode("waiting"),
                    slowest: .milliseconds(try row.decode("slowest_ms", as: Int64.self)),
                    hidden: try row.decode("hidden"))
            )
        }
    }

    /// Waiters on this session's locks, the slowest active statement of another client, and
    /// the sessions whose statements this role may not see; the backfill's own other
    /// connections (`siblings`) are none of these: their batches are not the application's.
    ///
    /// Without `pg_read_all_stats`, a role sees only its own sessions' state; `pid` and the
    /// database are visible for all, so waiters (`pg_blocking_pids`) are always counted.
    static func costQuery(siblings: [Int32]) -> Query {
        """
        select count(*) filter (where pg_backend_pid() = any(pg_blocking_pids(pid))) as waiting,
               coalesce(max(extract(epoch from clock_timestamp() - query_start) * 1000)
                          filter (where state = 'active' and backend_type = 'client backend'), 0)::bigint as slowest_ms,
               count(*) filter (where backend_type is null) as hidden
        from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and pid <> all(\(siblings.map { String($0) })::int[])
        """
    }

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

    /// Takes in what the last batch cost, and how long it held its locks.
    ///
    /// A writer that waited for the batch's locks waited at most as long as the batch: it paid
    /// only when the batch outlasted the `writer_latency` it tolerates (a waiter of another role,
    /// whose statement this role cannot see, is known by that alone). Otherwise any statement
    /// slower than that says the application pays, whatever slowed it.
    ///
    /// - Returns: whether the application paid for it (the caller makes its next batch smaller).
    mutating func observe(_ cost: WriterCost, batch: Duration) -> Bool {
        let paid =
            (cost.waiting > 0 && batch > backfill.writerLatency)
            || cost.slowest > backfill.writerLatency
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
