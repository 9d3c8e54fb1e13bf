import KilnCore

/// Where decoded rows and rejected lines go. The decoders parse a line into ``RowFields`` and
/// hand complete rows over, so a rejected line never reaches a sink.
///
/// Two sinks: ``DecodedBatch`` builds `Event`s; ``RawRowSink`` copies bytes into a `RawBatch`.
protocol RowSink {
    /// Takes a decoded row; `line` is the first byte its line-relative strings count from.
    mutating func addRow(_ row: borrowing RowFields, line: UnsafePointer<UInt8>?, names: borrowing FieldNameTable,
                         timestamp: Int64, sampleRate: Int64)
    /// Takes a rejected line.
    mutating func reject(_ rejection: Rejection)
    /// Counts a completed line (including empty and rejected lines).
    mutating func countLine()
}

extension DecodedBatch: RowSink {
    mutating func addRow(_ row: borrowing RowFields, line: UnsafePointer<UInt8>?, names: borrowing FieldNameTable,
                         timestamp: Int64, sampleRate: Int64) {
        events.append(Event(timestamp: timestamp, sampleRate: sampleRate, fields: row.fields(line: line, names: names)))
    }

    mutating func reject(_ rejection: Rejection) { rejections.append(rejection) }

    mutating func countLine() { lines += 1 }
}

/// Copies rows into a `RawBatch`: string bytes are copied once, names are mapped from the
/// decoder's name ids to the batch's ids through ``RawNameMap`` (no `String` per field).
struct RawRowSink: RowSink {
    var batch = RawBatch()
    var rejections: [Rejection] = []
    var map = RawNameMap()

    mutating func addRow(_ row: borrowing RowFields, line: UnsafePointer<UInt8>?, names: borrowing FieldNameTable,
                         timestamp: Int64, sampleRate: Int64) {
        if map.generation != names.generation { map.reset(generation: names.generation) }
        batch.beginRow()
        row.scratch.withUnsafeBufferPointer { scratch in
            for r in row.records {
                let id = map.batchID(Int(r.name), names: names, batch: &batch)
                switch r.kind {
                case ValueKind.int.rawValue: batch.addInt(name: id, Int64(bitPattern: r.payload))
                case ValueKind.float.rawValue: batch.addFloat(name: id, Double(bitPattern: r.payload))
                case ValueKind.bool.rawValue: batch.addBool(name: id, r.payload != 0)
                default:
                    let offset = Int(truncatingIfNeeded: r.payload), length = Int(r.length)
                    let base = r.inScratch ? scratch.baseAddress : line
                    if length > 0, let base {
                        batch.addString(name: id, bytes: UnsafeBufferPointer(start: base + offset, count: length))
                    } else {
                        batch.addString(name: id, bytes: UnsafeBufferPointer(start: nil, count: 0))
                    }
                }
            }
        }
        batch.endRow(timestamp: timestamp, sampleRate: sampleRate)
    }

    mutating func reject(_ rejection: Rejection) { rejections.append(rejection) }

    mutating func countLine() {}
}

/// Decoder name ids to the ids of one `RawBatch`, so a name is interned in a batch once and
/// then found by an array lookup.
///
/// The map belongs to one ``FieldNameTable`` state (its ``FieldNameTable/generation``) and one
/// batch: ``validate(against:)`` at the start of each decode call drops it when the caller
/// handed in a different batch (checked by name, so any batch is safe).
struct RawNameMap {
    /// Batch id per decoder name id; -1 when not mapped yet.
    private var ids: [Int32] = []
    /// The mapped names, to check a batch against.
    private var texts: [String] = []
    private var mapped: [Int32] = []
    private(set) var generation: UInt64 = .max

    /// Forgets every mapping (a new name table state).
    mutating func reset(generation: UInt64) {
        self.generation = generation
        clear()
    }

    private mutating func clear() {
        for id in mapped { ids[Int(id)] = -1 }
        mapped.removeAll(keepingCapacity: true)
    }

    /// Keeps the mappings only when `batch` still holds each mapped name at its mapped id.
    /// - Complexity: O(names mapped)
    mutating func validate(against batch: RawBatch) {
        for id in mapped {
            let b = Int(ids[Int(id)])
            guard b < batch.names.count, batch.names[b] == texts[Int(id)] else {
                clear()
                return
            }
        }
    }

    /// The batch id of decoder name `id`, interning it in `batch` when new.
    @inline(__always)
    mutating func batchID(_ id: Int, names: borrowing FieldNameTable, batch: inout RawBatch) -> Int {
        if id < ids.count {
            let b = ids[id]
            if b >= 0 { return Int(b) }
        } else {
            let more = id + 1 - ids.count
            ids.append(contentsOf: repeatElement(-1, count: more))
            texts.append(contentsOf: repeatElement("", count: more))
        }
        let text = names.names[id].text
        let b = batch.nameID(text)
        ids[id] = Int32(truncatingIfNeeded: b)
        texts[id] = text
        mapped.append(Int32(truncatingIfNeeded: id))
        return b
    }
}
