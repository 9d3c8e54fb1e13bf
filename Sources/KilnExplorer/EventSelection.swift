import KilnCore

/// Which events of the scope a BubbleUp or an events table compares with the rest: those
/// passing every filter, or (an SLO's bad events: eligible and not good) those failing at least
/// one of them.
public struct EventSelection: Equatable, Sendable {
    /// The filters.
    public var filters: [Filter]
    /// True: the events that fail at least one filter (NOT (f1 AND f2 ...)).
    public var negated: Bool

    /// The events passing every filter (`negated`: failing at least one).
    public init(_ filters: [Filter], negated: Bool = false) {
        self.filters = filters
        self.negated = negated
    }

    /// The events failing at least one of `filters`.
    public static func not(_ filters: [Filter]) -> EventSelection { EventSelection(filters, negated: true) }

    /// True when it selects the whole scope (no filters, not negated).
    public var isEmpty: Bool { filters.isEmpty && !negated }

    /// The fields it filters on (BubbleUp ranks them after the others).
    public var fields: Set<String> { Set(filters.map(\.field).filter { $0 != FieldName.timestamp }) }

    /// The rows of `scope` it selects.
    /// - Complexity: O(rows in scope) per filter.
    public func rows(in scope: RowSet, table: EventTable) -> RowSet {
        let passing = scope.filtered(by: filters, in: table)
        return negated ? scope.subtracting(passing) : passing
    }

    /// As shown to people: `status >= 500, host = a`, or `NOT (status < 500)`.
    public var description: String {
        let each = filters.map(\.description)
        return negated ? "NOT (" + each.joined(separator: " AND ") + ")" : each.joined(separator: ", ")
    }
}

extension PreparedBubbleUp {
    /// BubbleUp of `selection` against the rest of the scope.
    func run(_ selection: EventSelection) -> BubbleUpResult {
        selection.negated ? run(selectionRows: selection.rows(in: scopeRows, table: table), selectedFields: selection.fields)
            : run(selection: selection.filters)
    }
}
