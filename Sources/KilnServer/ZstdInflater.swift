#if canImport(Glibc)
import KilnIngest
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Incremental zstd decompression through the system's libzstd, loaded at run time with
/// `dlopen` (its shared library is on nearly every Linux system, its headers often not), with
/// the output held to a limit and the window to 8 MiB. Nil when libzstd cannot be loaded.
final class ZstdInflater {
    /// zstd's `ZSTD_inBuffer` and `ZSTD_outBuffer`: a pointer, a size and a position.
    private struct Buffer {
        var pointer: UnsafeMutableRawPointer?
        var size: Int
        var pos: Int
    }

    private typealias Create = @convention(c) () -> OpaquePointer?
    private typealias Free = @convention(c) (OpaquePointer?) -> Int
    private typealias SetParameter = @convention(c) (OpaquePointer?, Int32, Int32) -> Int
    private typealias Decompress = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int
    private typealias IsError = @convention(c) (Int) -> UInt32
    private typealias ErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?

    private struct Library: @unchecked Sendable {
        let create: Create
        let free: Free
        let setParameter: SetParameter
        let decompress: Decompress
        let isError: IsError
        let errorName: ErrorName
    }

    private static let library: Library? = {
        guard let handle = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libzstd.so", RTLD_NOW | RTLD_LOCAL) else { return nil }
        func symbol<T>(_ name: String, _: T.Type) -> T? {
            guard let s = dlsym(handle, name) else { return nil }
            return unsafeBitCast(s, to: T.self)
        }
        guard let create = symbol("ZSTD_createDCtx", Create.self), let free = symbol("ZSTD_freeDCtx", Free.self),
              let setParameter = symbol("ZSTD_DCtx_setParameter", SetParameter.self),
              let decompress = symbol("ZSTD_decompressStream", Decompress.self),
              let isError = symbol("ZSTD_isError", IsError.self), let errorName = symbol("ZSTD_getErrorName", ErrorName.self)
        else { return nil }
        return Library(create: create, free: free, setParameter: setParameter, decompress: decompress, isError: isError, errorName: errorName)
    }()

    /// True when libzstd could be loaded.
    static var isAvailable: Bool { library != nil }

    private let lib: Library
    private let context: OpaquePointer
    private var frameComplete = false
    private var sawInput = false
    private var scratch = [UInt8](repeating: 0, count: 128 * 1024)

    init?() {
        guard let lib = Self.library, let context = lib.create() else { return nil }
        self.lib = lib
        self.context = context
        // ZSTD_d_windowLogMax (100): refuse frames that need a window above 8 MiB.
        _ = lib.setParameter(context, 100, 23)
    }

    deinit { _ = lib.free(context) }

    /// Decompresses `chunk`, appending to `output`; 413 past `limit`, 400 on corrupt data.
    func decompress(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws(ServerError) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        sawInput = true
        var input = Buffer(pointer: UnsafeMutableRawPointer(mutating: base), size: chunk.count, pos: 0)
        while true {
            let capacity = scratch.count
            let (rc, produced): (Int, Int) = scratch.withUnsafeMutableBytes { out in
                var outBuffer = Buffer(pointer: out.baseAddress, size: capacity, pos: 0)
                let rc = withUnsafeMutablePointer(to: &outBuffer) { o in
                    withUnsafeMutablePointer(to: &input) { i in lib.decompress(context, UnsafeMutableRawPointer(o), UnsafeMutableRawPointer(i)) }
                }
                return (rc, outBuffer.pos)
            }
            if lib.isError(rc) != 0 {
                let name = lib.errorName(rc).map { String(cString: $0) } ?? "error \(rc)"
                throw ServerError.malformed("the zstd request body is corrupt: \(name)")
            }
            if produced > 0 {
                guard output.count + produced <= limit else {
                    throw ServerError.tooLarge("the decompressed request body", limit: limit)
                }
                output.append(contentsOf: scratch[0..<produced])
            }
            frameComplete = rc == 0
            if input.pos >= input.size && produced < capacity { return }
        }
    }

    /// Ends the body: the last frame must be complete.
    func finish() throws(ServerError) {
        guard sawInput, frameComplete else {
            throw ServerError.malformed(sawInput ? "the zstd request body is truncated" : "the request body is empty but Content-Encoding says zstd")
        }
    }
}
