// libFuzzer target: OTLP JSON trace and log requests (JSONValue, OTLPJSONDecoder, TelemetryMapper).

func fuzzOTLPJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = UnsafeBufferPointer(start: data, count: size)
    var limits = IngestLimits()
    limits.maxEventsPerRequest = 1000
    var decoder = OTLPJSONDecoder(limits: limits)
    let mapper = TelemetryMapper(limits: limits, dataset: nil, now: 1)
    if let traces = try? decoder.decodeTraces(body) { _ = mapper.map(traces) }
    if let logs = try? decoder.decodeLogs(body) { _ = mapper.map(logs) }
    return 0
}
