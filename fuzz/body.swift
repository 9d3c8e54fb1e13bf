// libFuzzer target: request bodies through gzip and zstd decompression (BodyDecoder), in pieces.

func fuzzBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    var limits = IngestLimits()
    limits.maxDecodedBytes = 1 << 20
    let encoding = data[0] & 1 == 0 ? "gzip" : "zstd"
    let piece = Int(data[0] >> 1) + 1
    guard let decoder = try? BodyDecoder(encoding: encoding, limits: limits) else { return 0 }
    var offset = 1
    while offset < size {
        let n = min(piece, size - offset)
        if (try? decoder.feed(UnsafeRawBufferPointer(start: data + offset, count: n))) == nil { return 0 }
        offset += n
    }
    _ = try? decoder.finish()
    return 0
}
