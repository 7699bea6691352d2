import Yams

/// A batched `UPDATE` of one table.
///
/// Declared in a playbook:
///
/// ```yaml
/// - id: backfill-leads
///   backfill:
///     table: public.leads
///     set: org_id = (select m.org_id from tollgate.user_orgs m where m.user_id = t.user_id)
///     where: t.org_id is null
/// ```
///
/// The table is `t` in `set` and `where`. `where` must select only rows that still need the
/// change, which makes every batch idempotent. It runs as many short transactions, its cursor
/// making it resumable.
public struct BackfillStep: StepAction {
    public static let key = "backfill"
    public static let rerunnableByDefault = true
    public static let ownsItsTransactions = true

    public var table: QualifiedName
    public var set: String
    public var `where`: String
    /// Pages per batch to start with; adapted to reach `target`.
    public var initialPages: Int
    /// How long one batch should take: short enough to keep locks brief.
    public var target: Duration
    /// An optional pause between batches, to leave room for other work.
    public var pause: Duration
    /// The longest pause the backfill may add when writers wait for its batches.
    public var maxPause: Duration = .seconds(2)
    /// The application's latency the backfill tolerates: when another session's statement in
    /// the database has been running longer than this as a batch ends, the backfill yields.
    public var writerLatency: Duration = .milliseconds(100)
    /// Connections that walk the table side by side, each batch on pages no other has: the
    /// server's cores do the work together (the sweep after the walk takes one).
    public var connections = 2

    public var checksum: String? { normalizedChecksum("\(table)\n\(set)\n\(`where`)") }

    public static func read(_ node: Node, _ context: StepReadingContext) -> BackfillStep? {
        let reader = context.reader
        guard
            let fields = reader.mapping(
                node, "'backfill'",
                allowed: [
                    "table", "set", "where", "batch_pages", "connections", "target", "pause",
                    "max_pause", "writer_latency",
                ],
                required: ["table", "set", "where"]),
            let table = fields["table"].flatMap({ reader.string($0.value, key: "table") }),
            let set = fields["set"].flatMap({ reader.string($0.value, key: "set") }),
            let condition = fields["where"].flatMap({ reader.string($0.value, key: "where") })
        else { return nil }
        var step = BackfillStep(
            table: QualifiedName(parsing: table), set: set, where: condition,
            initialPages: fields["batch_pages"].flatMap {
                reader.integer($0.value, key: "batch_pages", minimum: 1)
            } ?? 8,
            target: fields["target"].flatMap { reader.duration($0.value, key: "target") }
                ?? .milliseconds(50),
            pause: fields["pause"].flatMap { reader.duration($0.value, key: "pause") } ?? .zero)
        if let maxPause = fields["max_pause"].flatMap({
            reader.duration($0.value, key: "max_pause")
        }) {
            step.maxPause = maxPause
        }
        if let connections = fields["connections"].flatMap({
            reader.integer($0.value, key: "connections", minimum: 1, maximum: 16)
        }) {
            step.connections = connections
        }
        if let latency = fields["writer_latency"].flatMap({
            reader.duration($0.value, key: "writer_latency")
        }) {
            step.writerLatency = latency
        }
        return step
    }
}
