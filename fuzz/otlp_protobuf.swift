// libFuzzer target: OTLP protobuf trace and log requests (ProtobufReader, OTLPProtobufDecoder, TelemetryMapper).

func fuzzOTLPProtobuf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = UnsafeBufferPointer(start: data, count: size)
    var limits = IngestLimits()
    limits.maxEventsPerRequest = 1000
    var decoder = OTLPProtobufDecoder(limits: limits)
    let mapper = TelemetryMapper(limits: limits, dataset: nil, now: 1)
    if let traces = try? decoder.decodeTraces(body) {
        let out = mapper.map(traces)
        for d in out.datasets { if let b = out.batches[d] { for row in 0..<b.count { _ = b.event(at: row) } } }
    }
    if let logs = try? decoder.decodeLogs(body) {
        _ = mapper.map(logs)
    }
    return 0
}
