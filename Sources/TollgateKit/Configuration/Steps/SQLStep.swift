import Yams

/// `sql: …`: statements written in the playbook itself.
public struct SQLStep: StepAction {
    public static let key = "sql"
    public var text: String

    public var checksum: String? { normalizedChecksum(text) }
    public var sql: String? { text }

    public static func read(_ node: Node, _ context: StepReadingContext) -> SQLStep? {
        context.reader.string(node, key: key).map(SQLStep.init(text:))
    }
}
