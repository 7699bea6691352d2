import Foundation
import Testing

@testable import TollgateKit

/// Reading the application's code: the tokenizer, PostgREST's grammar, the types file in any
/// encoding, and two whole trees (the example backend and a real-world shaped one) whose
/// listings are pinned, so that an expectation found or invented shows up as a diff.
@Suite struct CodeReaderTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/code")
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The expectations of one file's text.
    func read(_ text: String, jsx: Bool = true) -> CodeExpectations {
        CodeReader.readFile(Array(text.utf8), file: "f.ts", jsx: jsx).resolved()
    }

    func tables(_ expectations: CodeExpectations) -> [String] {
        expectations.tables.keys.map(\.description).sorted()
    }

    func columns(_ expectations: CodeExpectations, _ table: String) -> [String] {
        (expectations.tables[QualifiedName(parsing: table)]?.columns.keys.sorted()) ?? []
    }

    // MARK: Tokenizer

    @Test func callsInsideCommentsStringsRegexesAndJSXTextAreNotCalls() {
        let text = """
            // db.from('in_a_comment').select('a')
            /* db.from('in_a_block').select('a') */
            const s = "db.from('in_a_string').select('a')"
            const r = /db\\.from\\('in_a_regex'\\)\\.select\\('a'\\)/g
            const half = total / 2 / db.length
            const t = `db.from('in_a_template').select('a') ${db.from('in_a_substitution').select('a')}`
            const view = <p>Don't db.from('in_jsx_text').select('a') {db.from('in_jsx_expression').select('b')}</p>
            """
        #expect(
            tables(read(text)) == ["public.in_a_substitution", "public.in_jsx_expression"])
    }

    @Test func lineNumbersSurviveCRLFMultiLineStringsAndTemplates() {
        let text =
            "const a = `line one\r\nline two`\r\nconst b = 'x\\\r\ny'\r\n\r\nsupabase\r\n  .from('leads')\r\n  .select('id')\r\n"
        let leads = read(text).tables[QualifiedName(parsing: "public.leads")]
        // `.from` is on line 7, its `select('id')` on line 8.
        #expect(leads?.sites.sites.map(\.line) == [7])
        #expect(leads?.columns["id"]?.sites.sites.map(\.line) == [8])
    }

    @Test func typeScriptGenericsAreNotJSXAndDivisionIsNotARegex() {
        let text = """
            const pick = <T,>(rows: T[]) => rows[0]
            function typed<T extends object>(value: T) { return value }
            const ratio = a / b; const next = c / d
            const { data } = await db.from('after_generics').select('x')
            """
        #expect(tables(read(text)) == ["public.after_generics"])
        // In a .ts file `<` is never JSX: a type assertion.
        #expect(
            tables(read("const x = <any>db.from('asserted').select('y')", jsx: false)) == [
                "public.asserted"
            ])
    }

    @Test func aQueryFromMeansATableOnlyOnAClient() {
        let text = """
            const list = Array.from(new Set(ids)).filter(Boolean)
            const bytes = Buffer.from('abc')
            const chunks = Readable.from(items)
            const x = thing.from('not_a_query').map((v) => v)
            """
        #expect(read(text).tables.isEmpty)
        // A receiver that starts a query elsewhere is a client: its bare `.from` counts.
        let kept = """
            const q = db.from('later')
            const r = await db.from('leads').select('id')
            """
        #expect(tables(read(kept)) == ["public.later", "public.leads"])
    }

    // MARK: What a review found

    @Test func hostileNestingNeverCrashes() {
        let deepSelect =
            String(repeating: "a(", count: 3000) + "x" + String(repeating: ")", count: 3000)
        let select = read("const s = createClient(u, k); s.from('t').select('\(deepSelect)')")
        #expect(select.uncheckedCount == 1)
        let schemas = String(repeating: ".schema('a')", count: 15000)
        #expect(
            tables(read("const s = createClient(u, k); s\(schemas).from('t').select('x')")) == [
                "a.t"
            ])
        let deepType =
            "export type Database = {" + String(repeating: "{ a: ", count: 8000)
            + String(repeating: "}", count: 8000) + "}"
        _ = SupabaseTypes.parse(Array(deepType.utf8), file: "t.ts")
        let deepOr =
            String(repeating: "and(", count: 8000) + "a.eq.1" + String(repeating: ")", count: 8000)
        _ = PostgRESTSyntax.logicColumns(deepOr)
    }

    @Test func aLineContinuationBeforeCRLFStaysInTheString() {
        let text = "const s = createClient(u, k)\r\ns.from('posts').select('id,\\\r\n  title')\r\n"
        #expect(columns(read(text), "public.posts") == ["id", "title"])
    }

    @Test func namesResolveOnlyWhereTheyAreVisible() {
        let text = """
            const supabase = createClient(u, k)
            const table = 'posts'
            function a() {
              const payload = { title: 'x' }
              let q = supabase.from('posts').select('id')
              q = q.eq('status', 'x')
              return supabase.from('posts').insert(payload)
            }
            function b(payload, table, q) {
              supabase.from('comments').insert(payload)
              supabase.from(table).select('id')
              q.delete('page')
              return q.eq('deleted_at', null)
            }
            """
        let expectations = read(text)
        #expect(tables(expectations) == ["public.comments", "public.posts"])
        #expect(columns(expectations, "public.posts") == ["id", "status", "title"])
        #expect(columns(expectations, "public.comments").isEmpty)
        #expect(
            expectations.unchecked.map(\.what).sorted() == ["insert values", "table name"])
        #expect(
            expectations.tables[QualifiedName(parsing: "public.posts")]?.operations == ["insert"])
    }

    @Test func whatASecondReviewFound() throws {
        // A builder declared without a value and assigned in branches is extended after them.
        let branches = """
            const supabase = createClient(u, k)
            export async function list(admin) {
              let query
              if (admin) { query = supabase.from('tasks').select('id') }
              else { query = supabase.from('tasks').select('id').eq('public', true) }
              return query.order('created_at').eq('archived', false)
            }
            """
        #expect(
            columns(read(branches), "public.tasks") == ["archived", "created_at", "id", "public"])
        // A module constant declared below the function that uses it.
        let below =
            "const s = createClient(u, k)\nfunction f() { return s.from(T).select('id') }\nconst T = 'items'"
        #expect(tables(read(below)) == ["public.items"])
        // Bindings that hide: an arrow's parameter, a for loop's const; and ones that do not:
        // a parameter's type literal, a rename key.
        let bindings = """
            const s = createClient(u, k)
            const table = 'profiles'
            const items = 'items'
            const byName = (table) => s.from(table).select('a')
            for (const table of ['x']) { s.from(table).select('b') }
            function g(opts: { items: number }, { table: t }) { return s.from(items).select('c') }
            """
        let bound = read(bindings)
        #expect(tables(bound) == ["public.items"])
        #expect(bound.uncheckedCount == 2)
        // Type arguments with braces; a comparison is not a call.
        let types = """
            const s = createClient(u, k)
            s.from('posts').select('id').returns<{ id: string }[]>().order('created_at')
            s.rpc<{ n: number }>('stats', { p_day: 1 })
            const x = s.from < a || b > ('not_a_table')
            """
        let typed = read(types)
        #expect(tables(typed) == ["public.posts"])
        #expect(columns(typed, "public.posts") == ["created_at", "id"])
        #expect(typed.functions.keys.map(\.description) == ["public.stats"])
        // The prefilter sees `.from<Row>(` in a file that names no client.
        let generic = "db.from<Todo>('todos').select('id')"
        #expect(
            Array(generic.utf8).withUnsafeBufferPointer { CodeReader.mayHoldQueries($0) })
        // Aliases at every level of a deep embed stay linear.
        var select = "id"
        for level in 0..<40 { select = "x\(level):t\(level)(id,\(select))" }
        let deep = read("const s = createClient(u, k); s.from('root').select('\(select)')")
        #expect(deep.tables.count == 1)
    }

    @Test func storageKeptInAVariableIsStillStorage() {
        let text = """
            const supabase = createClient(u, k)
            const files = supabase.storage
            files.from('avatars').update('a.png', file)
            """
        let expectations = read(text)
        #expect(expectations.tables.isEmpty)
        #expect(expectations.buckets.keys.sorted() == ["avatars"])
    }

    @Test func embeddedResourcesInOrderAndNullFilters() {
        let text = """
            const s = createClient(u, k)
            s.from('projects').select('id, clients(name)').order('clients(name)')
            s.from('projects').select('id, clients(name)').not('clients', 'is', null)
            s.from('projects').select('id, o:orgs(m:members(name))').eq('o.m.name', 'x')
            """
        let projects = read(text).tables[QualifiedName(parsing: "public.projects")]
        #expect(projects?.columns.keys.sorted() == ["id"])
        #expect(projects?.embeds["clients"]?.columns["name"]?.uses == [.order, .select])
        #expect(
            projects?.embeds["orgs"]?.embeds["members"]?.columns["name"]?.uses == [
                .filter, .select,
            ])
    }

    @Test func typeArgumentsAndTypeScriptOnlySyntax() {
        let text = """
            const s = createClient(u, k)
            type Sorter = <T>(rows: T[]) => T[]
            const pick = <const T,>(v: T) => v
            const fallback = <T = unknown>(v: T) => v
            s.from('posts').select('id').returns<Post[]>().eq('author_id', 1)
            s.from<Post>('legacy').select('id')
            s.rpc<number>('count_posts', { get p_org() { return 1 } })
            """
        let expectations = read(text)
        #expect(tables(expectations) == ["public.legacy", "public.posts"])
        #expect(columns(expectations, "public.posts") == ["author_id", "id"])
        #expect(
            expectations.functions[QualifiedName(parsing: "public.count_posts")]?.argumentSets.keys
                .map { $0 } == [["p_org"]])
        // .mts and .cts are TypeScript: `<number>value` is a type assertion.
        let assertion =
            "const s = createClient(u, k)\nconst n = <number>value\ns.from('posts').select('id')"
        #expect(tables(read(assertion, jsx: false)) == ["public.posts"])
    }

    @Test func aLinkBackUpTheTreeIsNotFollowed() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("src"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "const s = createClient(u, k); s.from('t').select('a')".write(
            to: root.appendingPathComponent("src/a.ts"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("src/up").path, withDestinationPath: "..")
        let expectations = try CodeReader.read(paths: ["src"], types: nil, root: root)
        #expect(expectations.files == 1)
    }

    /// A client made with a schema in one module and imported by others: its chains are in
    /// that schema, however it is imported; a name made with two schemas is not guessed at.
    @Test func aClientsSchemaFollowsItIntoTheFilesThatImportIt() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-imports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let files = [
            "lib/supabase.ts": """
            import { createClient, type SupabaseClient } from '@supabase/supabase-js'
            import type { Database } from './database.types'
            export const supabase: SupabaseClient<Database> = createClient<Database>(
              process.env.URL!, process.env.KEY!, { db: { schema: 'api' } })
            export const billing = supabase.schema('billing')
            export const plain = createClient(process.env.URL!, process.env.KEY!)
            supabase.from('local_use').select('id')
            """,
            "lib/other.ts": """
            export const twice = createClient(u, k, { db: { schema: 'one' } })
            """,
            "lib/third.js": """
            const twice = createClient(u, k, { db: { schema: 'two' } })
            module.exports = { twice }
            """,
            "routes/leads.ts": """
            import { supabase as db, billing } from '../lib/supabase'
            import type { plain } from '../lib/supabase'
            export async function list(orgId: string) {
              let query = db.from('leads').select('id')
              query = query.eq('org_id', orgId)
              await billing.from('invoices').select('total')
              await db.rpc('refresh_totals', { org: orgId })
              await db.schema('audit').from('events').insert({ kind: 'list' })
              return db.from('pending_ones')
            }
            """,
            "routes/plain.ts": """
            import { plain } from '../lib/supabase'
            import { twice } from '../lib/other'
            plain.from('notes').select('body')
            twice.from('ambiguous').select('id')
            """,
            "jobs/worker.js": """
            const { supabase, billing: money } = require('../lib/supabase')
            supabase.from('jobs').update({ done: true }).eq('id', 1)
            money.rpc('settle', { day: 1 })
            """,
            "jobs/local.ts": """
            import { supabase } from '../lib/supabase'
            function run(supabase: SupabaseClient) {
              return supabase.schema('own').from('mine').select('id')
            }
            """,
            // Names that hide the import where they are: a parameter, a local client, a
            // destructured local, an arrow's parameter. Their tables are not the import's.
            "routes/shadow.ts": """
            import { supabase } from '../lib/supabase'
            export function withParameter(supabase: SupabaseClient) {
              return supabase.from('param_table').select('id')
            }
            export async function asAdmin() {
              const supabase = createClient(url, serviceKey)
              return supabase.from('audit_log').select('id')
            }
            export function fromAHook() {
              const { supabase } = useSomething()
              return supabase.from('hooked').select('id')
            }
            export const mapped = (supabase) => supabase.from('arrowed').select('id')
            export const stillImported = () => supabase.from('imported_here').select('id')
            export const typed = (supabase: SupabaseClient): Query => supabase.from('typed_arrow')
            export function afterALoop(clients) {
              for (const supabase of clients) { supabase.from('in_loop').select('id') }
              return supabase.from('after_loop').select('id')
            }
            export const asConst = (supabase) => pick('x' as const, supabase.from('as_const'))
            export function later(event) {
              handler = (supabase) => supabase.from('handled').select('id')
              return supabase.from('next_statement').select('id')
            }
            export const member = (event) => event.locals.supabase.from('locals_member')
            """,
            "lib/admin.ts": """
            const admin = createClient(u, k, { db: { schema: 'admin' } })
            export { admin as default }
            """,
            "routes/admin.ts": """
            import admin from '../lib/admin'
            admin.from('by_default').select('id')
            """,
            // A script's own client, made but not exported, says nothing of what others import.
            "scripts/backfill.ts": """
            const supabase = createClient(u, k, { db: { schema: 'analytics' } })
            supabase.from('events_rollup').select('id')
            """,
        ]
        for (path, text) in files {
            let url = root.appendingPathComponent("src/" + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let expectations = try CodeReader.read(paths: ["src"], types: nil, root: root)
        #expect(
            tables(expectations) == [
                "admin.by_default", "analytics.events_rollup", "api.after_loop",
                "api.imported_here", "api.jobs", "api.leads", "api.local_use", "api.next_statement",
                "api.pending_ones", "audit.events", "billing.invoices", "own.mine",
                "public.ambiguous", "public.arrowed", "public.as_const", "public.audit_log",
                "public.handled", "public.hooked", "public.in_loop", "public.locals_member",
                "public.notes", "public.param_table", "public.typed_arrow",
            ])
        // The same tree through paths that overlap, in another order: each file read once, in
        // one order, so the same expectations and sites.
        let again = try CodeReader.read(
            paths: ["src/routes", "src/lib", "src", "./src/routes/../routes/leads.ts"], types: nil,
            root: root)
        #expect(again == expectations)
        #expect(columns(expectations, "api.leads") == ["id", "org_id"])
        #expect(columns(expectations, "api.jobs") == ["done", "id"])
        #expect(
            expectations.functions.keys.map(\.description).sorted() == [
                "api.refresh_totals", "billing.settle",
            ])
        #expect(
            expectations.tables[QualifiedName("api", "leads")]?.sites.sites.map(\.description)
                == ["src/routes/leads.ts:4:18"])
    }

    /// Source files as editors save them, read one after another through one worker's
    /// buffer: with a byte order mark (UTF-8, UTF-16 either way), empty, and a large file
    /// before a small one, whose bytes must not show through.
    @Test func sourceFilesReadInEveryEncodingAndSize() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tollgate-encodings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("src"), withIntermediateDirectories: true)
        func query(_ table: String) -> String {
            "const db = createClient(u, k)\r\ndb.from('\(table)').select('id, name')\r\n"
        }
        func utf16(_ text: String, little: Bool) -> [UInt8] {
            var bytes: [UInt8] = little ? [0xFF, 0xFE] : [0xFE, 0xFF]
            for unit in text.utf16 {
                bytes +=
                    little
                    ? [UInt8(unit & 0xFF), UInt8(unit >> 8)]
                    : [UInt8(unit >> 8), UInt8(unit & 0xFF)]
            }
            return bytes
        }
        let large = query("big") + String(repeating: "// padding padding padding\n", count: 10_000)
        let files: [(String, [UInt8])] = [
            ("a.ts", [0xEF, 0xBB, 0xBF] + Array(query("with_bom").utf8)),
            ("b.ts", utf16(query("little_endian"), little: true)),
            ("c.ts", utf16(query("big_endian"), little: false)),
            ("d.ts", []),
            ("e.ts", Array(large.utf8)),
            ("f.ts", Array("db.from('small').select('id')".utf8)),
        ]
        for (name, bytes) in files {
            try Data(bytes).write(to: root.appendingPathComponent("src/" + name))
        }
        let expectations = try CodeReader.read(paths: ["src"], types: nil, root: root)
        #expect(
            tables(expectations) == [
                "public.big", "public.big_endian", "public.little_endian", "public.small",
                "public.with_bom",
            ])
        #expect(expectations.files == 6)
        #expect(expectations.lines == 2 + 2 + 2 + 0 + 10_002 + 1)
        #expect(columns(expectations, "public.little_endian") == ["id", "name"])
        #expect(
            expectations.tables[QualifiedName("public", "with_bom")]?.sites.sites.map(\.description)
                == ["src/a.ts:2:4"])
    }

    // MARK: PostgREST's grammar

    @Test func selectGrammar() throws {
        let items = try PostgRESTSyntax.select(
            "id, alias:name, data->a->>b, price::text, total.sum(), count(), \"weird col\", "
                + "org:organizations!leads_org_id_fkey!inner(name, ...owners(email)), rel!left(*)")
        #expect(items.count == 9)
        guard case .column(let alias, _) = items[1], case .column(let json, _) = items[2],
            case .column(let cast, _) = items[3], case .column(let aggregate, _) = items[4],
            case .aggregate = items[5], case .column(let quoted, _) = items[6],
            case .embed(let embed) = items[7], case .embed(let left) = items[8]
        else {
            Issue.record("unexpected items: \(items)")
            return
        }
        #expect(
            [alias, json, cast, aggregate, quoted] == [
                "name", "data", "price", "total", "weird col",
            ])
        #expect(embed.name == "organizations" && embed.alias == "org")
        #expect(embed.hint == "leads_org_id_fkey")
        guard case .embed(let spread) = embed.items[1] else {
            Issue.record("no spread")
            return
        }
        #expect(spread.spread && spread.name == "owners")
        #expect(left.hint == nil && left.items.count == 1)
        if case .star = left.items.first {} else { Issue.record("rel!left(*) reads \(left.items)") }
        #expect(throws: PostgRESTSyntax.SyntaxError.self) {
            try PostgRESTSyntax.select("id, rel(name")
        }
        #expect(throws: PostgRESTSyntax.SyntaxError.self) { try PostgRESTSyntax.select("id,,name") }
        #expect(throws: PostgRESTSyntax.SyntaxError.self) {
            try PostgRESTSyntax.select("total.median()")
        }
    }

    @Test func logicTreesNameTheirColumns() {
        let columns = PostgRESTSyntax.logicColumns(
            "a.eq.1,not.b.is.null,and(c.gt.2,or(d->>k.eq.x,e.in.(1,2))),f.eq.\"x,y\"")
        #expect(columns.map(\.name) == ["a", "b", "c", "d", "e", "f"])
    }

    // MARK: The types file

    @Test func theTypesFileReadsTheSameInEveryEncoding() throws {
        let utf16 = try Data(
            contentsOf: Self.fixtures.appendingPathComponent("taskboard/types/supabase.ts"))
        #expect(utf16.starts(with: [0xFF, 0xFE]))
        let text = String(decoding: SourceText.utf8(utf16), as: UTF8.self)
        #expect(text.contains("\r\n"))
        let reference = try #require(SupabaseTypes.parse(Array(text.utf8), file: "t.ts"))
        var variants: [(String, [UInt8])] = [
            ("UTF-8, CRLF", Array(text.utf8)),
            ("UTF-8, LF", Array(text.replacingOccurrences(of: "\r\n", with: "\n").utf8)),
            ("UTF-8 with BOM", [0xEF, 0xBB, 0xBF] + Array(text.utf8)),
        ]
        var big: [UInt8] = [0xFE, 0xFF]
        for unit in text.replacingOccurrences(of: "\r\n", with: "\n").utf16 {
            big += [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        variants.append(("UTF-16 big endian, LF", big))
        for (name, bytes) in variants {
            let types = try #require(
                SupabaseTypes.parse(SourceText.utf8(Data(bytes)), file: "t.ts"), "\(name)")
            #expect(types.relations.keys.sorted() == reference.relations.keys.sorted(), "\(name)")
            for (relation, value) in reference.relations {
                #expect(
                    types.relations[relation]?.columns.mapValues(\.nullable)
                        == value.columns.mapValues(\.nullable), "\(name) \(relation)")
                #expect(types.relations[relation]?.site.line == value.site.line, "\(name)")
            }
        }
        let tasks = try #require(reference.relations[QualifiedName(parsing: "public.tasks")])
        #expect(tasks.columns["due_on"]?.nullable == true)
        #expect(tasks.columns["title"]?.nullable == false)
        #expect(reference.relations[QualifiedName(parsing: "billing.invoices")] != nil)
        #expect(
            reference.functions[QualifiedName(parsing: "public.search_tasks")]?.overloads
                == [["p_query": false, "p_limit": true]])
    }

    @Test func theNewerGeneratorsFormatReadsToo() throws {
        let url = Self.repository.appendingPathComponent(
            "Examples/backend/src/database.types.ts")
        let types = try #require(try SupabaseTypes.read(url, as: "database.types.ts"))
        #expect(types.relations.count == 10)
        let leads = try #require(types.relations[QualifiedName(parsing: "public.leads")])
        #expect(leads.columns["org_id"]?.nullable == false)
        #expect(leads.columns["email"]?.nullable == true)
        #expect(leads.columns.count == 11)
        #expect(
            types.functions[QualifiedName(parsing: "public.auth_org_id")]?.overloads == [[:]])
    }

    // MARK: Whole trees, pinned

    /// Compares with the pinned file; `TOLLGATE_PIN=1` rewrites it instead.
    func pinned(_ actual: String, _ name: String) throws {
        let url = Self.fixtures.appendingPathComponent("expected/\(name)")
        if ProcessInfo.processInfo.environment["TOLLGATE_PIN"] == "1" {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try (actual + "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(actual + "\n" == expected, "differs from \(url.path) (TOLLGATE_PIN=1 rewrites it)")
    }

    @Test func theRealWorldShapedTreeIsReadWhole() throws {
        let root = Self.fixtures.appendingPathComponent("taskboard")
        let expectations = try CodeReader.read(
            paths: ["."], types: "types/supabase.ts", root: root)
        // Not `.d.ts` declarations, not node_modules.
        #expect(expectations.files == 10)
        // As `tollgate expectations . --types types/supabase.ts` prints it in the folder.
        try pinned(CodeListing.text(expectations, paths: ["."], color: false), "taskboard.txt")
        try pinned(CodeListing.json(expectations, paths: ["."]), "taskboard.json")
    }

    @Test func theExampleBackendIsReadWhole() throws {
        let expectations = try CodeReader.read(
            paths: ["Examples/backend/src"], types: "Examples/backend/src/database.types.ts",
            root: Self.repository)
        try pinned(
            CodeListing.text(expectations, paths: ["Examples/backend/src"], color: false),
            "backend.txt")
        try pinned(CodeListing.json(expectations, paths: ["Examples/backend/src"]), "backend.json")
        // The report's own findings, found by reading the code.
        let organizations = try #require(
            expectations.tables[QualifiedName(parsing: "public.organizations")])
        #expect(organizations.sites.sites.contains { $0.file == "Examples/backend/src/server.ts" })
        #expect(
            organizations.sites.sites.contains {
                $0.file == "Examples/backend/src/middleware/auth.ts"
            })
        for table in ["leads", "campaigns", "knowledge_base", "call_logs", "calls", "agents"] {
            #expect(
                expectations.tables[QualifiedName(parsing: "public.\(table)")]?.columns["org_id"]
                    != nil, "\(table)")
        }
    }

    @Test func aMissingPathIsAConfigurationError() {
        #expect(throws: CodeReader.Problem.self) {
            try CodeReader.read(paths: ["nope"], types: nil, root: Self.fixtures)
        }
        #expect(throws: CodeReader.Problem.self) {
            try CodeReader.read(
                paths: ["taskboard"], types: "taskboard/schema.sql", root: Self.fixtures)
        }
    }
}
