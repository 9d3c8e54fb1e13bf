// libFuzzer target: Zipkin v2 span lists (ZipkinDecoder, TelemetryMapper) and marker/route text.

func fuzzZipkin(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = UnsafeBufferPointer(start: data, count: size)
    var limits = IngestLimits()
    limits.maxEventsPerRequest = 1000
    if let traces = try? ZipkinDecoder(limits: limits).decode(body) {
        _ = TelemetryMapper(limits: limits, dataset: nil, now: 1).map(traces)
    }
    let text = String(decoding: body, as: UTF8.self)
    _ = try? IngestRoute.match(method: "POST", path: "/1/batch/" + text)
    _ = TimeValue.parse(text)
    _ = Telemetry.textID(text, bytes: 16, what: "id")
    _ = Telemetry.base64Decode(Array(body))
    return 0
}
