import ArgumentParser
import TollgateKit

/// `tollgate status`: where every environment stands, checked in parallel.
struct Status: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Show each environment: reachable, server version, migrations, rollout, schema fingerprint.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate status",
                "tollgate status --env production --format json",
            ],
            exits: [.success, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var environments: EnvironmentOption
    @OptionGroup var fleet: FleetOptions
    @OptionGroup var format: FormatOption

    func validate() throws { try format.check(for: StatusReport.self) }

    func run(in context: CommandContext) async throws -> ExitStatus {
        // Where environments stand is read from them, not from the playbooks: a playbook
        // being edited (and invalid meanwhile) does not hide it, nor cost reading them.
        let project = try context.loadProject(playbooks: false)
        let selected = fleet.apply(try project.environments(named: environments.names))
        let report = StatusReport(
            readings: await EnvironmentReader(project: project, jobs: fleet.jobs).read(
                selected, .status))
        context.printer.output(try report.render(format.format, options: context.renderOptions()))
        // Unreachable, or a database that refused what status reads: exit 3.
        let refused = report.environments.contains { $0.error != nil || $0.rolloutError != nil }
        return report.unreachable.isEmpty && !refused ? .success : .unreachable
    }
}
