// The libFuzzer entry point: one binary for every decoder target, picked by KILN_FUZZ_TARGET
// (honeycomb, otlp_protobuf, otlp_json, zipkin, body), so fuzz/run.sh builds once.
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) let fuzzTarget: (UnsafePointer<UInt8>, Int) -> CInt = {
    let name = getenv("KILN_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    switch name {
    case "honeycomb": return fuzzHoneycomb
    case "otlp_protobuf": return fuzzOTLPProtobuf
    case "otlp_json": return fuzzOTLPJSON
    case "zipkin": return fuzzZipkin
    case "body": return fuzzBody
    default:
        fputs("set KILN_FUZZ_TARGET to honeycomb, otlp_protobuf, otlp_json, zipkin or body\n", stderr)
        exit(2)
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // libFuzzer may pass a null pointer for the empty input.
    if size == 0 {
        var empty: UInt8 = 0
        return fuzzTarget(&empty, 0)
    }
    return fuzzTarget(data, size)
}
