import CZlib

/// Incremental gzip/zlib decompression (zlib's `inflate` with windowBits 15 + 32, which reads
/// either header), stopping with 413 as soon as the output passes a limit.
final class ZlibInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var ended = false
    private var sawInput = false
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    init() throws(ServerError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            stream.deallocate()
            throw ServerError(code: .storeFailure, message: "zlib could not start (code \(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// Inflates `chunk`, appending to `output`; throws 413 past `limit` output bytes and 400 on
    /// corrupt data.
    func inflate(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(ServerError) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        sawInput = true
        var offset = 0
        while offset < chunk.count {
            // avail_in is 32 bits: feed at most 1 GiB at a time.
            let piece = min(chunk.count - offset, 1 << 30)
            try inflatePiece(base + offset, piece, into: &output, limit: limit)
            offset += piece
        }
    }

    private func inflatePiece(_ p: UnsafeRawPointer, _ count: Int, into output: inout [UInt8], limit: Int) throws(ServerError) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: p.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            if ended {
                // Another gzip member after the first (concatenated gzip files are valid).
                guard stream.pointee.avail_in > 0 else { return }
                inflateReset(stream)
                ended = false
            }
            let capacity = scratch.count
            let (rc, produced): (Int32, Int) = scratch.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(capacity)
                let rc = CZlib.inflate(stream, Z_NO_FLUSH)
                return (rc, capacity - Int(stream.pointee.avail_out))
            }
            stream.pointee.next_out = nil
            stream.pointee.avail_out = 0
            if produced > 0 {
                guard output.count + produced <= limit else {
                    throw ServerError.tooLarge("the decompressed request body", limit: limit)
                }
                output.append(contentsOf: scratch[0..<produced])
            }
            switch rc {
            case Z_STREAM_END:
                ended = true
            case Z_OK:
                if stream.pointee.avail_in == 0 && produced < capacity { return }
            case Z_BUF_ERROR:
                // No progress possible: all input used, waiting for more.
                return
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "code \(rc)"
                throw ServerError.malformed("the compressed request body is corrupt: \(reason) (after \(stream.pointee.total_in) bytes)")
            }
        }
    }

    /// Ends the body: the compressed stream must be complete.
    func finish() throws(ServerError) {
        guard ended else {
            throw ServerError.malformed(sawInput ? "the compressed request body is truncated" : "the request body is empty but Content-Encoding says it is compressed")
        }
    }
}
