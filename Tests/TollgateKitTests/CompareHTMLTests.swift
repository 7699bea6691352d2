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
                    values: ["dev": "table", "production": nil],
                    states: ["dev": .reference, "production": .missing]),
                .init(
                    kind: "column", object: "public.organizations.name",
                    values: ["dev": "text", "production": nil],
                    states: ["dev": .reference, "production": .missing]),
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
        var referenced = report
        referenced.reference = "dev"
        let html = ComparisonRenderer.html(referenced)
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
                == ["reference", "missing"])
        #expect(
            html.contains("Schema differences (2), against dev, the environment furthest along"))
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

    /// Against the reference, grouped by kind with counts and a legend; with `--all`, the
    /// objects that are the same everywhere are there too, behind a box that hides them.
    @Test func groupsLegendAndTheFilter() throws {
        var report = ComparisonReport(
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
                    values: ["dev": "v1", "staging": "v2", "production": nil],
                    states: ["dev": .reference, "staging": .differs, "production": .missing],
                    changes: ["staging": ["volatility volatile → stable"]]),
                .init(
                    kind: "type", object: "public.status",
                    values: ["dev": nil, "staging": "enum (a)", "production": nil],
                    states: ["dev": .absent, "staging": .onlyHere, "production": .absent]),
            ],
            drift: [], wardenBlockedBy: [:])
        report.reference = "staging"
        report.referenceChosen = true
        report.identical = [
            .init(
                kind: "function", object: "public.other()",
                values: ["dev": "x", "staging": "x", "production": "x"])
        ]
        let html = ComparisonRenderer.html(report)
        let document = try XMLDocument(xmlString: html)
        let cells =
            try document.nodes(
                forXPath:
                    "//*[local-name()='tr'][starts-with(@id, 'obj-function-public-auth-org-id')]/*[local-name()='td']"
            ) as! [XMLElement]
        #expect(
            cells.map { cell in cell.attributes?.first { $0.localName == "class" }?.stringValue }
                == ["reference", "differs", "missing"])
        #expect(html.contains("≠ volatility volatile → stable"))
        #expect(html.contains("Schema differences (2), against staging (chosen)"))
        // Types before functions, each group with its count; the page's own count above.
        let summaries = try document.nodes(
            forXPath:
                "//*[local-name()='details'][@class='group' or starts-with(@class, 'group ')]/*[local-name()='summary']"
        ).map { $0.stringValue ?? "" }
        #expect(summaries == ["types (1 differ)", "functions (1 of 2 differ)"])
        #expect(html.contains("id=\"only-differences\" checked=\"checked\""))
        #expect(
            try document.nodes(forXPath: "//*[local-name()='tr'][@class='same-everywhere']").count
                == 1)
        for state in ["reference", "matches", "differs", "missing", "only-here", "absent"] {
            #expect(html.contains("<span class=\"\(state)\">"), "legend lacks \(state)")
        }
    }

    /// Names from people (actors, approvers) are escaped everywhere, and objects whose names
    /// read the same as an anchor get anchors of their own.
    @Test func namesAreEscapedAndAnchorsUnique() throws {
        var report = ComparisonReport(
            environments: [
                .init(
                    name: "dev", serverVersion: "15.18", fingerprint: "a", migrations: [],
                    rollout: [
                        .init(playbook: "day-1", ranBy: "A <a@x>", approvedBy: ["R&D"]),
                        .init(playbook: "day-2", ranBy: "b", approvedBy: []),
                    ], checks: [:]),
                .init(
                    name: "staging", serverVersion: "15.18", fingerprint: "b", migrations: [],
                    rollout: [], checks: [:]),
            ],
            migrations: [],
            differences: ["public.a_b", "public.a-b", "public.Users", "public.users"].map {
                .init(
                    kind: "table", object: $0, values: ["dev": "table", "staging": nil],
                    states: ["dev": .reference, "staging": .missing])
            },
            drift: [], wardenBlockedBy: [:])
        report.reference = "dev"
        let html = ComparisonRenderer.html(report)
        let document = try XMLDocument(xmlString: html)
        #expect(html.contains("A &lt;a@x&gt;") && html.contains("R&amp;D"))
        let ids =
            try document.nodes(forXPath: "//*[local-name()='tr'][starts-with(@id, 'obj-')]/@id")
            .compactMap(\.stringValue)
        #expect(ids.count == 4 && Set(ids).count == 4, "\(ids)")
    }
}
