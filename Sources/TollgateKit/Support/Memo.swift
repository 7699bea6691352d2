import Foundation

/// What a command works out once per key, however many threads ask.
///
/// A fleet's members from its query (one memo per loaded project), or what the plans of one
/// command over a fleet share (a previous fleet's evidence, earlier environments' upstream
/// suites); any layer may keep a value in it.
public final class Memo: @unchecked Sendable {
    private final class Entry: @unchecked Sendable {
        let lock = NSLock()
        var result: Result<any Sendable, any Error>?
    }
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    public init() {}

    /// The value for `key`, made by `make` the first time.
    ///
    /// Each key has its own lock, held while `make` runs: a second caller for the key waits for the first and never makes it
    /// again; other keys do not wait. A failure is remembered as a value is.
    public func value<Value: Sendable>(
        for key: String, _ make: () throws -> Value
    ) throws -> Value {
        let entry = lock.withLock {
            if let entry = entries[key] { return entry }
            let entry = Entry()
            entries[key] = entry
            return entry
        }
        entry.lock.lock()
        defer { entry.lock.unlock() }
        if entry.result == nil {
            entry.result = Result { try make() as any Sendable }
        }
        // A key holds one type of value: its callers agree on it.
        return try entry.result!.get() as! Value
    }
}
