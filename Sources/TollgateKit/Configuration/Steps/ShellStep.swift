import Yams

/// `shell: ./scripts/deploy-api.sh`: a command, given the environment, playbook and step.
public struct ShellStep: StepAction {
    public static let key = "shell"
    public var command: String

    public var checksum: String? { SHA256.hex(command) }

    public static func read(_ node: Node, _ context: StepReadingContext) -> ShellStep? {
        context.reader.string(node, key: key).map(ShellStep.init(command:))
    }
}
