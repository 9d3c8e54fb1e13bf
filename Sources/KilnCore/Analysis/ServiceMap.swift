/// One edge of the service map: spans of `to` whose parent span is of `from`.
public struct ServiceEdge: Sendable, Equatable {
    /// The caller: the parent span's service.
    public var from: String
    /// The callee: the child span's service.
    public var to: String
    /// Stored child spans.
    public var spans: Int
    /// Child spans weighted by sample rate.
    public var calls: Double
    /// Child spans that are errors, weighted.
    public var errors: Double
    /// P50 of the child spans' duration, ms (nil without durations).
    public var p50: Double?
    /// P99 of the child spans' duration, ms.
    public var p99: Double?

    /// Makes an edge.
    public init(from: String, to: String, spans: Int, calls: Double, errors: Double, p50: Double?, p99: Double?) {
        self.from = from
        self.to = to
        self.spans = spans
        self.calls = calls
        self.errors = errors
        self.p50 = p50
        self.p99 = p99
    }

    /// Errors over calls; 0 without calls.
    public var errorRate: Double { calls > 0 ? errors / calls : 0 }
}

/// Who calls whom: edges from the service of each parent span to the service of its child
/// span, joined within a trace, for the spans in a scope.
///
/// A child span is counted when it is in scope and its parent is among the events read (the
/// time window, whatever the filters), so `--where service.name = X` still shows X's callers.
/// Spans calling their own service are no edge; spans without a parent are the roots, whose
/// services are the entry services.
public struct ServiceMap: Sendable, Equatable {
    /// The edges, by calls (descending), then names.
    public var edges: [ServiceEdge]
    /// The services of root spans in scope, by weighted root spans (descending), then name.
    public var entries: [String]
    /// Spans in scope whose parent id matches no span read.
    public var orphans: Int

    /// Makes a map.
    public init(edges: [ServiceEdge], entries: [String], orphans: Int) {
        self.edges = edges
        self.entries = entries
        self.orphans = orphans
    }

    /// The parent row of every row of `table` within its trace: -1 for a root (no parent id),
    /// -2 when the parent is not in the table.
    /// - Complexity: O(rows + bytes of the span and parent id dictionaries), expected.
    public static func parentRows(_ table: EventTable, fields: SpanFields) -> [Int32] {
        var out = [Int32](repeating: -1, count: table.count)
        guard let parent = table.column(fields.parent) else { return out }
        guard let span = table.column(fields.span) else {
            for row in 0..<table.count where parent.codes[row] != 0 { out[row] = -2 }
            return out
        }
        let trace = table.column(fields.trace)
        let parentToSpan = TextCodeMap.map(from: parent.dictionary, to: span.dictionary)
        // The row of each span id; a span id met again in another trace goes to `overflow`.
        var rowOfSpan = [Int32](repeating: -1, count: span.valueCount + 1)
        var overflow: [UInt64: Int32] = [:]
        @inline(__always) func traceCode(_ row: Int) -> UInt32 { trace.map { $0.codes[row] } ?? 0 }
        for row in 0..<table.count {
            let s = Int(span.codes[row])
            guard s != 0 else { continue }
            let first = rowOfSpan[s]
            if first < 0 {
                rowOfSpan[s] = Int32(row)
            } else if traceCode(Int(first)) != traceCode(row) {
                let key = UInt64(traceCode(row)) << 32 | UInt64(s)
                if overflow[key] == nil { overflow[key] = Int32(row) }
            }
        }
        for row in 0..<table.count {
            let p = Int(parent.codes[row])
            guard p != 0 else { continue }
            let s = Int(parentToSpan[p])
            guard s != 0 else { out[row] = -2; continue }
            let candidate = rowOfSpan[s], t = traceCode(row)
            if candidate >= 0 && traceCode(Int(candidate)) == t {
                out[row] = candidate
            } else {
                out[row] = overflow[UInt64(t) << 32 | UInt64(s)] ?? -2
            }
        }
        return out
    }

    /// The map of the spans of `table` in `scope`.
    /// - Complexity: O(rows) plus the join (O(bytes of the span and parent id dictionaries))
    ///   and expected O(spans) for the percentiles.
    public static func build(_ table: EventTable, fields: SpanFields, scope: Scope) -> ServiceMap {
        var accumulator = ServiceMapAccumulator(fields: fields)
        accumulator.addSpans(table)
        accumulator.finishSpans()
        accumulator.addCalls(table, rows: scope.rows(in: table))
        return accumulator.map()
    }
}

extension ServiceMap {
    /// The name of the derived field holding each span's parent's service.
    public static let parentServiceField = "parent.service.name"

    /// A column of `table` holding the service of each span's parent (absent for roots and
    /// spans whose parent is not in the table), named ``parentServiceField``: the filter
    /// `parent.service.name = A` with `service.name = B` selects the calls of the edge A → B.
    /// - Complexity: O(rows) plus the join of ``parentRows(_:fields:)``.
    public static func parentServiceColumn(_ table: EventTable, fields: SpanFields) -> Column {
        guard let service = table.column(fields.service) else {
            return Column(name: parentServiceField, codes: .u8([UInt8](repeating: 0, count: table.count)), dictionary: ValueDictionary())
        }
        let parents = parentRows(table, fields: fields)
        var codes = CodeArray(capacityFor: service.valueCount)
        codes.reserveCapacity(table.count)
        for row in 0..<table.count {
            let p = parents[row]
            codes.append(p >= 0 ? service.codes[Int(p)] : 0)
        }
        return Column(name: parentServiceField, codes: codes, dictionary: service.dictionary)
    }
}
