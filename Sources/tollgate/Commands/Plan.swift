import ArgumentParser
import TollgateKit

/// `tollgate plan <playbook> --env E`: what a run would do and what blocks it; changes nothing.
struct Plan: TollgateCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract:
            "Show a playbook's gates and steps on an environment: what ran, what would run, what blocks. Changes nothing.",
        discussion: CommandHelp.discussion(
            nil,
            examples: [
                "tollgate plan day-4-warden --env production",
                "tollgate plan day-1-organizations --env tenants",
            ],
            exits: [.success, .blocked, .badConfiguration, .unreachable])
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The playbook, such as day-1-organizations.", completion: Completion.playbooks)
    var playbook: String
    @Option(
        name: .customLong("env"), help: "The environment.", completion: Completion.environments)
    var environment: String
    @OptionGroup var format: FormatOption
    @OptionGroup var fleet: FleetOptions

    func validate() throws { try format.check(for: TollgateKit.Plan.self) }

    func run(in context: CommandContext) async throws -> ExitStatus {
        let project = try context.loadProject()
        let playbook = try project.playbook(named: playbook)
        let (fleet, environments) = try project.environmentOrFleet(named: environment)
        if let fleet {
            let members = self.fleet.apply(environments)
            // One memo for the command: what every member plans against is read once.
            let memo = Memo()
            let plans = blockingMap(members, jobs: self.fleet.jobs) { member in
                do {
                    return FleetPlan.Member(
                        environment: member.name,
                        plan: try PlaybookRunner.plan(
                            playbook, on: member, project: project, memo: memo))
                } catch {
                    return FleetPlan.Member(environment: member.name, error: error)
                }
            }
            let report = FleetPlan(fleet: fleet.name, playbook: playbook.name, members: plans)
            context.printer.output(
                format.format == .json
                    ? try report.json() : report.text(color: context.printer.stdoutColor))
            return report.exitStatus
        }
        if self.fleet.shard != nil {
            throw ConfigurationError("--shard is for a fleet; \(environment) is one database")
        }
        let environment = environments[0]
        let plan = try PlaybookRunner.plan(playbook, on: environment, project: project)
        context.printer.output(try plan.render(format.format, options: context.renderOptions()))
        return plan.isBlocked ? .blocked : .success
    }
}
