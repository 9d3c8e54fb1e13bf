import CZlib

/// Streaming gzip and zlib decompression (zlib's `inflate` with windowBits 15 + 32, which reads
/// either header), for `.gz` files and pipes and for compressed HTTP request bodies.
///
/// Input may come in pieces of any size (one byte at a time works); concatenated gzip members
/// (as `cat a.gz b.gz` makes) are read one after another. Output stops with an error as soon as
/// it would pass `limit` bytes (a decompression bomb guard), before the sink sees those bytes.
public final class GzipInflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let block: UnsafeMutablePointer<UInt8>
    private let blockSize: Int
    private var ended = false
    /// Stop with an error once more than this many bytes would come out.
    public let limit: Int
    /// Bytes produced so far.
    public private(set) var produced = 0
    /// True once any compressed byte was given to ``inflate(_:_:)``.
    public private(set) var sawInput = false

    /// True when `bytes` start with the gzip magic number.
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// A new inflater; `limit` caps the decompressed size, `blockSize` is the most handed to the
    /// sink at once.
    public init(limit: Int = Int.max, blockSize: Int = 1 << 18) throws(CompressionError) {
        self.limit = limit
        self.blockSize = max(blockSize, 1024)
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        block = .allocate(capacity: self.blockSize)
        // 15 + 32: a window of 32 KiB, and detect gzip or zlib headers automatically.
        let rc = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else {
            block.deallocate()
            stream.deallocate()
            throw CompressionError(code: .cannotStart, message: "cannot start gzip decompression (zlib error \(rc))", zlibCode: rc)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        block.deallocate()
    }

    /// Decompresses `input`, calling `sink` with each piece of output (valid only during the call).
    /// - Complexity: O(input + output)
    public func inflate(_ input: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) -> Void) throws(CompressionError) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        sawInput = true
        var offset = 0
        while offset < input.count {
            // avail_in is 32 bits: feed at most 1 GiB at a time.
            let piece = min(input.count - offset, 1 << 30)
            try inflatePiece(base + offset, piece, sink)
            offset += piece
        }
    }

    private func inflatePiece(_ p: UnsafeRawPointer, _ count: Int, _ sink: (UnsafeRawBufferPointer) -> Void) throws(CompressionError) {
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
            stream.pointee.next_out = block
            stream.pointee.avail_out = UInt32(blockSize)
            let rc = CZlib.inflate(stream, Z_NO_FLUSH)
            let n = blockSize - Int(stream.pointee.avail_out)
            stream.pointee.next_out = nil
            stream.pointee.avail_out = 0
            if n > 0 {
                guard n <= limit - produced else {
                    throw CompressionError(code: .tooLarge, message: "decompressed data exceeds \(limit) bytes", limit: limit)
                }
                produced += n
                sink(UnsafeRawBufferPointer(start: block, count: n))
            }
            switch rc {
            case Z_STREAM_END:
                ended = true
            case Z_OK:
                // A full block may leave output pending even when all input is taken: go on.
                if stream.pointee.avail_in == 0 && n < blockSize { return }
            case Z_BUF_ERROR:
                // No progress possible: all input used, waiting for more.
                return
            default:
                let zlibMessage = stream.pointee.msg.map { String(cString: $0) }
                throw CompressionError(code: .corrupt, message: "corrupt gzip data: \(zlibMessage ?? "zlib error \(rc)")",
                                       zlibCode: rc, zlibMessage: zlibMessage, inputOffset: Int(stream.pointee.total_in))
            }
        }
    }

    /// True when the last member ended cleanly (false means the data was cut short, or none came).
    public var isComplete: Bool { ended }
}

/// Decompression failed: it could not start, the data is corrupt, or it is over the size limit.
public struct CompressionError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public enum Code: Sendable, Equatable {
        /// zlib could not be initialised.
        case cannotStart
        /// The compressed data is invalid.
        case corrupt
        /// The output passed ``GzipInflater/limit``.
        case tooLarge
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, as shown to users.
    public let message: String
    /// zlib's return code, for `cannotStart` and `corrupt`.
    public var zlibCode: Int32 = 0
    /// zlib's own description of the corruption, when it gave one.
    public var zlibMessage: String?
    /// For `corrupt`: compressed bytes zlib had read of the current member when it failed.
    public var inputOffset = 0
    /// For `tooLarge`: the limit that was passed.
    public var limit = 0

    /// The text shown to users.
    public var description: String { message }
}
