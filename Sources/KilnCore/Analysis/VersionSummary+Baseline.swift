extension VersionSummary {
    /// The window in which the version `newer` replaced served last: just before its first
    /// event, as long as `newer` has lived and at least a minute.
    public static func windowBefore(_ newer: VersionSummary) -> (from: Int64, to: Int64) {
        let span = max(newer.lastSeen - newer.firstSeen, 60_000_000_000)
        return (newer.firstSeen &- span, newer.firstSeen)
    }

    /// The newest version: the one whose first event is newest.
    public static func newest(_ versions: [VersionSummary], excluding: Value? = nil) -> VersionSummary? {
        versions.filter { $0.value != excluding }.max { ($0.firstSeen, $0.value.text) < ($1.firstSeen, $1.value.text) }
    }

    /// The version `newer` replaced: among the versions of its service (all when it has none
    /// or no other version shares it), the one that served most events in `recent` (the
    /// summaries of ``windowBefore(_:)``); failing that, the one with most events that was
    /// seen before it; failing that, the one with most events.
    public static func previous(of newer: VersionSummary, among versions: [VersionSummary], recent: [VersionSummary]) -> VersionSummary? {
        var candidates = versions.filter { $0.value != newer.value }
        if let service = newer.service, candidates.contains(where: { $0.service == service }) {
            candidates = candidates.filter { $0.service == service }
        }
        let names = Set(candidates.map(\.value))
        if let top = recent.filter({ names.contains($0.value) }).max(by: { ($0.count, $1.value.text) < ($1.count, $0.value.text) }),
           let match = candidates.first(where: { $0.value == top.value }) {
            return match
        }
        let byCount: (VersionSummary, VersionSummary) -> Bool = { ($0.count, $0.firstSeen) < ($1.count, $1.firstSeen) }
        return candidates.filter { $0.firstSeen < newer.firstSeen }.max(by: byCount) ?? candidates.max(by: byCount)
    }
}

extension Compare {
    /// What makes an event an error unless told otherwise, in order of preference.
    public static let defaultErrorExpressions = ["error = true", "http.response.status_code >= 500", "http.status_code >= 500",
                                                 "status_code >= 500"]

    /// The first of ``defaultErrorExpressions`` whose field is among `fields`; empty when none is.
    public static func defaultError(fields: Set<String>) -> [Filter] {
        for expr in defaultErrorExpressions {
            let field = String(expr.prefix { $0 != " " })
            if fields.contains(field), let filter = try? Filter.parse(expr) { return [filter] }
        }
        return []
    }
}
