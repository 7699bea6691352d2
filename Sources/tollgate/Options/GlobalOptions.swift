import ArgumentParser

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long, help: "The project folder (default: the nearest folder with Environments/).")
    var project: String?

    @Option(
        name: .long, help: "Colour output: auto (a terminal without NO_COLOR), always or never.")
    var color: ColorChoice = .auto
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}
