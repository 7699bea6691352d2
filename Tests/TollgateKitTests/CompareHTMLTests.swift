import Foundation
import FoundationXML
import Testing

@testable import TollgateKit

@Suite struct CompareHTMLTests {
    @Test func thePageIsWellFormedAndHoldsTheMatrix() throws {
        let report = ComparisonReport(
            environments: [
                .init(
                    name: "dev", serverVersion: "15.18", fingerprint: "abc", migrations: [],
                    rollout: [
                        .init(playbook: "day-1-organizations", ranBy: "alice", approvedBy: [])
                    ], checks: ["warden": .init(passed: true)]),
                .init(
                    name: "production", serverVersion: "15.18", fingerprint: "def", migrations: [],
                    rollout: [],
                    checks: ["warden": .init(passed: false, firstFailure: "organizations-table")]),
                .init(
                    name: "staging", error: "connection refused <&>", migrations: [], rollout: [],
                    checks: [:]),
            ],
            migrations: [
                .init(
                    version: "20250110090000", name: "create_organizations_table",
                    appliedIn: ["dev"], missingIn: ["production"])
            ],
            differences: [
                .init(
                    kind: "table", object: "public.organizations",
                    values: ["dev": "table", "production": nil]),
                .init(
                    kind: "column", object: "public.organizations.name",
                    values: ["dev": "text", "production": nil]),
            ],
            drift: [
                .init(
                    environment: "dev", kind: "table", object: "public.organizations",
                    change: .unrecorded, detail: "no migration or step made it", includes: 1)
            ],
            wardenBlockedBy: [
                "production": "organizations-table",
                "staging": "unreachable: connection refused <&>",
            ])
        let html = ComparisonRenderer.html(report)
        let document = try XMLDocument(xmlString: html)
        let rows = try document.nodes(
            forXPath:
                "//*[local-name()='section'][@id='differences']//*[local-name()='tbody']/*[local-name()='tr']"
        )
        #expect(rows.count == 2)
        let cells =
            try document.nodes(
                forXPath:
                    "//*[local-name()='tr'][@id='obj-table-public-organizations']/*[local-name()='td']"
            ) as! [XMLElement]
        #expect(
            cells.map { cell in cell.attributes?.first { $0.localName == "class" }?.stringValue }
                == ["same", "absent"])
        // The drift section, and the flag on dev's side of the table and of its folded column.
        let drift = try document.nodes(
            forXPath:
                "//*[local-name()='section'][@id='drift']//*[local-name()='tbody']/*[local-name()='tr']"
        )
        #expect(drift.count == 1)
        let flags = try document.nodes(
            forXPath:
                "//*[local-name()='section'][@id='differences']//*[local-name()='span'][@class='oob']"
        )
        #expect(flags.count == 2)
        #expect(
            html.contains(
                "Warden is blocked on production (organizations-table); staging (unreachable: connection refused &lt;&amp;&gt;)"
            ))
        // No external assets: the only URL is the XHTML namespace.
        #expect(html.components(separatedBy: "http").count - 1 == 1)
        #expect(html.contains("xmlns=\"http://www.w3.org/1999/xhtml\""))
        #expect(!html.contains("<script") && !html.contains("<link"))
    }

    /// Two definitions that tie are both "different": no label may depend on dictionary
    /// order, so the page is byte-identical from one run to the next.
    @Test func tiedDefinitionsAreLabelledTheSameWayEveryTime() throws {
        let report = ComparisonReport(
            environments: [
                .init(
                    name: "dev", serverVersion: "15.18", fingerprint: "a", migrations: [],
                    rollout: [], checks: [:]),
                .init(
                    name: "staging", serverVersion: "15.18", fingerprint: "b", migrations: [],
                    rollout: [], checks: [:]),
                .init(
                    name: "production", serverVersion: "15.18", fingerprint: "c", migrations: [],
                    rollout: [], checks: [:]),
            ],
            migrations: [],
            differences: [
                .init(
                    kind: "function", object: "public.auth_org_id()",
                    values: ["dev": "v1", "staging": "v2", "production": nil])
            ],
            drift: [], wardenBlockedBy: [:])
        let html = ComparisonRenderer.html(report)
        let document = try XMLDocument(xmlString: html)
        let cells =
            try document.nodes(
                forXPath:
                    "//*[local-name()='tr'][starts-with(@id, 'obj-function-public-auth-org-id')]/*[local-name()='td']"
            ) as! [XMLElement]
        #expect(
            cells.map { cell in cell.attributes?.first { $0.localName == "class" }?.stringValue }
                == ["different", "different", "absent"])
        #expect(ComparisonRenderer.majority(["x", "y", "x"]) == "x")
        #expect(ComparisonRenderer.majority(["x", "y", nil]) == nil)
    }
}
