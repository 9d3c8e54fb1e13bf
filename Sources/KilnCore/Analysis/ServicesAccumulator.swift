/// `kiln services` folded part by part: the parts of a scope (batches of chunks of a streamed
/// read, coded against the dataset's dictionaries, see ``Rollup``) are added one after the
/// other, and ``report()`` gives the answer the whole scope gives in memory.
///
/// Memory: per service, its counts and sparkline, and its durations folded into distinct
/// values with their weights (``DurationFold``): at most about twice the distinct durations of
/// the service plus `foldSlack` entries of 12 bytes per window, whatever the number of spans.
public struct ServicesAccumulator {
    /// What is asked.
    public let request: ServicesRequest
    private let fields: SpanFields
    private let foldSlack: Int

    private struct Side {
        var stats = ServiceStats()
        var durations: DurationFold
    }

    private struct Acc {
        var current: Side
        var previous: Side
        var series: [Double]
    }

    private var slotOf: [Int32] = []
    private var accs: [Acc] = []
    private var codes: [UInt32] = []
    /// The largest dictionaries seen (the last part's hold every value of the earlier ones).
    private var services: ValueDictionary?
    private var durations: ValueDictionary?

    /// An empty accumulator; durations are folded past `foldSlack` entries per service and window.
    public init(fields: SpanFields, request: ServicesRequest, foldSlack: Int = .max / 4) {
        self.fields = fields
        self.request = request
        self.foldSlack = foldSlack
    }

    /// The scope whose rows ``add(_:rows:)`` takes: both windows, the request's filters.
    public var scope: Scope { Scope(from: request.previousFrom, to: request.to, filters: request.filters) }

    /// Folds in the rows `rows` (in ``scope``) of `table`.
    /// - Complexity: O(rows), plus O(dictionary) for the error verdicts.
    public mutating func add(_ table: EventTable, rows: RowSet) {
        let readers = SpanFields.Readers(fields, table: table, numbers: false)
        guard let service = readers.service else { return }
        if service.valueCount > services?.count ?? -1 { services = service.dictionary }
        if let d = readers.duration, d.valueCount > durations?.count ?? -1 { durations = d.dictionary }
        if slotOf.count <= service.valueCount { slotOf += [Int32](repeating: -1, count: service.valueCount + 1 - slotOf.count) }
        let buckets = request.buckets, span = request.to &- request.from
        let serviceCodes = service.codes.widened
        let durationCodes = readers.duration?.codes.widened ?? [UInt32](repeating: 0, count: table.count)
        let errors = readers.errorFlags(count: table.count)
        let rates = table.sampleRates
        rows.withIDs { ids in
            for k in 0..<rows.count {
                let row = ids.map { Int($0[k]) } ?? k
                let code = serviceCodes[row]
                guard code != 0 else { continue }
                var slot = Int(slotOf[Int(code)])
                if slot < 0 {
                    slot = accs.count
                    slotOf[Int(code)] = Int32(slot)
                    accs.append(Acc(current: Side(durations: DurationFold(slack: foldSlack)), previous: Side(durations: DurationFold(slack: foldSlack)),
                                    series: [Double](repeating: 0, count: buckets)))
                    codes.append(code)
                }
                let rate = rates.isEmpty ? 1 : rates[row]
                let w = Double(rate), t = table.timestamps[row]
                let error = errors[row]
                let duration = durationCodes[row]
                if t >= request.from {
                    accs[slot].current.stats.spans += 1
                    accs[slot].current.stats.count += w
                    if error { accs[slot].current.stats.errors += w }
                    accs[slot].current.durations.add(code: duration, weight: rate)
                    if buckets > 0 {
                        let b = Int(Double(t &- request.from) / Double(span) * Double(buckets))
                        accs[slot].series[min(buckets - 1, max(0, b))] += w
                    }
                } else {
                    accs[slot].previous.stats.spans += 1
                    accs[slot].previous.stats.count += w
                    if error { accs[slot].previous.stats.errors += w }
                    accs[slot].previous.durations.add(code: duration, weight: rate)
                }
            }
        }
    }

    /// The answer for everything added.
    /// - Complexity: expected O(durations held) for the percentiles.
    public func report() -> ServicesReport {
        let numbers = durations?.numberTable() ?? []
        var out: [ServiceSummary] = []
        for (slot, acc) in accs.enumerated() {
            guard let name = services?.value(Int(codes[slot]))?.text else { continue }
            var sides = [acc.current, acc.previous]
            for k in sides.indices {
                let p = sides[k].durations.percentiles([500, 950, 990], numbers: numbers, scale: fields.millisecondsPerUnit)
                sides[k].stats.p50 = p[0]
                sides[k].stats.p95 = p[1]
                sides[k].stats.p99 = p[2]
            }
            // A service seen only in the previous window is gone now: rate 0, listed so its fall shows.
            out.append(ServiceSummary(name: name, current: sides[0].stats, previous: sides[1].stats, series: acc.series))
        }
        out.sort { a, b in a.current.count != b.current.count ? a.current.count > b.current.count : a.name < b.name }
        return ServicesReport(request: request, services: out)
    }
}
