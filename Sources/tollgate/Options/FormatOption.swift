import ArgumentParser

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--format text|json`.
struct FormatOption: ParsableArguments {
    @Option(name: .long, help: "Output format.")
    var format: OutputFormat = .text
}
