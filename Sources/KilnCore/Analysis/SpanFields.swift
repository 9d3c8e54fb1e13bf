/// The fields of a dataset that make its events spans: trace, span and parent ids, the
/// service, the duration and what marks an error.
///
/// Ingest stores the trace fields under Kiln's names whatever the source spelled them
/// (`TraceID`, `traceId`, `--trace-fields ...`: see `FieldRules.traceAliases`), so only the
/// duration varies: `duration_ms`, else a `duration_…` field whose name says its unit
/// (`duration_us` from `--trace-fields TraceID,SpanID,ParentID,Duration:us`).
public struct SpanFields: Sendable, Equatable {
    /// Trace id field.
    public var trace = FieldName.traceID
    /// Span id field.
    public var span = FieldName.spanID
    /// Parent span id field.
    public var parent = FieldName.parentID
    /// Service field.
    public var service = FieldName.serviceName
    /// Duration field, nil when the dataset has none.
    public var duration: String?
    /// Milliseconds per unit of ``duration``.
    public var millisecondsPerUnit = 1.0
    /// A boolean field true on errors (the explorer's trace view marks the same spans).
    public var errorFlag = "error"
    /// Status fields whose values of 500 and above are errors.
    public var errorStatus = ["http.response.status_code", "http.status_code"]

    /// The fields of a dataset whose field names are `names`.
    public static func resolve(_ names: [String]) -> SpanFields {
        var out = SpanFields()
        if names.contains(FieldName.duration) {
            out.duration = FieldName.duration
        } else if let name = names.first(where: { $0.lowercased().hasPrefix("duration") && millisecondsPerUnit($0) != nil }) {
            out.duration = name
            out.millisecondsPerUnit = millisecondsPerUnit(name) ?? 1
        }
        return out
    }

    /// Every field read to summarize spans (for a projected load).
    public var all: [String] {
        [trace, span, parent] + summary
    }

    /// The fields read for the services overview: service, error and duration (no ids).
    public var summary: [String] {
        [service, errorFlag] + errorStatus + (duration.map { [$0] } ?? [])
    }

    /// Milliseconds per unit of `field`, when its name ends in a time unit (`_ms`, `_us`, `_µs`,
    /// `_micros`, `_ns`, `_nanos`, `_s`, `_sec`, `_seconds`, ...); nil when it names none.
    public static func millisecondsPerUnit(_ field: String) -> Double? {
        let lower = field.lowercased()
        if field == "duration" { return 1 }
        let units: [(String, Double)] = [
            ("_ms", 1), ("_millis", 1), ("_milliseconds", 1),
            ("_us", 1e-3), ("_µs", 1e-3), ("_micros", 1e-3), ("_usec", 1e-3), ("_microseconds", 1e-3),
            ("_ns", 1e-6), ("_nanos", 1e-6), ("_nanoseconds", 1e-6),
            ("_s", 1000), ("_sec", 1000), ("_secs", 1000), ("_seconds", 1000),
        ]
        return units.first { lower.hasSuffix($0.0) }?.1
    }

    /// Per-row readers of these fields over one table.
    struct Readers {
        let service: Column?
        let duration: Column?
        let durations: [Double]
        let scale: Double
        let errorColumns: [(Column, [Bool])]

        /// Readers of `table`'s span fields; without `numbers`, no duration table is made
        /// (``milliseconds(_:)`` is NaN), for callers that keep duration codes.
        init(_ fields: SpanFields, table: EventTable, numbers: Bool = true) {
            service = table.column(fields.service)
            duration = fields.duration.flatMap { table.column($0) }
            durations = numbers ? duration.map { $0.hasNumbers ? $0.dictionary.numberTable() : [] } ?? [] : []
            scale = fields.millisecondsPerUnit
            var errors: [(Column, [Bool])] = []
            // One verdict per distinct value, so each row costs a table look-up per field.
            if let c = table.column(fields.errorFlag) {
                let d = c.dictionary
                errors.append((c, (0...d.count).map { code in code > 0 && d.value(code) == .bool(true) }))
            }
            for name in fields.errorStatus {
                guard let c = table.column(name) else { continue }
                let numbers = c.dictionary.numberTable()
                errors.append((c, numbers.map { $0 >= 500 }))
            }
            errorColumns = errors
        }

        /// The duration of `row` in milliseconds, NaN when absent or not a number.
        @inline(__always) func milliseconds(_ row: Int) -> Double {
            guard let duration, !durations.isEmpty else { return .nan }
            return durations[Int(duration.codes[row])] * scale
        }

        /// Per row of a table of `count` rows: true when it is an error.
        /// - Complexity: O(count) per error field.
        func errorFlags(count: Int) -> [Bool] {
            var out = [Bool](repeating: false, count: count)
            for (c, verdicts) in errorColumns where verdicts.contains(true) {
                let codes = c.codes.widened
                out.withUnsafeMutableBufferPointer { o in
                    verdicts.withUnsafeBufferPointer { v in
                        for row in 0..<count where v[Int(codes[row])] { o[row] = true }
                    }
                }
            }
            return out
        }

        /// True when `row` is an error.
        @inline(__always) func isError(_ row: Int) -> Bool {
            for (c, verdicts) in errorColumns where verdicts[Int(c.codes[row])] { return true }
            return false
        }
    }
}
