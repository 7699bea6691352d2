import Foundation
import Testing

@testable import TollgateKit

/// The statements Tollgate records for a migration are the ones `supabase db push` records:
/// the CLI's own cases (pkg/parser), each as pieces that joined make the input, and after
/// its trimming (trailing `;`, white space, empty pieces dropped).
struct SupabaseCLIStatementsTests {
    func expectSplit(
        _ pieces: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        let expected = pieces.map { piece -> String in
            var piece = Substring(piece)
            while piece.last == ";" { piece = piece.dropLast() }
            return piece.trimmingCharacters(in: .whitespacesAndNewlines)
        }.filter { !$0.isEmpty }
        #expect(
            SupabaseCLIStatements.split(pieces.joined()) == expected, sourceLocation: sourceLocation
        )
    }

    @Test func comments() {
        expectSplit(["END;", "-- comment"])
        expectSplit(["SELECT --; 1"])
        expectSplit(["- ;", "END"])
        expectSplit(["-- /* \n;", " */ END"])
        expectSplit(["SELECT /* ; */ 1;"])
        expectSplit(["SELECT /*; /*;*/ ;*/ 1"])
        expectSplit(["/ * ;", " */ END"])
    }

    @Test func separatorsAndEscapes() {
        expectSplit([";", "END;", ";"])
        expectSplit(["BEGIN   ;", "  END"])
        expectSplit(["\\;;", "\\;"])
        // Inside a quoted string a backslash is no escape, as standard_conforming_strings says.
        expectSplit(["SELECT '\\';", " 1'"])
    }

    @Test func quotes() {
        expectSplit(["$tag$ any ; string$tag$"])
        expectSplit(["$$\"Dane's horse\"$$"])
        expectSplit(["SELECT \"$\";", " $$"])
        expectSplit(["SELECT ';' 1"])
        expectSplit(["SELECT ';'';' 1"])
        expectSplit([#"CREATE POLICY "cats;dogs" on cats_dogs;"#, " END"])
        expectSplit([#"CREATE POLICY "cat's and dog's" on cats_dogs;"#, " END"])
        expectSplit([#"CREATE POLICY "pet""name" on pets;"#, " END"])
    }

    @Test func parenthesesAndAtomicBodies() {
        expectSplit([
            #"CREATE RULE notify_me AS ON UPDATE TO mytable DO (NOTIFY mytable; SELECT "1");"#,
            "SELECT 1",
        ])
        expectSplit([
            "CREATE RULE notify_me AS ON UPDATE TO mytable DO (-- )\nSELECT ')';\n-- )\n)\n"
        ])
        expectSplit([
            "CREATE FUNCTION add(a integer, b integer) RETURNS integer\nLANGUAGE SQL\nBEGIN ATOMIC\n\tSELECT 'add';\n\tSELECT a + b;\nEND;"
        ])
        expectSplit(["begin atomic; select 'end'; end"])
        expectSplit(["CREATE FUNCTION test() BEGIN\nATOMIC-- END;\n-- END;\nEND\n;"])
        expectSplit(["create table public.atomic_test (id int);", "\nselect 1;"])
        expectSplit([
            "CREATE OR REPLACE FUNCTION public.my_function_atomic(p_id uuid)\nRETURNS void\nLANGUAGE plpgsql\nAS $$\nBEGIN\n  RAISE NOTICE 'hello';\nEND;\n$$;",
            "\nGRANT EXECUTE ON FUNCTION public.my_function_atomic(uuid) TO authenticated;",
        ])
        expectSplit(["select is_atomic from flags;", "\nselect 1;"])
        expectSplit(["select col1atomic from t;", "\nselect 1;"])
        // `atomic` as a name, not after BEGIN: no body.
        expectSplit([
            "CREATE OR REPLACE FUNCTION atomic_fn() RETURNS int LANGUAGE sql AS $$ select 1 $$;",
            " SELECT 1;",
        ])
        expectSplit(["create table atomic (id int);", " select 1;"])
        expectSplit(["select 1 as atomic;", " select 2;"])
        expectSplit([
            "create function f() returns int language sql begin\n  atomic select 1; end;",
            " select 2",
        ])
    }

    @Test func aMigrationAsTheCLIRecordsIt() {
        let sql = """
            -- Projects and their tasks.
            create table public.projects (id bigint generated always as identity primary key, name text not null);

            create function public.touch() returns trigger language plpgsql as $$
            begin new.updated_at := now(); return new; end;
            $$;
            comment on table public.projects is 'one; two';
            -- the end

            """
        #expect(
            SupabaseCLIStatements.split(sql) == [
                "-- Projects and their tasks.\ncreate table public.projects (id bigint generated always as identity primary key, name text not null)",
                "create function public.touch() returns trigger language plpgsql as $$\nbegin new.updated_at := now(); return new; end;\n$$",
                "comment on table public.projects is 'one; two'",
                "-- the end",
            ])
    }
}
