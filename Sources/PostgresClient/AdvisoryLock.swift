import Foundation

extension Connection {
    /// Tries once to take the session-level advisory lock `key`.
    ///
    /// - Returns: `true` when this session now holds the lock.
    public func tryAdvisoryLock(key: Int64) throws -> Bool {
        try query("select pg_try_advisory_lock(\(key)) as locked").first!.decode(
            "locked", as: Bool.self)
    }

    /// Takes the session-level advisory lock `key`, polling with backoff until `timeout`.
    ///
    /// Polls `pg_try_advisory_lock` rather than blocking in `pg_advisory_lock`, so that the
    /// wait can be bounded and reported, and so that a waiting runner holds no lock queue
    /// entry that a `CREATE INDEX CONCURRENTLY` elsewhere would wait behind.
    ///
    /// - Parameters:
    ///   - key: the lock key.
    ///   - timeout: how long to keep trying; zero tries once.
    ///   - onWait: called once, before the first wait, with the holder's description.
    /// - Throws: `PostgresError` of kind `.client` naming the holder when the deadline passes.
    public func advisoryLock(
        key: Int64, timeout: Duration, onWait: (String) -> Void = { _ in }
    ) throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var delay = Duration.milliseconds(50)
        var reported = false
        while true {
            if try tryAdvisoryLock(key: key) { return }
            let holder = try advisoryLockHolder(key: key) ?? "another session"
            if clock.now >= deadline {
                throw PostgresError(
                    kind: .client,
                    message: "advisory lock \(key) is held by \(holder); gave up after \(timeout)",
                    label: label)
            }
            if !reported {
                onWait(holder)
                reported = true
            }
            let remaining = deadline - clock.now
            let pause = min(delay, remaining)
            let (seconds, attoseconds) = pause.components
            usleep(useconds_t(max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)))
            delay = min(delay * 2, .seconds(1))
        }
    }

    /// Releases the session-level advisory lock `key`.
    /// - Returns: `false` when this session did not hold it.
    @discardableResult
    public func advisoryUnlock(key: Int64) throws -> Bool {
        try query("select pg_advisory_unlock(\(key)) as unlocked").first!.decode(
            "unlocked", as: Bool.self)
    }

    /// Runs `body` holding the advisory lock `key`, and releases it afterwards.
    /// - Throws: the lock timeout error, or whatever `body` throws.
    public func withAdvisoryLock<T>(
        key: Int64, timeout: Duration, onWait: (String) -> Void = { _ in },
        _ body: (Connection) throws -> T
    ) throws -> T {
        try advisoryLock(key: key, timeout: timeout, onWait: onWait)
        defer { _ = try? advisoryUnlock(key: key) }
        return try body(self)
    }

    /// Who holds the advisory lock `key`: `pid 123 (user app, application tollgate, since …)`.
    public func advisoryLockHolder(key: Int64) throws -> String? {
        // A bigint key is stored as classid = high 32 bits, objid = low 32 bits, objsubid 1.
        let high = Int64(Int32(truncatingIfNeeded: key >> 32))
        let low = Int64(UInt32(truncatingIfNeeded: key))
        let row = try query(
            """
            select l.pid, coalesce(a.usename, '?') as usename,
                   coalesce(nullif(a.application_name, ''), '?') as app,
                   coalesce(a.client_addr::text, 'local') as client
            from pg_locks l left join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'advisory' and l.granted and l.objsubid = 1
              and l.classid::bigint = (\(high) & 4294967295) and l.objid::bigint = \(low)
              and l.database = (select oid from pg_database where datname = current_database())
            limit 1
            """
        ).first
        guard let row else { return nil }
        let pid = try row.decode("pid", as: Int.self)
        let user = try row.decode("usename", as: String.self)
        let app = try row.decode("app", as: String.self)
        let client = try row.decode("client", as: String.self)
        return "pid \(pid) (user \(user), application \(app), from \(client))"
    }
}
