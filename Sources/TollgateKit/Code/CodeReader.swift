import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads an application's source tree into ``CodeExpectations``: every `.ts .tsx .js .jsx
/// .mjs .cjs` file below the given paths (not `node_modules`, not hidden folders, not `.d.ts`
/// declarations), on every core, one file at a time so that memory stays flat as the tree
/// grows.
public enum CodeReader {
    public static let extensions: Set<String> = [
        "ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts",
    ]

    /// A path that is not there, or a types file that cannot be read: the configuration
    /// (or the command line) names the wrong thing (exit 2).
    public struct Problem: TollgateError {
        public var description: String
        public var exitStatus: ExitStatus { .badConfiguration }
    }

    /// Reads `paths` (relative to `root`, or absolute) and applies the types file, if any.
    ///
    /// - Throws: ``Problem`` when a path does not exist or the types file cannot be read.
    public static func read(
        paths: [String], types: String?, root: URL
    ) throws -> CodeExpectations {
        var files: [(path: String, shown: String)] = []
        for path in paths {
            let url = resolve(path, root: root)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
                throw Problem(description: "no such file or folder: \(path)")
            }
            if isFolder.boolValue {
                files += sourceFiles(in: url, root: root)
            } else {
                // Standardized (no `./`, no `..`), as the folders' files are: each file once.
                let file = url.standardizedFileURL
                files.append((file.path, display(file, root: root)))
            }
        }
        var typesFile: SupabaseTypes?
        if let types {
            let url = resolve(types, root: root)
            do {
                typesFile = try SupabaseTypes.read(url, as: display(url, root: root))
            } catch {
                throw Problem(
                    description:
                        "cannot read the types file \(types): \(error.localizedDescription)")
            }
            guard typesFile != nil else {
                throw Problem(
                    description:
                        "\(types) has no 'Database' type: is it the file `supabase gen types typescript` wrote?"
                )
            }
        }
        // One reading order for the whole tree, each file once: sites are kept in it (the first
        // 50 of each expectation), so paths that overlap or come in another order, and how the
        // files fall to the workers, change nothing.
        var seen: Set<String> = []
        files = files.sorted { $0.shown < $1.shown }.filter { seen.insert($0.path).inserted }
        var expectations = read(files)
        if let typesFile { expectations.apply(typesFile) }
        return expectations
    }

    static func resolve(_ path: String, root: URL) -> URL {
        path.hasPrefix("/")
            ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
    }

    static func display(_ url: URL, root: URL) -> String {
        SourceLocation.displayPath(url, base: root)
    }

    /// Source files below `folder`, sorted, so that sites come out in a stable order.
    ///
    /// Hidden folders, `node_modules` and links to folders are skipped. Walked with
    /// `opendir`, which costs a tenth of `FileManager`'s enumerator on a large tree.
    static func sourceFiles(in folder: URL, root: URL) -> [(path: String, shown: String)] {
        var files: [(String, String)] = []
        // Shown relative to the root: one prefix for every file, not a URL each.
        let base = root.standardizedFileURL.path + "/"
        var folders = [folder.standardizedFileURL.path]
        while let path = folders.popLast() {
            guard let directory = opendir(path) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                guard !name.hasPrefix("."), name != "node_modules" else { continue }
                let full = path + "/" + name
                var isFolder = entry.pointee.d_type == UInt8(DT_DIR)
                if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                    var status = stat()
                    isFolder = lstat(full, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                } else if entry.pointee.d_type == UInt8(DT_LNK) {
                    // A link to a file is read; a link to a folder is not followed (as ripgrep
                    // does not): a link back up the tree would never end.
                    var status = stat()
                    guard stat(full, &status) == 0, (status.st_mode & S_IFMT) != S_IFDIR else {
                        continue
                    }
                }
                if isFolder {
                    folders.append(full)
                    continue
                }
                guard let dot = name.lastIndex(of: "."),
                    extensions.contains(String(name[name.index(after: dot)...])),
                    !name.hasSuffix(".d.ts")
                else { continue }
                files.append(
                    (full, full.hasPrefix(base) ? String(full.dropFirst(base.count)) : full))
            }
        }
        return files.sorted { $0.1 < $1.1 }
    }

    /// One worker's buffer for the file it reads: grown to the largest file, never cleared
    /// nor given back between files (a new zeroed array per file cost its page faults).
    final class FileBuffer {
        private var storage: UnsafeMutableRawPointer?
        private var capacity = 0

        deinit { free(storage) }

        /// A file's bytes, valid until the next call; nil when it cannot be read.
        func read(_ path: String) -> UnsafeBufferPointer<UInt8>? {
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { return nil }
            let size = Int(status.st_size)
            if size > capacity || storage == nil {
                let grown = max(size, capacity * 2, 1 << 16)
                guard let larger = realloc(storage, grown) else { return nil }
                storage = larger
                capacity = grown
            }
            var total = 0
            while total < size {
                let count = Glibc.read(descriptor, storage! + total, size - total)
                if count < 0 { return nil }
                if count == 0 { break }
                total += count
            }
            return UnsafeBufferPointer(
                start: storage!.assumingMemoryBound(to: UInt8.self), count: total)
        }
    }

    /// Reads files on every core; each worker keeps one file's bytes and tokens at a time.
    static func read(_ files: [(path: String, shown: String)]) -> CodeExpectations {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, files.count))
        let results = Slots<SupabaseCallReader.Result>(count: workers)
        let chunk = (files.count + workers - 1) / max(workers, 1)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var merged = SupabaseCallReader.Result(
                expectations: CodeExpectations(), pending: [], clients: [])
            let start = worker * chunk
            let end = min(start + chunk, files.count)
            guard start < end else { return }
            // Each file is read straight into the worker's expectations, in order: merging a
            // file's own expectations afterwards hashed every name twice.
            let buffer = FileBuffer()
            for index in start..<end {
                guard let bytes = buffer.read(files[index].path) else { continue }
                let path = files[index].path
                let jsx =
                    !(path.hasSuffix(".ts") || path.hasSuffix(".mts") || path.hasSuffix(".cts"))
                if let first = bytes.first, first == 0xEF || first == 0xFF || first == 0xFE {
                    // A byte order mark: UTF-16 is converted, and UTF-8's mark taken off.
                    SourceText.utf8(Array(bytes)).withUnsafeBufferPointer {
                        readFile($0, file: files[index].shown, jsx: jsx, into: &merged)
                    }
                } else {
                    readFile(bytes, file: files[index].shown, jsx: jsx, into: &merged)
                }
            }
            results[worker] = merged
        }
        var whole = SupabaseCallReader.Result(
            expectations: CodeExpectations(), pending: [], clients: [])
        for case let result? in results.values { whole.add(result) }
        return whole.resolved()
    }

    /// One file's expectations.
    static func readFile(_ bytes: [UInt8], file: String, jsx: Bool) -> SupabaseCallReader.Result {
        var result = SupabaseCallReader.Result(
            expectations: CodeExpectations(), pending: [], clients: [])
        bytes.withUnsafeBufferPointer { readFile($0, file: file, jsx: jsx, into: &result) }
        return result
    }

    /// Adds one file's expectations to `result`, which holds those of the files before it.
    static func readFile(
        _ buffer: UnsafeBufferPointer<UInt8>, file: String, jsx: Bool,
        into result: inout SupabaseCallReader.Result
    ) {
        result.expectations.files += 1
        result.expectations.lines += lineCount(buffer)
        guard mayHoldQueries(buffer) else { return }
        let tokens = JavaScriptTokenizer.tokenize(buffer, jsx: jsx)
        SupabaseCallReader.read(buffer, tokens: tokens, file: file, into: &result)
    }
}

extension CodeReader {
    /// False when a file cannot hold a query or a client.
    ///
    /// That is: no `.from(` or `.rpc(` (with whitespace allowed around the name) and no
    /// `Client` (as in `createClient`, `SupabaseClient`). Such files, most of an application,
    /// are not tokenized; the search jumps with `memchr` from one `(` (or `C`) to the next, as
    /// a grep does.
    static func mayHoldQueries(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress, buffer.count >= 4 else { return false }
        let end = base + buffer.count
        // `Client`.
        var cursor = base
        while let hit = memchr(cursor, 0x43, end - cursor) {
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            if end - at >= 6, at[1] == 0x6C, at[2] == 0x69, at[3] == 0x65, at[4] == 0x6E,
                at[5] == 0x74
            {
                return true
            }
            cursor = at + 1
        }
        // `.from (` and `.rpc (`: jumping with `memchr` from one `(` to the next; most follow
        // another name (`map(`, `filter(`) and are rejected on one byte.
        cursor = base
        while let hit = memchr(cursor, 0x28, end - cursor) {
            let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
            cursor = at + 1
            guard at > base else { continue }
            let previous = at[-1]
            guard previous == 0x6D || previous == 0x63 || previous == 0x3E || isSpace(previous)
            else { continue }
            if callsFromOrRPC(at, base: base) { return true }
        }
        return false
    }

    /// True when the `(` at `at` follows `.from` or `.rpc`, with whitespace and type
    /// arguments allowed between.
    private static func callsFromOrRPC(
        _ at: UnsafePointer<UInt8>, base: UnsafePointer<UInt8>
    ) -> Bool {
        var before = at - 1
        while before >= base, isSpace(before.pointee) { before -= 1 }
        // `.from<Row>(`: back over the type arguments (not an arrow's `=>`, not `->`).
        if before > base, before.pointee == 0x3E, before[-1] != 0x3D, before[-1] != 0x2D {
            var depth = 0
            var steps = 0
            while before >= base, steps < 256, before.pointee != 0x3B {
                if before.pointee == 0x3E { depth += 1 }
                if before.pointee == 0x3C { depth -= 1 }
                before -= 1
                steps += 1
                if depth == 0 { break }
            }
            while before >= base, isSpace(before.pointee) { before -= 1 }
        }
        guard before - base >= 3 else { return false }
        var length = 0
        if before[0] == 0x6D, before[-1] == 0x6F, before[-2] == 0x72, before[-3] == 0x66 {
            length = 4
        } else if before[0] == 0x63, before[-1] == 0x70, before[-2] == 0x72 {
            length = 3
        }
        guard length > 0 else { return false }
        var dot = before - length
        while dot >= base, isSpace(dot.pointee) { dot -= 1 }
        return dot >= base && dot.pointee == 0x2E
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Lines as an editor counts them: line breaks, and a last line without one.
    static func lineCount(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        let end = base + buffer.count
        var count = 0
        var cursor = base
        while let hit = memchr(cursor, 0x0A, end - cursor) {
            count += 1
            cursor = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
            if cursor >= end { break }
        }
        return count + (buffer[buffer.count - 1] == 0x0A ? 0 : 1)
    }
}

extension CodeExpectations {
    var isEmpty: Bool {
        tables.isEmpty && functions.isEmpty && buckets.isEmpty && uncheckedCount == 0
    }

    /// Notes what the types file says of each expected table, column and function; a
    /// `select('*')` expects every column the types file gives the table.
    mutating func apply(_ types: SupabaseTypes) {
        typesFile = types.file
        for (name, var table) in tables {
            guard let relation = types.relations[name] else { continue }
            table.typesSite = relation.site
            for (column, declared) in relation.columns {
                if table.columns[column] == nil {
                    guard table.allColumns else { continue }
                    var use = ColumnUse(name: column)
                    use.uses = [.select]
                    use.sites = table.allColumnsSites
                    use.fromTypes = true
                    table.columns[column] = use
                }
                table.columns[column]?.typesSite = declared.site
                table.columns[column]?.typesNullable = declared.nullable
            }
            tables[name] = table
        }
        for (name, function) in functions {
            functions[name]?.typesSite = types.functions[name]?.site
            _ = function
        }
    }
}

extension SupabaseCallReader.Result {
    /// Adds what a later file (or run of files) found.
    mutating func add(_ other: Self) {
        expectations.merge(other.expectations)
        pending += other.pending.filter { !$0.expectations.isEmpty }
        clients.formUnion(other.clients)
        for (name, found) in other.imported {
            imported[name, default: CodeExpectations()].merge(found)
        }
        for (name, schemas) in other.declaredSchemas {
            declaredSchemas[name, default: []].formUnion(schemas)
        }
    }

    /// What the whole tree expects, once every file is read.
    ///
    /// That adds the chains whose receiver another file showed to be a client, and those on
    /// an imported client, in the schema the file that made it gave it. A name made with two
    /// schemas in two files is not guessed between: its chains keep the default schema.
    func resolved() -> CodeExpectations {
        var result = expectations
        func schema(of name: String?) -> String? {
            guard let name, let schemas = declaredSchemas[name], schemas.count == 1 else {
                return nil
            }
            return schemas.first
        }
        for name in imported.keys.sorted() {
            var found = imported[name]!
            if let schema = schema(of: name) { found.moveDefaultSchema(to: schema) }
            result.merge(found)
        }
        // A name some file makes a client of at its top level is a client where it is imported.
        for chain in pending
        where chain.roots.contains(where: clients.contains)
            || chain.schemaRoot.map({ declaredSchemas[$0] != nil }) == true
        {
            var found = chain.expectations
            if let schema = schema(of: chain.schemaRoot) { found.moveDefaultSchema(to: schema) }
            result.merge(found)
        }
        return result
    }
}

extension CodeExpectations {
    /// Moves the tables and functions named in `public`, the default schema, to `schema`.
    mutating func moveDefaultSchema(to schema: String) {
        guard schema != "public" else { return }
        for (name, use) in tables where name.schema == "public" {
            tables[name] = nil
            let moved = QualifiedName(schema, name.name)
            var renamed = use
            renamed.name = moved
            tables[moved, default: TableUse(name: moved)].merge(renamed)
        }
        for (name, call) in functions where name.schema == "public" {
            functions[name] = nil
            let moved = QualifiedName(schema, name.name)
            functions[moved, default: FunctionCall(name: moved)].merge(call)
        }
    }
}

/// One result per worker of `concurrentPerform`: each worker writes only its own slot, and the
/// caller reads them after every worker has returned.
final class Slots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Value?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        _ = storage.deinitialize()
        storage.deallocate()
    }

    subscript(index: Int) -> Value? {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    var values: [Value?] { Array(storage) }
}
