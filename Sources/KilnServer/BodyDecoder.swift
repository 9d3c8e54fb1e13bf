import KilnIngest

/// Turns a request body as sent (`Content-Encoding` gzip, deflate, zstd or none) into the bytes
/// it stands for, chunk by chunk as they arrive, holding both sizes to their limits: a body
/// that inflates past ``IngestLimits/maxDecodedBytes`` is refused as soon as it gets there,
/// without ever holding more than that limit plus one output block in memory.
final class BodyDecoder {
    private enum Engine {
        case identity
        case zlib(GzipInflater)
        case zstd(ZstdInflater)
    }

    private let engine: Engine
    private let limits: IngestLimits
    private(set) var received = 0
    private(set) var output: [UInt8] = []

    /// The encodings understood, for error messages.
    static let supported = "gzip, deflate, zstd, identity"

    /// A decoder for the `Content-Encoding` header value `encoding` (nil: none); 415 when the
    /// encoding is unknown (or zstd without libzstd on the machine).
    init(encoding: String?, limits: IngestLimits) throws(ServerError) {
        self.limits = limits
        let name = (encoding ?? "").trimmingSpaces().lowercased()
        switch name {
        case "", "identity": engine = .identity
        case "gzip", "x-gzip", "deflate":
            do { engine = .zlib(try GzipInflater(limit: limits.maxDecodedBytes, blockSize: 64 * 1024)) } catch { throw Self.serverError(error) }
        case "zstd":
            guard let z = ZstdInflater() else {
                throw ServerError(code: .unsupportedEncoding, message: "Content-Encoding zstd is not available here (libzstd.so.1 not found); use gzip")
            }
            engine = .zstd(z)
        default:
            throw ServerError(code: .unsupportedEncoding, message: "unsupported Content-Encoding \"\(name.prefix(40))\"; supported: \(Self.supported)")
        }
    }

    /// Takes the next piece of the body.
    func feed(_ chunk: UnsafeRawBufferPointer) throws(ServerError) {
        received += chunk.count
        guard received <= limits.maxBodyBytes else { throw ServerError.tooLarge("the request body", limit: limits.maxBodyBytes) }
        switch engine {
        case .identity: output.append(contentsOf: chunk)
        case .zlib(let z):
            do { try z.inflate(chunk) { output.append(contentsOf: $0) } } catch { throw Self.serverError(error) }
        case .zstd(let z): try z.decompress(chunk, into: &output, limit: limits.maxDecodedBytes)
        }
    }

    /// Ends the body; throws when a compressed stream was cut short.
    func finish() throws(ServerError) -> [UInt8] {
        switch engine {
        case .identity: break
        case .zlib(let z):
            guard z.isComplete else {
                throw ServerError.malformed(z.sawInput ? "the compressed request body is truncated" : "the request body is empty but Content-Encoding says it is compressed")
            }
        case .zstd(let z): try z.finish()
        }
        return output
    }

    /// The answer to a failed gzip/deflate body: 413 past the limit, 400 when corrupt.
    private static func serverError(_ error: CompressionError) -> ServerError {
        switch error.code {
        case .cannotStart: return ServerError(code: .storeFailure, message: "zlib could not start (code \(error.zlibCode))")
        case .tooLarge: return ServerError.tooLarge("the decompressed request body", limit: error.limit)
        case .corrupt:
            let reason = error.zlibMessage ?? "code \(error.zlibCode)"
            return ServerError.malformed("the compressed request body is corrupt: \(reason) (after \(error.inputOffset) bytes)")
        }
    }

    /// Decodes a whole body at once.
    static func decode(_ body: [UInt8], encoding: String?, limits: IngestLimits) throws(ServerError) -> [UInt8] {
        let decoder = try BodyDecoder(encoding: encoding, limits: limits)
        try body.withUnsafeBufferPointer { (b) throws(ServerError) in try decoder.feed(UnsafeRawBufferPointer(b)) }
        return try decoder.finish()
    }
}
