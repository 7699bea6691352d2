/// A place in the application's code: `src/server.ts:198:8`, relative to the project.
public typealias CodeSite = SourceLocation

/// Call sites of one expectation: the first ``limit`` in reading order, and how many in all,
/// so that memory stays flat however often a tree repeats a query.
public struct CodeSites: Sendable, Hashable, Codable {
    public static let limit = 50
    public private(set) var sites: [CodeSite] = []
    public private(set) var count = 0

    public init() {}

    mutating func add(_ site: CodeSite) {
        count += 1
        if sites.count < Self.limit, sites.last != site { sites.append(site) }
    }

    /// Adds the sites of the same expectation elsewhere: most often later in the reading
    /// order (the next file), so they go on the end; when some come before (chains kept aside
    /// until the whole tree was read), the first ``limit`` of both, in order.
    mutating func add(_ other: CodeSites) {
        count += other.count
        guard let first = other.sites.first else { return }
        if let last = sites.last, first < last {
            var union = sites
            for site in other.sites where !union.contains(site) { union.append(site) }
            sites = Array(union.sorted().prefix(Self.limit))
            return
        }
        for site in other.sites where sites.count < Self.limit && !sites.contains(site) {
            sites.append(site)
        }
    }
}

/// Everything the application's code expects of the database through supabase-js, read
/// statically: tables and their columns, embedded relationships, upsert conflict targets,
/// functions called with `rpc` and their argument names, storage buckets, and what could not
/// be read (a table name in a variable).
public struct CodeExpectations: Sendable, Equatable {
    /// How a column is used, for the reader of the listing.
    public enum Use: String, Sendable, Codable, Comparable, CaseIterable {
        case select, insert, update, upsert, filter, order, conflict
        public static func < (a: Use, b: Use) -> Bool { a.rawValue < b.rawValue }

        var bit: UInt8 {
            switch self {
            case .select: 1
            case .insert: 2
            case .update: 4
            case .upsert: 8
            case .filter: 16
            case .order: 32
            case .conflict: 64
            }
        }
    }

    public struct ColumnUse: Sendable, Equatable {
        public var name: String
        /// How the code uses it; kept as bits, read as a set.
        public var uses: Set<Use> {
            get { Set(Use.allCases.filter { useBits & $0.bit != 0 }) }
            set { useBits = newValue.reduce(0) { $0 | $1.bit } }
        }
        var useBits: UInt8 = 0
        public var sites = CodeSites()
        /// Where the generated types file declares the column, and whether it may be null
        /// there; nil when the types file does not have it (or there is none).
        public var typesSite: CodeSite?
        public var typesNullable: Bool?
        /// True when only the types file names it, for a `select('*')` the code compiled
        /// against those columns.
        public var fromTypes = false
    }

    /// `rel(cols)` in a select: a relationship PostgREST must find from the table it is
    /// embedded in, and what the code reads through it.
    public struct Embed: Sendable, Equatable {
        /// As written: a table, a foreign key's column or its constraint's name.
        public var target: String
        /// `!hint`: a constraint, a column or a join table.
        public var hint: String?
        public var sites = CodeSites()
        public var allColumns = false
        public var columns: [String: ColumnUse] = [:]
        public var embeds: [String: Embed] = [:]

        static func key(_ target: String, _ hint: String?) -> String {
            hint.map { "\(target)!\($0)" } ?? target
        }

        static func split(_ key: String) -> (target: String, hint: String?) {
            guard let bang = key.firstIndex(of: "!") else { return (key, nil) }
            return (String(key[..<bang]), String(key[key.index(after: bang)...]))
        }
    }

    public struct TableUse: Sendable, Equatable {
        public var name: QualifiedName
        public var sites = CodeSites()
        /// What the code does with it: select, insert, update, upsert, delete.
        public var operations: Set<String> = []
        /// True when some call reads every column (`select('*')`, `select()`).
        public var allColumns = false
        public var allColumnsSites = CodeSites()
        public var columns: [String: ColumnUse] = [:]
        public var embeds: [String: Embed] = [:]
        /// `upsert(…, { onConflict: 'a,b' })`: each needs a unique constraint on its columns.
        public var conflictTargets: [String: CodeSites] = [:]
        public var typesSite: CodeSite?
    }

    public struct FunctionCall: Sendable, Equatable {
        public var name: QualifiedName
        /// Each set of argument names the code passes (sorted), with its sites.
        public var argumentSets: [[String]: CodeSites] = [:]
        public var typesSite: CodeSite?
    }

    /// Something the code does that cannot be read statically; never guessed.
    public struct Unchecked: Sendable, Equatable {
        /// What could not be read (`table name`, `select list`, `insert values`).
        public var what: String
        /// The source text in question (`tableName`).
        public var text: String
        public var site: CodeSite
    }

    public var tables: [QualifiedName: TableUse] = [:]
    public var functions: [QualifiedName: FunctionCall] = [:]
    public var buckets: [String: CodeSites] = [:]
    public var unchecked: [Unchecked] = []
    /// How many unchecked items there were (the list keeps the first 500).
    public var uncheckedCount = 0
    /// What was read.
    public var files = 0
    public var lines = 0
    /// The types file, when one was given and read.
    public var typesFile: String?

    public init() {}

    static let uncheckedLimit = 500

    mutating func noteUnchecked(_ what: String, _ text: String, at site: CodeSite) {
        uncheckedCount += 1
        if unchecked.count < Self.uncheckedLimit {
            unchecked.append(Unchecked(what: what, text: text, site: site))
        }
    }

    /// Adds what another file (or tree) expects.
    mutating func merge(_ other: CodeExpectations) {
        for (name, use) in other.tables {
            tables[name, default: TableUse(name: name)].merge(use)
        }
        for (name, call) in other.functions {
            functions[name, default: FunctionCall(name: name)].merge(call)
        }
        for (bucket, sites) in other.buckets { buckets[bucket, default: CodeSites()].add(sites) }
        for item in other.unchecked where unchecked.count < Self.uncheckedLimit {
            unchecked.append(item)
        }
        uncheckedCount += other.uncheckedCount
        files += other.files
        lines += other.lines
    }

    /// How many distinct things are expected: tables, columns, embeds, conflict targets,
    /// functions.
    public var count: Int {
        tables.values.reduce(0) { total, table in
            total + 1 + table.columns.count + table.conflictTargets.count
                + table.embeds.values.reduce(0) { $0 + $1.count }
        } + functions.count
    }
}

extension CodeExpectations.ColumnUse {
    mutating func note(_ use: CodeExpectations.Use, at site: CodeSite) {
        useBits |= use.bit
        sites.add(site)
    }

    mutating func merge(_ other: Self) {
        useBits |= other.useBits
        sites.add(other.sites)
        fromTypes = fromTypes && other.fromTypes
    }
}

extension CodeExpectations.Embed {
    mutating func merge(_ other: Self) {
        sites.add(other.sites)
        allColumns = allColumns || other.allColumns
        for (name, column) in other.columns {
            columns[name, default: .init(name: name)].merge(column)
        }
        for (key, embed) in other.embeds {
            embeds[key, default: .init(target: embed.target, hint: embed.hint)].merge(embed)
        }
    }

    var count: Int { 1 + columns.count + embeds.values.reduce(0) { $0 + $1.count } }
}

extension CodeExpectations.TableUse {
    mutating func merge(_ other: Self) {
        sites.add(other.sites)
        operations.formUnion(other.operations)
        allColumns = allColumns || other.allColumns
        allColumnsSites.add(other.allColumnsSites)
        for (name, column) in other.columns {
            columns[name, default: .init(name: name)].merge(column)
        }
        for (key, embed) in other.embeds {
            embeds[key, default: .init(target: embed.target, hint: embed.hint)].merge(embed)
        }
        for (target, sites) in other.conflictTargets {
            conflictTargets[target, default: CodeSites()].add(sites)
        }
    }
}

extension CodeExpectations.FunctionCall {
    mutating func merge(_ other: Self) {
        for (names, sites) in other.argumentSets {
            argumentSets[names, default: CodeSites()].add(sites)
        }
    }
}
