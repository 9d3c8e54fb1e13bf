// libFuzzer target: Honeycomb /1/batch and /1/events bodies (HoneycombDecoder, JSONReader).

func fuzzHoneycomb(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = UnsafeBufferPointer(start: data, count: size)
    var limits = IngestLimits()
    limits.maxFieldsPerEvent = 50
    limits.maxValueBytes = 300
    var decoder = HoneycombDecoder(limits: limits)
    var batch = RawBatch()
    if let results = try? decoder.decodeBatch(body, now: 1, into: &batch) {
        // Every accepted element is a row; every row reads back.
        precondition(results.filter { $0 == nil }.count == batch.count)
        for row in 0..<batch.count { _ = batch.event(at: row) }
    }
    var single = RawBatch()
    if (try? decoder.decodeEvent(body, timestamp: 1, sampleRate: 1, into: &single)) != nil {
        precondition(single.count == 1)
        _ = single.event(at: 0)
    }
    _ = try? JSONValue.parse(body, maxDepth: 64)
    return 0
}
