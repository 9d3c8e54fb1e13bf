import CZlib

/// Streaming gzip (and zlib) decompression, for `.gz` files and pipes.
///
/// Concatenated gzip members (as `cat a.gz b.gz` makes) are read one after another.
public final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false
    private let output: UnsafeMutablePointer<UInt8>
    private let outputSize = 1 << 18
    /// Stop with an error once this many bytes have come out (a decompression bomb guard).
    public let limit: Int
    /// Bytes produced so far.
    public private(set) var produced = 0

    /// True when `bytes` start with the gzip magic number.
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// A new inflater; `limit` caps the decompressed size.
    public init(limit: Int = Int.max) throws(CompressionError) {
        self.limit = limit
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(capacity: outputSize)
        // 15 + 32: a window of 32 KiB, and detect gzip or zlib headers automatically.
        let rc = inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            output.deallocate()
            stream.deallocate()
            throw CompressionError(message: "cannot start gzip decompression (zlib error \(rc))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// Decompresses `input`, calling `sink` with each piece of output.
    public func inflate(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) -> Void) throws(CompressionError) {
        guard input.count > 0, let base = input.baseAddress else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        while stream.pointee.avail_in > 0 {
            if finished {
                // Another gzip member follows.
                inflateReset(stream)
                finished = false
            }
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(outputSize)
            let rc = CZlib.inflate(stream, Z_NO_FLUSH)
            let n = outputSize - Int(stream.pointee.avail_out)
            if n > 0 {
                produced += n
                if produced > limit {
                    throw CompressionError(message: "decompressed data exceeds \(limit) bytes")
                }
                sink(UnsafeRawBufferPointer(start: output, count: n))
            }
            switch rc {
            case Z_OK, Z_BUF_ERROR: continue
            case Z_STREAM_END: finished = true
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw CompressionError(message: "corrupt gzip data: \(reason)")
            }
        }
    }

    /// True when the last member ended cleanly (false means the data was cut short).
    public var isComplete: Bool { finished }
}

/// Decompression failed: corrupt data or over the size limit.
public struct CompressionError: Error, CustomStringConvertible, Sendable {
    /// What went wrong.
    public let message: String
    /// The text shown to users.
    public var description: String { message }
}
