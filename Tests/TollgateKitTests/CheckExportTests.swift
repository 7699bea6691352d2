import Foundation
import FoundationXML
import Testing

@testable import TollgateKit

@Suite struct CheckExportTests {
    static let report = CheckReport(environments: [
        .init(
            environment: "staging", reachable: true, error: nil,
            suites: [
                SuiteRun(
                    suite: "warden", environment: "staging",
                    results: [
                        CheckResult(
                            check: "organizations-table", subject: nil, outcome: .passed,
                            expected: "table public.organizations",
                            definedAt: "Playbooks/checks/warden.yml:7:5"),
                        CheckResult(
                            check: "org-id-column", subject: "public.leads", outcome: .failed,
                            expected: "column public.leads.org_id uuid",
                            found: "no column <org_id> & \"more\" | 100%\nnext",
                            fix: "run Day 1", definedAt: "Playbooks/checks/warden.yml:12:5"),
                        CheckResult(
                            check: "no-null-org-id", subject: "public.leads", outcome: .skipped,
                            expected: "no rows",
                            found: "not run: org-id-column failed",
                            definedAt: "Playbooks/checks/warden.yml:40:5"),
                        CheckResult(
                            check: "users", subject: nil, outcome: .error, expected: "no rows",
                            found: "cannot run: 42P01 relation \"x\" does not exist",
                            definedAt: "Playbooks/checks/warden.yml:50:5"),
                    ])
            ]),
        .init(environment: "production", reachable: false, error: "connection refused", suites: []),
    ])

    @Test func junitIsWellFormedAndCountsEveryCase() throws {
        let document = try XMLDocument(xmlString: CheckExports.junit(Self.report))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        #expect(root.attribute(forName: "tests")?.stringValue == "5")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        #expect(root.attribute(forName: "errors")?.stringValue == "2")
        #expect(root.attribute(forName: "skipped")?.stringValue == "1")
        let cases = try root.nodes(forXPath: "//testcase") as! [XMLElement]
        #expect(
            cases.map { $0.attribute(forName: "name")?.stringValue } == [
                "organizations-table", "org-id-column[public.leads]",
                "no-null-org-id[public.leads]", "users", "connect",
            ])
        let failure = try #require(try root.nodes(forXPath: "//failure").first as? XMLElement)
        #expect(
            failure.attribute(forName: "message")?.stringValue
                == "no column <org_id> & \"more\" | 100%\nnext")
        #expect(
            failure.stringValue?.contains("defined at Playbooks/checks/warden.yml:12:5") == true)
    }

    @Test func githubAnnotationsPointAtTheCheckAndEscape() {
        let lines = CheckExports.githubAnnotations(Self.report).split(separator: "\n").map(
            String.init)
        #expect(lines.count == 4)
        #expect(
            lines[0]
                == "::error file=Playbooks/checks/warden.yml,line=12,col=5,title=warden on staging%3A org-id-column (public.leads)::expected column public.leads.org_id uuid, found no column <org_id> & \"more\" | 100%25%0Anext%0Afix: run Day 1"
        )
        #expect(lines[3] == "::error title=tollgate%3A production unreachable::connection refused")
    }

    @Test func markdownSummarisesAndEscapesPipes() {
        let markdown = CheckExports.markdown(Self.report)
        #expect(markdown.contains("### ❌ warden on staging: blocked, 3 of 4 checks failed"))
        #expect(
            markdown.contains(
                "| org-id-column | leads | no column <org_id> & \"more\" \\| 100% next | run Day 1 |"
            ))
        #expect(markdown.contains("### ❌ production: unreachable"))
    }

    @Test func exitStatusFollowsTheContract() {
        #expect(Self.report.exitStatus == .unreachable)
        var blocked = Self.report
        blocked.environments.removeLast()
        #expect(blocked.exitStatus == .blocked)
        blocked.environments[0].suites[0].results = [blocked.environments[0].suites[0].results[0]]
        #expect(blocked.exitStatus == .success)
    }
}
