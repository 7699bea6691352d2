import Foundation

/// `tollgate expectations`: what the code under `paths` expects.
public struct CodeExpectationsReport: RenderableReport {
    public var paths: [String]
    public var expectations: CodeExpectations

    public init(paths: [String], expectations: CodeExpectations) {
        self.paths = paths
        self.expectations = expectations
    }

    public static let formats: [ReportFormat] = [.text, .json]
    public func render(_ format: ReportFormat, options: RenderOptions) throws -> String {
        switch format {
        case .text: return CodeListing.text(expectations, paths: paths, color: options.color)
        case .json: return try CodeListing.json(expectations, paths: paths)
        default: throw UnsupportedFormat(format: format, supported: Self.formats)
        }
    }
}

/// `tollgate expectations`: what the application's code expects of the database, in text or
/// JSON, without a database.
public enum CodeListing {
    /// How many sites a text line shows before "+N more".
    static let shownSites = 3

    public static func text(
        _ expectations: CodeExpectations, paths: [String], color: Bool
    )
        -> String
    {
        let paint = Paint(enabled: color)
        var lines: [String] = []
        let columns = expectations.tables.values.reduce(0) { $0 + $1.columns.count }
        let embeds = expectations.tables.values.reduce(0) { total, table in
            total + table.embeds.values.reduce(0) { $0 + embedCount($1) }
        }
        lines.append(
            paint.bold(paths.joined(separator: ", ")) + ": "
                + "\(count(expectations.files, "file")), \(count(expectations.lines, "line"))"
                + (expectations.typesFile.map { "; types from \($0)" } ?? ""))
        lines.append(
            "expects \(count(expectations.tables.count, "table")), \(count(columns, "column")), "
                + "\(count(embeds, "embed")), \(count(expectations.functions.count, "function")), "
                + "\(count(expectations.buckets.count, "storage bucket")); "
                + "\(expectations.uncheckedCount) unchecked")
        // Where the code and the types file it was compiled against disagree, say so.
        let types = expectations.typesFile != nil
        for table in expectations.tables.values.sorted(by: { $0.name < $1.name }) {
            lines.append("")
            let operations = table.operations.sorted().joined(separator: ", ")
            lines.append(
                paint.bold("table \(table.name)")
                    + (operations.isEmpty ? "" : paint.dim(" (\(operations))"))
                    + (types && table.typesSite == nil
                        ? paint.yellow(" not in the types file") : "")
                    + "  "
                    + sites(table.sites))
            if table.allColumns {
                lines.append(
                    "  * (every column\(table.typesSite == nil ? "" : ", from the types file"))  "
                        + sites(table.allColumnsSites))
            }
            for column in table.columns.values.sorted(by: { $0.name < $1.name }) {
                lines.append(
                    "  " + columnLine(column)
                        + (types && table.typesSite != nil && column.typesSite == nil
                            ? paint.yellow("  not in the types file") : ""))
            }
            for target in table.conflictTargets.keys.sorted() {
                lines.append(
                    "  unique (\(target)) for upsert  " + sites(table.conflictTargets[target]!))
            }
            for embed in table.embeds.values.sorted(by: {
                ($0.target, $0.hint ?? "") < ($1.target, $1.hint ?? "")
            }) {
                embedLines(embed, depth: 1, into: &lines)
            }
        }
        if !expectations.functions.isEmpty {
            lines.append("")
            for function in expectations.functions.values.sorted(by: { $0.name < $1.name }) {
                for arguments in function.argumentSets.keys.sorted(by: {
                    $0.lexicographicallyPrecedes($1)
                }) {
                    lines.append(
                        paint.bold(
                            "function \(function.name)(\(arguments.joined(separator: ", ")))")
                            + "  " + sites(function.argumentSets[arguments]!))
                }
            }
        }
        if !expectations.buckets.isEmpty {
            lines.append("")
            for bucket in expectations.buckets.keys.sorted() {
                lines.append(
                    "storage bucket \(bucket) (not checked: buckets are not schema)  "
                        + sites(expectations.buckets[bucket]!))
            }
        }
        if expectations.uncheckedCount > 0 {
            lines.append("")
            lines.append(
                paint.yellow("unchecked (\(expectations.uncheckedCount)):")
                    + " what the code computes at run time is never guessed")
            for item in expectations.unchecked {
                lines.append("  \(item.what): \(item.text)  \(paint.dim(item.site.description))")
            }
            if expectations.uncheckedCount > expectations.unchecked.count {
                lines.append(
                    "  … and \(expectations.uncheckedCount - expectations.unchecked.count) more")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }

    static func embedCount(_ embed: CodeExpectations.Embed) -> Int {
        1 + embed.embeds.values.reduce(0) { $0 + embedCount($1) }
    }

    static func sites(_ sites: CodeSites) -> String {
        CheckRenderer.citation(
            sites.sites.map(\.description), count: sites.count, shown: shownSites)
    }

    static func columnLine(_ column: CodeExpectations.ColumnUse) -> String {
        var text = column.name
        text += " (\(column.uses.sorted().map(\.rawValue).joined(separator: ", ")))"
        if let nullable = column.typesNullable {
            text += nullable ? " nullable" : " not null"
        }
        if column.fromTypes, let site = column.typesSite {
            text += "  types \(site)"
        } else {
            text += "  " + sites(column.sites)
        }
        return text
    }

    static func embedLines(_ embed: CodeExpectations.Embed, depth: Int, into lines: inout [String])
    {
        let indent = String(repeating: "  ", count: depth)
        lines.append(
            "\(indent)embeds \(CodeExpectations.Embed.key(embed.target, embed.hint))"
                + (embed.allColumns ? " (*)" : "") + "  " + sites(embed.sites))
        for column in embed.columns.values.sorted(by: { $0.name < $1.name }) {
            lines.append("\(indent)  " + columnLine(column))
        }
        for inner in embed.embeds.values.sorted(by: {
            ($0.target, $0.hint ?? "") < ($1.target, $1.hint ?? "")
        }) {
            embedLines(inner, depth: depth + 1, into: &lines)
        }
    }

    // MARK: JSON

    struct Document: Encodable {
        var version = 1
        var paths: [String]
        var typesFile: String?
        var files: Int
        var lines: Int
        var tables: [Table]
        var functions: [Function]
        var buckets: [Bucket]
        var uncheckedCount: Int
        var unchecked: [Unchecked]
    }

    struct Sites: Encodable {
        var count: Int
        var sites: [String]
        init(_ sites: CodeSites) {
            count = sites.count
            self.sites = sites.sites.map(\.description)
        }
    }

    struct Column: Encodable {
        var name: String
        var uses: [String]
        var sites: Sites
        var types: String?
        var typesNullable: Bool?
        var fromTypes: Bool
        init(_ column: CodeExpectations.ColumnUse) {
            name = column.name
            uses = column.uses.sorted().map(\.rawValue)
            sites = Sites(column.sites)
            types = column.typesSite?.description
            typesNullable = column.typesNullable
            fromTypes = column.fromTypes
        }
    }

    struct Embed: Encodable {
        var target: String
        var hint: String?
        var allColumns: Bool
        var sites: Sites
        var columns: [Column]
        var embeds: [Embed]
        init(_ embed: CodeExpectations.Embed) {
            target = embed.target
            hint = embed.hint
            allColumns = embed.allColumns
            sites = Sites(embed.sites)
            columns = embed.columns.values.sorted { $0.name < $1.name }.map(Column.init)
            embeds = embed.embeds.values.sorted {
                ($0.target, $0.hint ?? "") < ($1.target, $1.hint ?? "")
            }.map(Embed.init)
        }
    }

    struct Table: Encodable {
        var schema: String
        var name: String
        var operations: [String]
        var allColumns: Bool
        var sites: Sites
        var types: String?
        var columns: [Column]
        var embeds: [Embed]
        var conflictTargets: [ConflictTarget]
    }

    struct ConflictTarget: Encodable {
        var columns: [String]
        var sites: Sites
    }

    struct Function: Encodable {
        var schema: String
        var name: String
        var arguments: [String]
        var sites: Sites
        var types: String?
    }

    struct Bucket: Encodable {
        var name: String
        var sites: Sites
    }

    struct Unchecked: Encodable {
        var what: String
        var text: String
        var site: String
    }

    public static func json(_ expectations: CodeExpectations, paths: [String]) throws -> String {
        let document = Document(
            paths: paths, typesFile: expectations.typesFile, files: expectations.files,
            lines: expectations.lines,
            tables: expectations.tables.values.sorted { $0.name < $1.name }.map { table in
                Table(
                    schema: table.name.schema, name: table.name.name,
                    operations: table.operations.sorted(), allColumns: table.allColumns,
                    sites: Sites(table.sites), types: table.typesSite?.description,
                    columns: table.columns.values.sorted { $0.name < $1.name }.map(Column.init),
                    embeds: table.embeds.values.sorted {
                        ($0.target, $0.hint ?? "") < ($1.target, $1.hint ?? "")
                    }.map(Embed.init),
                    conflictTargets: table.conflictTargets.keys.sorted().map {
                        ConflictTarget(
                            columns: $0.split(separator: ",").map(String.init),
                            sites: Sites(table.conflictTargets[$0]!))
                    })
            },
            functions: expectations.functions.values.sorted { $0.name < $1.name }.flatMap {
                function in
                function.argumentSets.keys.sorted { $0.lexicographicallyPrecedes($1) }.map {
                    Function(
                        schema: function.name.schema, name: function.name.name, arguments: $0,
                        sites: Sites(function.argumentSets[$0]!),
                        types: function.typesSite?.description)
                }
            },
            buckets: expectations.buckets.keys.sorted().map {
                Bucket(name: $0, sites: Sites(expectations.buckets[$0]!))
            },
            uncheckedCount: expectations.uncheckedCount,
            unchecked: expectations.unchecked.map {
                Unchecked(what: $0.what, text: $0.text, site: $0.site.description)
            })
        return try ReportJSON.encode(document)
    }
}
