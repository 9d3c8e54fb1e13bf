// libFuzzer targets: OTLP trace and log requests, in protobuf (ProtobufReader, OTLPProtobufDecoder)
// and in JSON (JSONValue, OTLPJSONDecoder), mapped to events (TelemetryMapper) and read back.

func fuzzOTLPProtobuf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOTLP(OTLPProtobufDecoder.self, data, size)
}

func fuzzOTLPJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOTLP(OTLPJSONDecoder.self, data, size)
}

private func fuzzOTLP<Decoder: OTLPDecoder>(_: Decoder.Type, _ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = UnsafeBufferPointer(start: data, count: size)
    var limits = IngestLimits()
    limits.maxEventsPerRequest = 1000
    let decoder = Decoder(limits: limits)
    let mapper = TelemetryMapper(limits: limits, dataset: nil, now: 1)
    func readBack(_ out: TelemetryMapper.Output) {
        for d in out.datasets { if let b = out.batches[d] { for row in 0..<b.count { _ = b.event(at: row) } } }
    }
    if let traces = try? decoder.decodeTraces(body) { readBack(mapper.map(traces)) }
    if let logs = try? decoder.decodeLogs(body) { readBack(mapper.map(logs)) }
    return 0
}
