/// The service map read in two passes over the parts of a scope (batches of chunks of a
/// streamed read, coded against the dataset's dictionaries, see ``Rollup``), giving the map the
/// whole scope gives in memory (``ServiceMap/build(_:fields:scope:)``).
///
/// The spans of a trace arrive in different parts, so a first pass (``addSpans(_:)``) keeps,
/// per span id, the service and trace of the first span with that id (and of later ones in
/// other traces); the second (``addCalls(_:rows:)``) finds each child's parent there and
/// counts the edges.
///
/// Memory: 8 bytes per distinct span id (its service and trace codes), 16 more per span id met
/// again in another trace, 4 per distinct parent id (its span code), and per edge its counts
/// and durations folded into distinct values (``DurationFold``), besides the dictionaries of
/// the id fields the reader holds.
public struct ServiceMapAccumulator {
    private let fields: SpanFields
    private let foldSlack: Int

    // First pass.
    /// Per span code: the trace code of its first span plus one (0: not met).
    private var spanTrace: [UInt32] = []
    /// Per span code: the service code of its first span.
    private var spanService: [UInt32] = []
    /// (trace code, span code) → service code, for span ids met again in another trace.
    private var overflow: [UInt64: UInt32] = [:]
    private var spanDictionary: ValueDictionary?
    private var parentDictionary: ValueDictionary?
    /// Per parent code, the span code with the same id (0: none); set by ``finishSpans()``.
    private var parentToSpan: [UInt32] = []

    // Second pass.
    private struct Acc {
        var spans = 0, calls = 0.0, errors = 0.0
        var durations: DurationFold
    }
    private var slotOf: [UInt64: Int] = [:]
    private var accs: [Acc] = []
    private var keys: [(UInt32, UInt32)] = []
    private var roots: [Double] = []
    private var orphans = 0
    private var services: ValueDictionary?
    private var durations: ValueDictionary?

    /// An empty accumulator; durations are folded past `foldSlack` entries per edge.
    public init(fields: SpanFields, foldSlack: Int = .max / 4) {
        self.fields = fields
        self.foldSlack = foldSlack
    }

    /// The fields the first pass reads.
    public static func spanFields(_ fields: SpanFields) -> [String] { [fields.trace, fields.span, fields.parent, fields.service] }

    /// The first pass: every row of `table` (in the time window or not, whatever the filters),
    /// a part read after the previous ones.
    /// - Complexity: O(rows), expected.
    public mutating func addSpans(_ table: EventTable) {
        if let parent = table.column(fields.parent), parent.valueCount > parentDictionary?.count ?? -1 { parentDictionary = parent.dictionary }
        guard let span = table.column(fields.span) else { return }
        if span.valueCount > spanDictionary?.count ?? -1 { spanDictionary = span.dictionary }
        let service = table.column(fields.service), trace = table.column(fields.trace)
        if spanTrace.count <= span.valueCount {
            let grow = span.valueCount + 1 - spanTrace.count
            spanTrace += [UInt32](repeating: 0, count: grow)
            spanService += [UInt32](repeating: 0, count: grow)
        }
        for row in 0..<table.count {
            let s = Int(span.codes[row])
            guard s != 0 else { continue }
            let t = trace.map { $0.codes[row] } ?? 0
            let first = spanTrace[s]
            if first == 0 {
                spanTrace[s] = t &+ 1
                spanService[s] = service.map { $0.codes[row] } ?? 0
            } else if first != t &+ 1 {
                let key = UInt64(t) << 32 | UInt64(s)
                if overflow[key] == nil { overflow[key] = service.map { $0.codes[row] } ?? 0 }
            }
        }
    }

    /// Ends the first pass: matches parent ids with span ids (and lets their texts go).
    /// - Complexity: O(bytes of the span and parent id dictionaries), expected.
    public mutating func finishSpans() {
        if let parentDictionary, let spanDictionary {
            parentToSpan = TextCodeMap.map(from: parentDictionary, to: spanDictionary)
        }
        parentDictionary = nil
        spanDictionary = nil
    }

    /// The second pass: the rows `rows` (in scope) of `table`, a part read after the previous
    /// ones, after ``finishSpans()``.
    /// - Complexity: O(rows), expected, plus O(dictionary) for the error verdicts.
    public mutating func addCalls(_ table: EventTable, rows: RowSet) {
        let readers = SpanFields.Readers(fields, table: table, numbers: false)
        guard let service = readers.service else { return }
        if service.valueCount > services?.count ?? -1 { services = service.dictionary }
        if let d = readers.duration, d.valueCount > durations?.count ?? -1 { durations = d.dictionary }
        if roots.count <= service.valueCount { roots += [Double](repeating: 0, count: service.valueCount + 1 - roots.count) }
        let parent = table.column(fields.parent), trace = table.column(fields.trace)
        let durationCodes = readers.duration?.codes
        rows.forEachID { id in
            let row = Int(id)
            let rate = table.sampleRates.isEmpty ? 1 : table.sampleRates[row]
            let p = Int(parent.map { $0.codes[row] } ?? 0)
            let to = service.codes[row]
            if p == 0 {
                roots[Int(to)] += Double(rate)
                return
            }
            let s = p < parentToSpan.count ? Int(parentToSpan[p]) : 0
            let t = trace.map { $0.codes[row] } ?? 0
            let from: UInt32
            if s != 0 && spanTrace[s] == t &+ 1 {
                from = spanService[s]
            } else if s != 0, let other = overflow[UInt64(t) << 32 | UInt64(s)] {
                from = other
            } else {
                orphans += 1
                return
            }
            guard from != 0, to != 0, from != to else { return }
            let key = UInt64(from) << 32 | UInt64(to)
            let slot: Int
            if let known = slotOf[key] {
                slot = known
            } else {
                slot = accs.count
                slotOf[key] = slot
                accs.append(Acc(durations: DurationFold(slack: foldSlack)))
                keys.append((from, to))
            }
            accs[slot].spans += 1
            accs[slot].calls += Double(rate)
            if readers.isError(row) { accs[slot].errors += Double(rate) }
            accs[slot].durations.add(code: durationCodes?[row] ?? 0, weight: rate)
        }
    }

    /// The map of everything added.
    /// - Complexity: expected O(durations held) for the percentiles.
    public func map() -> ServiceMap {
        let numbers = durations?.numberTable() ?? []
        let name = { (code: UInt32) in code == 0 ? nil : services?.value(Int(code))?.text }
        var edges: [ServiceEdge] = []
        for (slot, acc) in accs.enumerated() {
            guard let from = name(keys[slot].0), let to = name(keys[slot].1) else { continue }
            let p = acc.durations.percentiles([500, 990], numbers: numbers, scale: fields.millisecondsPerUnit)
            edges.append(ServiceEdge(from: from, to: to, spans: acc.spans, calls: acc.calls, errors: acc.errors, p50: p[0], p99: p[1]))
        }
        edges.sort { a, b in a.calls != b.calls ? a.calls > b.calls : (a.from, a.to) < (b.from, b.to) }
        var entries: [(String, Double)] = []
        for code in roots.indices where code > 0 && roots[code] > 0 {
            if let n = name(UInt32(code)) { entries.append((n, roots[code])) }
        }
        entries.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return ServiceMap(edges: edges, entries: entries.map(\.0), orphans: orphans)
    }
}
