import Foundation

/// The rollout in time, per environment: when each playbook succeeded, who approved it, the
/// soak windows promotion waits through, and what is blocked until when.
public struct Timeline: Sendable, Codable, Equatable {
    /// One playbook on one environment.
    public struct Cell: Sendable, Codable, Equatable {
        public enum State: String, Sendable, Codable {
            case done
            /// The previous environment's success is soaking: it may run from `until`.
            case soaking
            /// Every time gate has passed (other gates may still hold).
            case ready
            /// It has not succeeded on the previous environment yet.
            case waiting
            /// Not run, and nothing in time holds it (the first environment).
            case notRun = "not run"
        }
        public var state: State
        /// When it succeeded here.
        public var at: Date?
        /// When its soak after the previous environment ends.
        public var until: Date?
        /// The soak window's start (the previous environment's success), for soaking and ready.
        public var since: Date?
        public var approvals: [Approval] = []
        /// The environment it waits for.
        public var waitingFor: String?
    }

    public struct Approval: Sendable, Codable, Equatable {
        public var approver: String
        public var at: Date?
    }

    public struct Row: Sendable, Codable, Equatable {
        public var playbook: String
        /// Environment → its cell.
        public var cells: [String: Cell]
    }

    public var environments: [String]
    public var rows: [Row]
    // No "now" is kept: soaks are judged against the time the report is made, but a report of
    // unchanged databases stays byte-identical from one run to the next.

    /// What one environment's ledger says of one playbook.
    public struct Input: Sendable {
        public var playbook: String
        public var succeededAt: Date?
        public var approvals: [Approval]
        /// The soak it needs after the previous environment's success.
        public var soak: Duration
        /// Whether it must first succeed on the previous environment.
        public var promotion: Bool
    }

    /// Builds the timeline from each environment's inputs, in chain order.
    public static func build(
        _ environments: [(name: String, inputs: [Input])], now: Date
    ) -> Timeline {
        let playbooks = environments.first?.inputs.map(\.playbook) ?? []
        var rows: [Row] = []
        for playbook in playbooks {
            var cells: [String: Cell] = [:]
            for (index, environment) in environments.enumerated() {
                guard let input = environment.inputs.first(where: { $0.playbook == playbook })
                else { continue }
                if let at = input.succeededAt {
                    cells[environment.name] = Cell(
                        state: .done, at: at, approvals: input.approvals)
                    continue
                }
                guard input.promotion, index > 0 else {
                    cells[environment.name] = Cell(state: .notRun, approvals: input.approvals)
                    continue
                }
                let previous = environments[index - 1]
                guard
                    let done = previous.inputs.first(where: { $0.playbook == playbook })?
                        .succeededAt
                else {
                    cells[environment.name] = Cell(
                        state: .waiting, approvals: input.approvals, waitingFor: previous.name)
                    continue
                }
                let until = done.addingTimeInterval(DurationParser.seconds(input.soak))
                cells[environment.name] = Cell(
                    state: until > now ? .soaking : .ready, until: until, since: done,
                    approvals: input.approvals)
            }
            rows.append(Row(playbook: playbook, cells: cells))
        }
        return Timeline(environments: environments.map(\.name), rows: rows)
    }
}
