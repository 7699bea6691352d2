extension TriggerCheck: StructuralCheckKind {
    /// Passes when the object is enabled and matches; otherwise says what is there instead.
    func matches(
        in snapshot: CatalogSnapshot, substitute: (String) -> String
    ) -> StructuralCheck.Matches {
        var result = StructuralCheck.Matches()
        let name = QualifiedName(parsing: substitute(table))
        let wantedFunction = function.map { QualifiedName(parsing: substitute($0)) }
        let good = snapshot.triggers(on: name).filter { trigger in
            trigger.enabled != .disabled
                && (wantedFunction == nil || trigger.function == wantedFunction)
                && (timing == nil
                    || trigger.timing == TriggerTiming(rawValue: timing!.uppercased()))
                && (events == nil
                    || Set(events!.map { $0.uppercased() }).isSubset(
                        of: Set(trigger.events.map(\.rawValue))))
        }
        result.found = good.map { "trigger \($0.name)" }
        if good.isEmpty {
            let present = snapshot.triggers(on: name)
            result.nearMiss =
                present.isEmpty
                ? (snapshot.relation(name) == nil ? "no table \(name)" : "no trigger")
                : "triggers \(present.map { "\($0.name)\($0.enabled == .disabled ? " (disabled)" : "")" }.joined(separator: ", ")) do not match"
        }
        return result
    }
}
