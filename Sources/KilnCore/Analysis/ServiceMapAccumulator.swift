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
        let n = table.count, zeros = [UInt32](repeating: 0, count: 0)
        let spanCodes = span.codes.widened
        let serviceCodes = table.column(fields.service)?.codes.widened ?? zeros
        let traceCodes = table.column(fields.trace)?.codes.widened ?? zeros
        // Held in locals while the rows are scanned: one owner each, no copy on write.
        var firstTrace = spanTrace, firstService = spanService, again = overflow
        spanTrace = []
        spanService = []
        overflow = [:]
        if firstTrace.count <= span.valueCount {
            let grow = span.valueCount + 1 - firstTrace.count
            firstTrace += [UInt32](repeating: 0, count: grow)
            firstService += [UInt32](repeating: 0, count: grow)
        }
        for row in 0..<n {
            let s = Int(spanCodes[row])
            guard s != 0 else { continue }
            let t = traceCodes.isEmpty ? 0 : traceCodes[row]
            let first = firstTrace[s]
            if first == 0 {
                firstTrace[s] = t &+ 1
                firstService[s] = serviceCodes.isEmpty ? 0 : serviceCodes[row]
            } else if first != t &+ 1 {
                let key = UInt64(t) << 32 | UInt64(s)
                if again[key] == nil { again[key] = serviceCodes.isEmpty ? 0 : serviceCodes[row] }
            }
        }
        spanTrace = firstTrace
        spanService = firstService
        overflow = again
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
        let n = table.count
        let parentCodes = table.column(fields.parent)?.codes.widened ?? [UInt32](repeating: 0, count: n)
        let traceCodes = table.column(fields.trace)?.codes.widened ?? [UInt32](repeating: 0, count: n)
        let serviceCodes = service.codes.widened
        let durationCodes = readers.duration?.codes.widened ?? [UInt32](repeating: 0, count: n)
        let errors = readers.errorFlags(count: n)
        let rates = table.sampleRates
        // The slot of each (caller, callee) by their codes, in a square table while services
        // are few (a hash look-up per call otherwise).
        let side = service.valueCount + 1
        var dense = [Int32](repeating: -1, count: side * side <= 1 << 20 ? side * side : 0)
        for (key, slot) in slotOf where !dense.isEmpty { dense[Int(key >> 32) * side + Int(key & 0xFFFF_FFFF)] = Int32(slot) }
        rows.withIDs { ids in
            for k in 0..<rows.count {
                let row = ids.map { Int($0[k]) } ?? k
                let rate = rates.isEmpty ? 1 : rates[row]
                let p = Int(parentCodes[row])
                let to = serviceCodes[row]
                if p == 0 {
                    roots[Int(to)] += Double(rate)
                    continue
                }
                let s = p < parentToSpan.count ? Int(parentToSpan[p]) : 0
                let t = traceCodes[row]
                let from: UInt32
                if s != 0 && spanTrace[s] == t &+ 1 {
                    from = spanService[s]
                } else if s != 0, let other = overflow[UInt64(t) << 32 | UInt64(s)] {
                    from = other
                } else {
                    orphans += 1
                    continue
                }
                guard from != 0, to != 0, from != to else { continue }
                let key = UInt64(from) << 32 | UInt64(to)
                let at = dense.isEmpty ? -1 : Int(from) * side + Int(to)
                var slot = at >= 0 ? Int(dense[at]) : slotOf[key] ?? -1
                if slot < 0 {
                    slot = accs.count
                    slotOf[key] = slot
                    if at >= 0 { dense[at] = Int32(slot) }
                    accs.append(Acc(durations: DurationFold(slack: foldSlack)))
                    keys.append((from, to))
                }
                accs[slot].spans += 1
                accs[slot].calls += Double(rate)
                if errors[row] { accs[slot].errors += Double(rate) }
                accs[slot].durations.add(code: durationCodes[row], weight: rate)
            }
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
