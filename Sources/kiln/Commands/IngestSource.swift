import Foundation
import KilnCore
import KilnIngest
import KilnStore

/// Counters of one `kiln ingest` run.
final class IngestStats {
    static let shownRejections = 20
    var events = 0
    var rejected = 0
    var bytes = 0
    let started = Clock.monotonic()
    var elapsed: Double { Clock.monotonic() - started }
}

/// Progress on stderr, only when stderr is a terminal.
final class Progress {
    private let stats: IngestStats
    private let enabled = isatty(STDERR_FILENO) != 0
    private var last = 0.0
    private var shown = false

    init(stats: IngestStats) { self.stats = stats }

    func tick() {
        guard enabled else { return }
        let now = Clock.monotonic()
        guard now - last >= 0.5 else { return }
        last = now
        let rate = Double(stats.events) / max(stats.elapsed, 0.001)
        printProgress("\r\u{1b}[K\(Text.bytes(Int64(stats.bytes))) read, \(Text.grouped(stats.events)) events (\(Text.grouped(Int64(rate)))/s), \(Text.grouped(stats.rejected)) rejected")
        shown = true
    }

    func finish() {
        if shown { printProgress("\r\u{1b}[K") }
    }

    private func printProgress(_ s: String) {
        FileHandle.standardError.write(s.data(using: .utf8) ?? Data())
    }
}

/// Reads one file (or stdin) through the decoder into the store, optionally following it.
struct IngestSource {
    let path: String
    let format: InputFormat
    let options: DecodeOptions
    let writer: StoreWriter
    let stats: IngestStats
    let progress: Progress

    private var displayName: String { path == "-" ? "<stdin>" : path }

    func run(follow: Bool) throws {
        var fd: Int32 = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw IngestFailure("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var identity = Self.identity(fd)
        var offset: Int64 = 0
        var decoder = IngestDecoder(format: format, options: options)
        var batch = DecodedBatch()
        var lastCommit = Clock.monotonic()
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }

        func drain() throws {
            for r in batch.rejections {
                stats.rejected += 1
                if stats.rejected <= IngestStats.shownRejections {
                    printError("\(displayName):\(r.line): \(Sanitize.line(r.reason))")
                }
            }
            stats.events += batch.events.count
            writer.append(batch.events)
            batch.events.removeAll(keepingCapacity: true)
            batch.rejections.removeAll(keepingCapacity: true)
            let now = Clock.monotonic()
            if writer.pendingCount >= EventStore.chunkRows || (writer.pendingCount > 0 && now - lastCommit >= 1.0) {
                try writer.commit()
                lastCommit = now
            }
            progress.tick()
        }

        while true {
            if StopSignal.isSet { break }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 250)
            if ready == 0 {
                if writer.pendingCount > 0 { try writer.commit(); lastCommit = Clock.monotonic() }
                continue
            }
            let n = read(fd, buffer.baseAddress, bufferSize)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw IngestFailure("\(displayName): read failed: \(String(cString: strerror(errno)))")
            }
            if n > 0 {
                offset += Int64(n)
                stats.bytes += n
                decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), into: &batch)
                try drain()
                continue
            }
            // End of the data for now.
            guard follow, path != "-" else { break }
            if writer.pendingCount > 0 { try writer.commit(); lastCommit = Clock.monotonic() }
            usleep(100_000)
            var st = stat()
            if stat(path, &st) == 0 {
                if (UInt64(st.st_dev), UInt64(st.st_ino)) != identity {
                    // Rotated: finish the old file, then read the new one from its start.
                    decoder.finish(into: &batch)
                    try drain()
                    let newFD = open(path, O_RDONLY)
                    if newFD >= 0 {
                        close(fd)
                        fd = newFD
                        identity = Self.identity(fd)
                        offset = 0
                        decoder = IngestDecoder(format: format, options: DecodeOptions(timestampField: options.timestampField, now: Clock.nowNanos()))
                    }
                } else if Int64(st.st_size) < offset {
                    // Truncated in place: start over from the beginning.
                    lseek(fd, 0, SEEK_SET)
                    offset = 0
                    decoder.finish(into: &batch)
                    try drain()
                    decoder = IngestDecoder(format: format, options: DecodeOptions(timestampField: options.timestampField, now: Clock.nowNanos()))
                }
            }
        }
        decoder.finish(into: &batch)
        try drain()
        try writer.commit()
    }

    private static func identity(_ fd: Int32) -> (UInt64, UInt64) {
        var st = stat()
        fstat(fd, &st)
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }
}

/// A failure that ends reading one input.
struct IngestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
