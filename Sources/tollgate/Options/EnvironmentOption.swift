import ArgumentParser

/// `--env dev,staging` (or repeated); empty means every environment.
struct EnvironmentOption: ParsableArguments {
    @Option(
        name: .customLong("env"),
        help: ArgumentHelp(
            "Environments to include, comma-separated or repeated (default: all).",
            valueName: "name"))
    var values: [String] = []

    var names: [String] {
        values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }
}
