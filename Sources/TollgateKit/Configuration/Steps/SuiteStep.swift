import Yams

/// `suite: warden`: a check suite that must pass at this point of the playbook.
public struct SuiteStep: StepAction {
    public static let key = "suite"
    public static let rerunnableByDefault = true
    public var suite: String

    public var checksum: String? { nil }
    public var approvalContent: String { suite }

    public static func read(_ node: Node, _ context: StepReadingContext) -> SuiteStep? {
        context.reader.string(node, key: key).map(SuiteStep.init(suite:))
    }
}
