import Foundation

/// Every output format Tollgate writes.
///
/// A report lists the ones it renders.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, markdown, html, junit
}

/// What rendering may depend on besides the report.
public struct RenderOptions: Sendable {
    /// ANSI colour, for text on a terminal.
    public var color: Bool
    /// The suites by name, for each check's one-line description.
    public var suites: [String: Suite]
    /// Each fleet's size, so that a fleet narrowed by `--shard` says how many of how many.
    public var fleetSizes: [String: Int] = [:]

    public init(color: Bool = false, suites: [String: Suite] = [:]) {
        self.color = color
        self.suites = suites
    }
}

/// A report that renders itself: `status`, `check`/`gate`, `plan`, `compare`, `history`.
///
/// Adding a format: a case in ``ReportFormat``, and a case in the `render` of each report
/// that offers it (with the format listed in its `formats`).
public protocol RenderableReport {
    /// The formats it renders; the first is the default.
    static var formats: [ReportFormat] { get }
    func render(_ format: ReportFormat, options: RenderOptions) throws -> String
}

/// The one JSON encoder: pretty-printed with sorted keys, so that a rerun on unchanged
/// databases is byte-identical, and slashes left alone.
public enum ReportJSON {
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A format a report does not render: a usage error (exit 2).
public struct UnsupportedFormat: TollgateError {
    public let format: ReportFormat
    public let supported: [ReportFormat]
    public init(format: ReportFormat, supported: [ReportFormat]) {
        self.format = format
        self.supported = supported
    }
    public var exitStatus: ExitStatus { .badConfiguration }
    public var description: String {
        "--format \(format.rawValue) is not available here (\(supported.map(\.rawValue).joined(separator: ", ")))"
    }
}

extension StatusReport: RenderableReport {
    public static let formats: [ReportFormat] = [.text, .json]
    public func render(_ format: ReportFormat, options: RenderOptions) throws -> String {
        switch format {
        case .text: return StatusRenderer.text(self, color: options.color)
        case .json: return try ReportJSON.encode(self)
        default: throw UnsupportedFormat(format: format, supported: Self.formats)
        }
    }
}

extension CheckReport: RenderableReport {
    public static let formats: [ReportFormat] = [.text, .json, .junit, .markdown]
    public func render(_ format: ReportFormat, options: RenderOptions) throws -> String {
        switch format {
        case .text:
            return CheckRenderer.text(
                self, suites: options.suites, color: options.color, fleetSizes: options.fleetSizes)
        case .json: return try ReportJSON.encode(self)
        case .junit: return CheckExports.junit(self)
        case .markdown: return CheckExports.markdown(self)
        default: throw UnsupportedFormat(format: format, supported: Self.formats)
        }
    }
}

extension Plan: RenderableReport {
    public static let formats: [ReportFormat] = [.text, .json]
    public func render(_ format: ReportFormat, options: RenderOptions) throws -> String {
        switch format {
        case .text: return PlanRenderer.text(self, color: options.color)
        case .json: return try PlanRenderer.json(self)
        default: throw UnsupportedFormat(format: format, supported: Self.formats)
        }
    }
}

extension ComparisonReport: RenderableReport {
    public static let formats: [ReportFormat] = [.text, .markdown, .json, .html]
    public func render(_ format: ReportFormat, options: RenderOptions) throws -> String {
        switch format {
        case .text: return ComparisonRenderer.text(self, color: options.color)
        case .markdown: return ComparisonRenderer.markdown(self)
        case .json: return try ComparisonRenderer.json(self)
        case .html: return ComparisonRenderer.html(self)
        case .junit: throw UnsupportedFormat(format: format, supported: Self.formats)
        }
    }
}
