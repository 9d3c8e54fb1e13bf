/// Events held column by column in memory: what every analysis runs over.
///
/// Rows are in arrival order (not sorted by time). Each field is a ``Column`` of dictionary
/// codes; the event time and the sample rate are plain arrays.
public struct EventTable: Sendable, Equatable {
    /// Number of events.
    public internal(set) var count: Int = 0
    /// Event time per row, nanoseconds since the epoch.
    public internal(set) var timestamps: [Int64] = []
    /// Sample rate per row; empty while every event so far has rate 1.
    public internal(set) var sampleRates: [UInt32] = []
    /// The fields, in first-seen order.
    public internal(set) var columns: [Column] = []
    /// Column position by field name.
    public private(set) var columnIndex: [String: Int] = [:]

    /// Rows the table expects to hold (set by ``reserveCapacity(_:)``).
    var capacityHint = 0

    /// An empty table.
    public init() {}

    /// Tables are equal when they hold the same events the same way (capacity aside).
    public static func == (a: EventTable, b: EventTable) -> Bool {
        a.count == b.count && a.timestamps == b.timestamps && a.sampleRates == b.sampleRates && a.columns == b.columns
    }

    /// Makes room for `rows` rows in all, so that appending blocks copies each code once.
    public mutating func reserveCapacity(_ rows: Int) {
        guard rows > capacityHint else { return }
        capacityHint = rows
        timestamps.reserveCapacity(rows)
        if !sampleRates.isEmpty { sampleRates.reserveCapacity(rows) }
        for i in columns.indices { columns[i].codes.reserveCapacity(rows) }
    }

    /// The column of field `name`.
    public func column(_ name: String) -> Column? {
        columnIndex[name].map { columns[$0] }
    }

    /// The sample rate of `row` (1 unless set).
    @inlinable public func sampleRate(_ row: Int) -> Int64 {
        sampleRates.isEmpty ? 1 : Int64(sampleRates[row])
    }

    /// True when some event stands for more than one (counts must be weighted).
    public var isSampled: Bool { !sampleRates.isEmpty }

    /// Event `row` rebuilt whole (fields in column order).
    public func event(at row: Int) -> Event {
        var fields: [Field] = []
        for column in columns {
            if let v = column.value(at: row) { fields.append(Field(column.name, v)) }
        }
        return Event(timestamp: timestamps[row], sampleRate: sampleRate(row), fields: fields)
    }

    /// Appends a block of rows whose columns are already coded (builders and the in-memory tail;
    /// the store loads through ``appendRows(_:fill:)``).
    ///
    /// `columns` maps field names to codes for exactly `timestamps.count` rows, coded against
    /// the field's dictionary; fields not named get absent codes.
    /// `dictionaries` extends each named field's dictionary first (new codes only).
    public mutating func appendBlock(timestamps newTimes: [Int64], sampleRates newRates: [UInt32]?,
                                     dictionaries: [String: ValueDictionary],
                                     columns blockColumns: [String: CodeArray]) {
        let n = newTimes.count
        for (name, extra) in dictionaries where extra.count > 0 {
            columns[ensureColumn(name)].appendValues(extra)
        }
        for (name, codes) in blockColumns {
            let i = ensureColumn(name)
            precondition(codes.count == n, "block column \(name) has \(codes.count) rows, expected \(n)")
            if columns[i].codes.count == 0 && count == 0 && capacityHint <= n {
                columns[i].codes = codes
                continue
            }
            var target = columns[i].codes
            columns[i].codes = .u8([])
            target.append(contentsOf: codes)
            columns[i].codes = target
        }
        appendRates(newRates, rows: n)
        timestamps.append(contentsOf: newTimes)
        count += n
        for i in columns.indices where columns[i].codes.count < count {
            columns[i].codes.appendAbsent(count - columns[i].codes.count)
        }
    }

    private mutating func appendRates(_ rates: [UInt32]?, rows n: Int) {
        if let rates, rates.contains(where: { $0 != 1 }) {
            if sampleRates.isEmpty { sampleRates = [UInt32](repeating: 1, count: count) }
            sampleRates.append(contentsOf: rates)
        } else if !sampleRates.isEmpty {
            sampleRates.append(contentsOf: repeatElement(1, count: n))
        }
    }

    mutating func ensureColumn(_ name: String) -> Int {
        if let i = columnIndex[name] { return i }
        // A new field starts absent from every row: sparse, until values make it dense.
        let codes = CodeArray.sparse(SparseCodes(count: count))
        columns.append(Column(name: name, codes: codes, dictionary: ValueDictionary()))
        columnIndex[name] = columns.count - 1
        return columns.count - 1
    }
}

/// Builds an ``EventTable`` from ``Event`` values (tests, benchmarks, and the live tail).
public struct EventTableBuilder: Sendable {
    /// The table built so far.
    public private(set) var table = EventTable()
    private var encoders: [String: DictionaryEncoder] = [:]

    /// An empty builder.
    public init() {}

    /// Appends events as new rows.
    /// - Complexity: O(total fields)
    public mutating func append<S: Sequence>(_ events: S) where S.Element == Event {
        var times: [Int64] = []
        var rates: [UInt32] = []
        var codes: [String: [UInt32]] = [:]
        var before: [String: Int] = [:]
        var row = 0
        for event in events {
            times.append(event.timestamp)
            rates.append(UInt32(clamping: event.sampleRate))
            for field in event.fields {
                if encoders[field.name] == nil { encoders[field.name] = DictionaryEncoder() }
                if before[field.name] == nil { before[field.name] = encoders[field.name]!.dictionary.count }
                let c = encoders[field.name]!.code(for: field.value)
                codes[field.name, default: []].append(contentsOf: repeatElement(0, count: row - (codes[field.name]?.count ?? 0)))
                codes[field.name]!.append(c)
            }
            row += 1
        }
        var blockColumns: [String: CodeArray] = [:]
        var dictionaries: [String: ValueDictionary] = [:]
        for (name, var list) in codes {
            list.append(contentsOf: repeatElement(0, count: row - list.count))
            let dict = encoders[name]!.dictionary
            var array = CodeArray(capacityFor: dict.count)
            for c in list { array.append(c) }
            blockColumns[name] = array
            dictionaries[name] = dict.suffix(from: before[name]! + 1)
        }
        table.appendBlock(timestamps: times, sampleRates: rates, dictionaries: dictionaries, columns: blockColumns)
    }
}

extension EventTable {
    /// Bytes held by the table's arrays: codes, dictionaries, and times with sample rates.
    public var memoryFootprint: (codes: Int, dictionaries: Int, times: Int) {
        var codes = 0, dictionaries = 0
        for column in columns {
            codes += column.codes.byteCount
            dictionaries += column.valueBytes
        }
        return (codes, dictionaries, timestamps.count * 8 + sampleRates.count * 4)
    }
}

extension EventTable {
    /// This table with `column` added (or in place of the column of the same name): a field
    /// derived at read time. `column` holds a code per row.
    public func adding(_ column: Column) -> EventTable {
        precondition(column.codes.count == count, "derived column \(column.name) has \(column.codes.count) rows, expected \(count)")
        var out = self
        if let i = out.columnIndex[column.name] {
            out.columns[i] = column
        } else {
            out.columns.append(column)
            out.columnIndex[column.name] = out.columns.count - 1
        }
        return out
    }
}
