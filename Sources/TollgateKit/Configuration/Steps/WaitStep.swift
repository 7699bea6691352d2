import Yams

/// `wait: 1h`: a pause of any length, resumed from when it started after an interruption.
public struct WaitStep: StepAction {
    public static let key = "wait"
    public static let rerunnableByDefault = true
    public var duration: Duration

    public var checksum: String? { nil }
    public var approvalContent: String { DurationParser.format(duration) }

    public static func read(_ node: Node, _ context: StepReadingContext) -> WaitStep? {
        context.reader.duration(node, key: key).map(WaitStep.init(duration:))
    }
}
