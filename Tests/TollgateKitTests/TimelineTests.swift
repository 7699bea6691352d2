import Foundation
import FoundationXML
import Testing

@testable import TollgateKit

/// The rollout in time: what succeeded when, what soaks until when, what waits for whom.
@Suite struct TimelineTests {
    let start = Date(timeIntervalSince1970: 1_764_000_000)

    func input(
        _ playbook: String, at hours: Double?, soak: Duration = .seconds(3600),
        approvals: [Timeline.Approval] = []
    ) -> Timeline.Input {
        Timeline.Input(
            playbook: playbook, succeededAt: hours.map { start.addingTimeInterval($0 * 3600) },
            approvals: approvals, soak: soak, promotion: true)
    }

    @Test func eachCellSaysWhereThePlaybookStandsInTime() throws {
        let approval = Timeline.Approval(approver: "alice", at: start.addingTimeInterval(7000))
        let timeline = Timeline.build(
            [
                (name: "dev", inputs: [input("day-1", at: 0), input("day-2", at: 2.5)]),
                (
                    name: "staging",
                    inputs: [input("day-1", at: 2, approvals: [approval]), input("day-2", at: nil)]
                ),
                (
                    name: "production",
                    inputs: [
                        input("day-1", at: nil, soak: .seconds(86400)), input("day-2", at: nil),
                    ]
                ),
            ], now: start.addingTimeInterval(3 * 3600))
        let day1 = try #require(timeline.rows.first { $0.playbook == "day-1" })
        let day2 = try #require(timeline.rows.first { $0.playbook == "day-2" })
        #expect(day1.cells["dev"]?.state == .done)
        #expect(day1.cells["staging"]?.state == .done)
        #expect(day1.cells["staging"]?.approvals.map(\.approver) == ["alice"])
        // Staging succeeded 1 h ago; production soaks 24 h after it.
        #expect(day1.cells["production"]?.state == .soaking)
        #expect(day1.cells["production"]?.until == start.addingTimeInterval(26 * 3600))
        // Dev's day-2 succeeded 0.5 h ago: staging soaks another half hour.
        #expect(day2.cells["staging"]?.state == .soaking)
        #expect(day2.cells["staging"]?.since == start.addingTimeInterval(2.5 * 3600))
        #expect(day2.cells["production"]?.state == .waiting)
        #expect(day2.cells["production"]?.waitingFor == "staging")
        // An hour later the soak is over: ready.
        let later = Timeline.build(
            [
                (name: "dev", inputs: [input("day-2", at: 2.5)]),
                (name: "staging", inputs: [input("day-2", at: nil)]),
            ], now: start.addingTimeInterval(4 * 3600))
        #expect(later.rows[0].cells["staging"]?.state == .ready)

        // The page draws it as SVG inside the XHTML, and says what is next in words.
        var report = ComparisonReport(
            environments: [], migrations: [], differences: [], wardenBlockedBy: [:])
        report.timeline = timeline
        let html = ComparisonRenderer.html(report)
        _ = try XMLDocument(xmlString: html)
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\""))
        #expect(html.contains("<title>day-1 approved by alice "))
        #expect(
            html.contains(
                "<strong>production</strong>: 0 of 2 done; next: day-1 soaking until 2025-11-25 18:00 UTC"
            ))
    }
}
