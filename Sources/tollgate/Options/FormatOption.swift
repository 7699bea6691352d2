import ArgumentParser
import TollgateKit

extension ReportFormat: ExpressibleByArgument {}

/// `--format text|json|markdown|html|junit`: one option for every command; each checks the
/// value against the formats its report renders.
struct FormatOption: ParsableArguments {
    @Option(
        name: .long,
        help: "Output format: text, json, markdown, html or junit, as the command offers.")
    var format: ReportFormat = .text

    /// - Throws: a usage error (exit 2) naming the formats this report offers.
    func check<Report: RenderableReport>(for _: Report.Type) throws {
        guard Report.formats.contains(format) else {
            throw ValidationError(
                UnsupportedFormat(format: format, supported: Report.formats).description)
        }
    }
}
