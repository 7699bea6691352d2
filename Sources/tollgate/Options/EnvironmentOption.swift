import ArgumentParser

/// `--env dev,staging` (or repeated); empty means every environment.
struct EnvironmentOption: ParsableArguments {
    @Option(
        name: .customLong("env"),
        help: ArgumentHelp(
            "Environments to include, comma-separated or repeated (default: all).",
            valueName: "name"), completion: Completion.environments)
    var values: [String] = []

    var names: [String] { Self.names(values) }

    /// `["dev,staging", "production"]` → `["dev", "staging", "production"]`.
    static func names(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }
}

/// `--env production` for `gate`, which has no default: a CI job names what it gates.
struct GatedEnvironmentsOption: ParsableArguments {
    @Option(
        name: .customLong("env"),
        help: ArgumentHelp(
            "Environments to gate, comma-separated or repeated, or all (required).",
            valueName: "name"), completion: Completion.environments)
    var values: [String] = []

    var names: [String] { EnvironmentOption.names(values) }
}
