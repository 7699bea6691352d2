import Foundation

extension ComparisonRenderer {
    /// The rollout timeline as inline SVG (no script): one lane per environment, a dot where
    /// each playbook succeeded, a diamond per approval, the soak windows promotion waits
    /// through shaded, and a red mark where a blocked playbook may go on.
    ///
    /// The page marks no "now": a report of unchanged databases is the same from one run to the
    /// next.
    static func timelineSection(_ timeline: Timeline?) -> String {
        guard let timeline else { return "" }
        var times: [Date] = []
        for row in timeline.rows {
            for cell in row.cells.values {
                times += [cell.at, cell.until, cell.since].compactMap { $0 }
                times += cell.approvals.compactMap(\.at)
            }
        }
        var section = "<section id=\"timeline\"><h2>Rollout timeline</h2>"
        guard !times.isEmpty else {
            return section + "<p>Nothing has run on these environments yet.</p></section>\n"
        }
        var start = times.min()!
        var end = times.max()!
        if end.timeIntervalSince(start) < 3600 { end = start.addingTimeInterval(3600) }
        let margin = end.timeIntervalSince(start) * 0.04
        start = start.addingTimeInterval(-margin)
        end = end.addingTimeInterval(margin)
        let left = 120.0
        let width = 1080.0
        let lane = 64.0
        let height = 40 + lane * Double(timeline.environments.count)
        func x(_ date: Date) -> String {
            let fraction = date.timeIntervalSince(start) / end.timeIntervalSince(start)
            return String(format: "%.1f", left + fraction * (width - left - 20))
        }
        func y(_ index: Int) -> Double { 34 + lane * Double(index) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"rollout timeline\">"
        svg +=
            "<text x=\"\(left)\" y=\"14\" class=\"axis\">\(escape(stamp(start)))</text><text x=\"\(width - 20)\" y=\"14\" class=\"axis\" text-anchor=\"end\">\(escape(stamp(end)))</text>"
        for (index, environment) in timeline.environments.enumerated() {
            let laneY = y(index)
            // One label per cluster of successes closer than 90 units: `day-1-organizations …
            // day-5-verify (5)` rather than five labels on top of each other.
            let successes = timeline.rows.compactMap { row in
                row.cells[environment]?.at.map { (row.playbook, $0) }
            }.sorted { $0.1 < $1.1 }
            let clusters = clustered(successes, x: x)
            // Blocked playbooks: a red mark where each may go on, one label per cluster.
            let blocked = timeline.rows.compactMap { row -> (String, Date)? in
                guard let cell = row.cells[environment], cell.state == .soaking else { return nil }
                return cell.until.map { (row.playbook, $0) }
            }.sorted { $0.1 < $1.1 }
            let blockedClusters = clustered(blocked, x: x)
            for cluster in blockedClusters {
                let names =
                    cluster.count == 1
                    ? cluster[0].0 : "\(cluster.first!.0) … (\(cluster.count))"
                let at = cluster[0].1
                svg +=
                    "<line x1=\"\(x(at))\" y1=\"\(laneY - 14)\" x2=\"\(x(at))\" y2=\"\(laneY + 14)\" class=\"blocked\"><title>\(escape(cluster.map(\.0).joined(separator: ", "))) blocked until \(escape(stamp(at)))</title></line><text x=\"\(x(at))\" y=\"\(laneY + 28)\" class=\"blocked\" text-anchor=\"end\">\(escape(names)) from \(escape(stamp(at, short: true)))</text>"
            }
            for (number, cluster) in clusters.enumerated() {
                let text =
                    cluster.count == 1
                    ? cluster[0].0 : "\(cluster.first!.0) … \(cluster.last!.0) (\(cluster.count))"
                let labelY = number % 2 == 0 ? laneY - 12 : laneY + 22
                svg +=
                    "<text x=\"\(x(cluster[0].1))\" y=\"\(labelY)\" class=\"done\">\(escape(text))</text>"
            }
            svg +=
                "<text x=\"8\" y=\"\(laneY + 4)\" class=\"lane\">\(escape(environment))</text><line x1=\"\(left)\" y1=\"\(laneY)\" x2=\"\(width - 20)\" y2=\"\(laneY)\" class=\"lane\"/>"
            for row in timeline.rows {
                guard let cell = row.cells[environment] else { continue }
                let label = escape(row.playbook)
                if let since = cell.since, let until = cell.until {
                    svg +=
                        "<rect x=\"\(x(since))\" y=\"\(laneY - 9)\" width=\"\(max(1, (Double(x(until)) ?? 0) - (Double(x(since)) ?? 0)))\" height=\"18\" class=\"soak\"><title>\(label): soak after the previous environment, \(escape(stamp(since))) to \(escape(stamp(until)))</title></rect>"
                }
                if let at = cell.at {
                    svg +=
                        "<circle cx=\"\(x(at))\" cy=\"\(laneY)\" r=\"5\" class=\"done\"><title>\(label) succeeded \(escape(stamp(at)))</title></circle>"
                }
                for approval in cell.approvals {
                    guard let at = approval.at else { continue }
                    svg +=
                        "<rect x=\"\(x(at))\" y=\"\(laneY - 4)\" width=\"8\" height=\"8\" transform=\"rotate(45 \(x(at)) \(laneY))\" class=\"approval\"><title>\(label) approved by \(escape(approval.approver)) \(escape(stamp(at)))</title></rect>"
                }
            }
        }
        svg += "</svg>"
        section += svg
        section +=
            "<p class=\"legend\"><span class=\"done\">● succeeded</span><span class=\"approval\">◆ approved</span><span class=\"soak\">soak after the previous environment</span><span class=\"blocked\">| blocked until</span></p>"
        // The same in words, per environment: what is next and what holds it.
        var notes: [String] = []
        for environment in timeline.environments {
            let pending = timeline.rows.compactMap { row -> String? in
                guard let cell = row.cells[environment] else { return nil }
                switch cell.state {
                case .soaking:
                    return "\(row.playbook) soaking until \(stamp(cell.until!))"
                case .waiting:
                    return
                        "\(row.playbook) waits for \(cell.waitingFor ?? "the previous environment")"
                case .ready: return "\(row.playbook) ready"
                case .notRun: return "\(row.playbook) not run"
                case .done: return nil
                }
            }
            let done = timeline.rows.filter { $0.cells[environment]?.state == .done }.count
            notes.append(
                "<li><strong>\(escape(environment))</strong>: \(done) of \(timeline.rows.count) done"
                    + (pending.first.map { "; next: " + escape($0) } ?? "") + "</li>")
        }
        return section + "<ul class=\"notes\">\(notes.joined())</ul></section>\n"
    }

    /// Events in time order, grouped where each is within 90 units of the one before: one
    /// label per group, so that labels do not lie on top of each other.
    static func clustered(
        _ events: [(String, Date)], x: (Date) -> String
    ) -> [[(String, Date)]] {
        var clusters: [[(String, Date)]] = []
        for event in events {
            if let last = clusters.last?.last,
                (Double(x(event.1)) ?? 0) - (Double(x(last.1)) ?? 0) < 90
            {
                clusters[clusters.count - 1].append(event)
            } else {
                clusters.append([event])
            }
        }
        return clusters
    }

    /// `2026-12-01 10:42 UTC` (or `12-01 10:42` short).
    static func stamp(_ date: Date, short: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = short ? "MM-dd HH:mm" : "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
