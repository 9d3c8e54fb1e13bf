import Foundation
import Testing
import KilnCore
@testable import KilnStore

/// A fresh store file per test, removed afterwards.
struct TempStore: ~Copyable {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-test-\(UUID().uuidString).db").path
    }
    deinit {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

/// Varied events: every kind, absent fields, unicode, huge and tiny numbers, sample rates.
func variedEvents(_ n: Int, seed: UInt64 = 1) -> [Event] {
    var rng = seed
    func next() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    let strings = ["GET", "POST", "ünïcödé", "emoji 🚀", "", "tab\there", "quote\"", "\u{1b}[31mred", "a\u{202e}b"]
    return (0..<n).map { i in
        var fields: [Field] = [Field("request.id", .string("req-\(i)-\(next() % 1000)"))]
        if next() % 3 != 0 { fields.append(Field("http.method", .string(strings[Int(next() % UInt64(strings.count))]))) }
        if next() % 2 == 0 { fields.append(Field("status", .int(Int64([200, 404, 500][Int(next() % 3)])))) }
        if next() % 2 == 0 { fields.append(Field("duration_ms", .float(Double(next() % 100_000) / 7.0))) }
        if next() % 5 == 0 { fields.append(Field("flag", .bool(next() % 2 == 0))) }
        if next() % 7 == 0 { fields.append(Field("mixed", next() % 2 == 0 ? .int(Int64.max) : .string("9223372036854775807"))) }
        if next() % 11 == 0 { fields.append(Field("tiny", .float(5e-324))) }
        if next() % 13 == 0 { fields.append(Field("neg", .int(Int64.min))) }
        return Event(timestamp: 1_700_000_000_000_000_000 + Int64(i) * 1_000_000 + Int64(next() % 1000),
                     sampleRate: next() % 10 == 0 ? Int64(next() % 100 + 2) : 1, fields: fields)
    }
}

@Suite struct StoreRoundTripTests {
    @Test func everyEventReadsBackWholeWithTypes() throws {
        let store = TempStore()
        let events = variedEvents(5_000)
        let writer = try StoreWriter(path: store.path, dataset: "web", now: 0)
        // Several commits of uneven size, so dictionaries grow across chunks.
        for slice in [0..<1, 1..<700, 700..<701, 701..<5_000] {
            writer.append(events[slice])
            try writer.commit()
        }
        let loaded = try StoreReader(path: store.path).load(dataset: "web")
        #expect(loaded.table.count == events.count)
        for (row, event) in events.enumerated() {
            let back = loaded.table.event(at: row)
            #expect(back.timestamp == event.timestamp)
            #expect(back.sampleRate == event.sampleRate)
            #expect(Set(back.fields) == Set(event.fields), "row \(row)")
        }
    }

    @Test func refreshLoadsOnlyWhatIsNew() throws {
        let store = TempStore()
        let events = variedEvents(3_000, seed: 7)
        let writer = try StoreWriter(path: store.path, dataset: "d", now: 0)
        writer.append(events[0..<1_000])
        try writer.commit()
        let reader = try StoreReader(path: store.path)
        var loaded = try reader.load(dataset: "d")
        #expect(loaded.table.count == 1_000)
        #expect(try reader.refresh(&loaded) == 0)
        writer.append(events[1_000..<3_000])
        try writer.commit()
        #expect(try reader.refresh(&loaded) == 2_000)
        var reference = EventTableBuilder()
        reference.append(events)
        for row in [0, 999, 1_000, 2_999] {
            #expect(Set(loaded.table.event(at: row).fields) == Set(events[row].fields))
        }
        #expect(loaded.table.count == 3_000)
    }

    @Test func twoWritersShareDictionaries() throws {
        let store = TempStore()
        let a = try StoreWriter(path: store.path, dataset: "d", now: 0)
        let b = try StoreWriter(path: store.path, dataset: "d", now: 0)
        let events = variedEvents(2_000, seed: 3)
        for (i, slice) in [0..<500, 500..<1_000, 1_000..<1_500, 1_500..<2_000].enumerated() {
            let w = i % 2 == 0 ? a : b
            w.append(events[slice])
            try w.commit()
        }
        let loaded = try StoreReader(path: store.path).load(dataset: "d")
        #expect(loaded.table.count == 2_000)
        for row in stride(from: 0, to: 2_000, by: 37) {
            #expect(Set(loaded.table.event(at: row).fields) == Set(events[row].fields), "row \(row)")
        }
    }

    @Test func tenThousandDistinctFieldsThenTheLimit() throws {
        let store = TempStore()
        let writer = try StoreWriter(path: store.path, dataset: "wide", now: 0)
        #expect(writer.maxFields == 10_000)
        writer.append((0..<10_000).map { Event(timestamp: Int64($0), fields: [Field("f\($0)", .int(Int64($0))), Field("common", .string("x"))]) })
        try writer.commit()
        let reader = try StoreReader(path: store.path)
        let fields = try reader.fields(dataset: "wide")
        // `common` and f0...f9998 fill the 10,000 fields; f9999 is dropped, its event kept.
        #expect(fields.count == 10_000)
        #expect(fields.first?.name == "common")
        #expect(fields.first?.present == 10_000)
        #expect(writer.droppedValues == 1 && writer.droppedNames == 1)
        let loaded = try reader.load(dataset: "wide")
        #expect(loaded.table.columns.count == 10_000)
        #expect(loaded.table.event(at: 9_998)["f9998"] == .int(9_998))
        #expect(loaded.table.event(at: 9_999)["f9999"] == nil)
        #expect(loaded.table.event(at: 9_999)["common"] == .string("x"))
        // A later writer (another process) holds the same limit; a higher one takes more.
        let later = try StoreWriter(path: store.path, dataset: "wide", now: 0)
        later.append([Event(timestamp: 1, fields: [Field("late", .int(1))])])
        try later.commit()
        #expect(later.droppedValues == 1)
        later.maxFields = 10_001
        later.append([Event(timestamp: 2, fields: [Field("late", .int(2))])])
        try later.commit()
        #expect(try reader.fields(dataset: "wide").count == 10_001)
    }

    @Test func datasetsAndFieldsDescribeTheData() throws {
        let store = TempStore()
        let writer = try StoreWriter(path: store.path, dataset: "web", now: 0)
        writer.append(variedEvents(1_000))
        try writer.commit()
        let other = try StoreWriter(path: store.path, dataset: "other", now: 0)
        other.append([Event(timestamp: 5, fields: [Field("x", .int(1))])])
        try other.commit()
        let reader = try StoreReader(path: store.path)
        let datasets = try reader.datasets()
        #expect(Set(datasets.map(\.name)) == ["web", "other"])
        let web = try #require(datasets.first { $0.name == "web" })
        #expect(web.events == 1_000)
        #expect(web.bytes > 0)
        let fields = try reader.fields(dataset: "web")
        let requestID = try #require(fields.first { $0.name == "request.id" })
        #expect(requestID.present == 1_000)
        #expect(requestID.kinds == [.string])
        let mixed = try #require(fields.first { $0.name == "mixed" })
        #expect(Set(mixed.kinds) == [.int, .string])
        #expect(throws: StoreError.self) { try reader.load(dataset: "nope") }
    }

    @Test func missingStoreIsAClearError() {
        #expect {
            _ = try StoreReader(path: "/nonexistent/dir/kiln.db")
        } throws: { error in
            "\(error)".contains("no Kiln store")
        }
    }
}
