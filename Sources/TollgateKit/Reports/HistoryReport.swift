import Foundation

/// `tollgate history`: one environment's ledger events, oldest first.
public struct HistoryReport: Sendable, Encodable, RenderableReport {
    public let version = 1
    public var environment: String
    public var events: [Ledger.Event]

    public init(environment: String, events: [Ledger.Event]) {
        self.environment = environment
        self.events = events
    }

    public static let formats: [ReportFormat] = [.text, .json]

    public func render(_ format: ReportFormat, options: RenderOptions) throws -> String {
        switch format {
        case .json: return try ReportJSON.encode(self)
        case .text:
            if events.isEmpty { return "no history on \(environment) yet" }
            let formatter = ISO8601DateFormatter()
            return events.map { event in
                let what = event.playbook + (event.step.map { "/\($0)" } ?? "")
                return
                    "\(formatter.string(from: event.at))  \(event.event.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(what)  by \(event.actor)"
                    + (event.detail.map { "  — \($0)" } ?? "")
            }.joined(separator: "\n")
        default: throw UnsupportedFormat(format: format, supported: Self.formats)
        }
    }
}
