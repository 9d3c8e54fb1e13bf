import Foundation
import KilnCore
import KilnIngest
import KilnStore

/// Counters of one `kiln ingest` run.
final class IngestStats {
    static let shownRejections = 20
    /// Events decoded from the input.
    var events = 0
    /// Events committed to the store (what a summary reports as ingested).
    var stored = 0
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

/// What the reading thread hands to the writing thread.
enum IngestItem: Sendable {
    case rows(RawBatch, rejections: [Rejection], bytes: Int)
    case failed(String)
    /// Something the user should know that did not stop reading (events without a time).
    case warning(String)
    case end
}

/// A small blocking queue between the reading/decoding thread and the store writer, so that
/// decoding and coding+writing run on the two cores at once.
final class IngestQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [IngestItem] = []
    private var ended = false
    /// Batches waiting: two chunks (~45 MB each for 600-byte lines) keep the writer busy.
    private let capacity = 2

    func put(_ item: IngestItem) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(item)
        if case .end = item { ended = true }
        condition.broadcast()
        condition.unlock()
    }

    /// True once the reader has put its last item: it decodes no more.
    var isDoneReading: Bool {
        condition.lock()
        defer { condition.unlock() }
        return ended
    }

    /// The next item, or nil when none came within `timeout` seconds.
    func take(timeout: Double) -> IngestItem? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while items.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }
}

/// Reads one file (or stdin) through the decoder into the store, optionally following it.
struct IngestSource {
    let path: String
    let format: InputFormat
    let options: DecodeOptions
    let writer: any EventSink
    let stats: IngestStats
    let progress: Progress

    private var displayName: String { path == "-" ? "<stdin>" : path }

    func run(follow: Bool) throws {
        try consume(try start(follow: follow))
    }

    /// Opens the input and starts reading and decoding it on a thread of its own; its batches
    /// wait (two at most) in the queue returned until ``consume(_:)`` writes them. Starting the
    /// next file before writing this one keeps both cores busy across files.
    func start(follow: Bool) throws -> IngestQueue {
        let fd: Int32 = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw IngestFailure("\(path): cannot open: \(String(cString: strerror(errno)))") }
        let queue = IngestQueue()
        let reader = FileReader(path: path, displayName: displayName, fd: fd, format: format, options: options, follow: follow && path != "-")
        let thread = Thread { reader.run(into: queue) }
        thread.stackSize = 8 << 20
        thread.start()
        return queue
    }

    /// Writes what the reader started by ``start(follow:)`` decodes, until it ends;
    /// `between` runs after each item (to start readers of the inputs to come).
    func consume(_ queue: IngestQueue, between: () -> Void = {}) throws {
        var lastCommit = Clock.monotonic()
        var failure: String?
        loop: while true {
            between()
            guard let item = queue.take(timeout: 0.25) else {
                if writer.pendingCount > 0 { stats.stored += try writer.commit(); lastCommit = Clock.monotonic() }
                continue
            }
            switch item {
            case .rows(let batch, let rejections, let bytes):
                for r in rejections {
                    stats.rejected += 1
                    if stats.rejected <= IngestStats.shownRejections {
                        printError("\(displayName):\(r.line): \(Sanitize.line(r.reason))")
                    }
                }
                stats.events += batch.count
                stats.bytes += bytes
                writer.append(batch)
                let now = Clock.monotonic()
                if writer.pendingCount >= EventStore.chunkRows || (writer.pendingCount > 0 && now - lastCommit >= 1.0) {
                    stats.stored += try writer.commit()
                    lastCommit = now
                }
                progress.tick()
            case .failed(let message):
                failure = message
            case .warning(let message):
                printError("kiln ingest: warning: \(Sanitize.line(message))")
            case .end:
                break loop
            }
        }
        stats.stored += try writer.commit()
        if let failure { throw IngestFailure(failure) }
    }
}

/// Starts the readers of files of lines ahead of the one being written, so that two files
/// decode while one is written, whatever their sizes: the next file's reader starts as soon as
/// fewer than two readers are decoding. Each started reader holds at most its queue's two
/// batches, and at most ``maxAhead`` files are started ahead of the one being written.
final class Readahead {
    static let decoding = 2
    static let maxAhead = 3
    private let inputs: [String]
    private let eligible: (Int) -> Bool
    private let source: (Int) -> IngestSource
    private var started: [Int: IngestQueue] = [:]

    /// `eligible(k)`: input k is a file of lines that may be read ahead (not stdin, not followed).
    init(inputs: [String], eligible: @escaping (Int) -> Bool, source: @escaping (Int) -> IngestSource) {
        self.inputs = inputs
        self.eligible = eligible
        self.source = source
    }

    /// The queue of input `k`: its reader started ahead, or started now.
    func queue(_ k: Int) throws -> IngestQueue {
        if let q = started.removeValue(forKey: k) { return q }
        return try source(k).start(follow: false)
    }

    /// Starts readers of the inputs after `k` (whose reader is `current`) while fewer than
    /// ``decoding`` are decoding. An input that cannot be opened is left to fail in its turn.
    func pump(after k: Int, current: IngestQueue) {
        guard eligible(k) else { return }
        var busy = (current.isDoneReading ? 0 : 1) + started.values.filter { !$0.isDoneReading }.count
        var j = k + 1
        while busy < Self.decoding, j < inputs.count, j <= k + Self.maxAhead, eligible(j) {
            if started[j] == nil {
                guard let q = try? source(j).start(follow: false) else { return }
                started[j] = q
                busy += 1
            }
            j += 1
        }
    }
}

/// The reading side: reads, follows and decodes, handing rows over in batches.
final class FileReader: @unchecked Sendable {
    let path: String
    let displayName: String
    var fd: Int32
    let format: InputFormat
    let options: DecodeOptions
    let follow: Bool

    init(path: String, displayName: String, fd: Int32, format: InputFormat, options: DecodeOptions, follow: Bool) {
        self.path = path
        self.displayName = displayName
        self.fd = fd
        self.format = format
        self.options = options
        self.follow = follow
    }

    /// Rows per hand-over: one store chunk, so the writer takes each batch as its pending chunk
    /// without copying it (16,384-row hand-overs were appended to the pending rows, a copy
    /// that cost the writer thread, the slower of the two, ~10% of its time).
    static let handOverRows = EventStore.chunkRows

    func run(into queue: IngestQueue) {
        defer {
            if fd != STDIN_FILENO { close(fd) }
            queue.put(.end)
        }
        var identity = Self.identity(fd)
        var offset: Int64 = 0
        var decoder = IngestDecoder(format: format, options: options)
        var raw = RawBatch()
        var rejections: [Rejection] = []
        var bytes = 0
        var inflater: GzipInflater?
        var firstRead = true
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }

        // The decoder writes rows straight into `raw` (no `Event` per line); `collect` hands
        // them over once there are enough.
        func collect(force: Bool) {
            if raw.count >= Self.handOverRows || rejections.count >= Self.handOverRows || (force && (raw.count > 0 || !rejections.isEmpty || bytes > 0)) {
                queue.put(.rows(raw, rejections: rejections, bytes: bytes))
                raw = RawBatch()
                rejections = []
                bytes = 0
            }
        }

        while !StopSignal.isSet {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 250) == 0 {
                // A pause in the input: rows held back to decide the field types go out now.
                decoder.flush(into: &raw, rejections: &rejections)
                collect(force: true)
                continue
            }
            let n = read(fd, buffer.baseAddress, bufferSize)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                collect(force: true)
                queue.put(.failed("\(displayName): read failed: \(String(cString: strerror(errno)))"))
                return
            }
            if n > 0 {
                offset += Int64(n)
                bytes += n
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                if firstRead {
                    firstRead = false
                    if GzipInflater.isGzip(chunk) {
                        do { inflater = try GzipInflater() } catch {
                            queue.put(.failed("\(displayName): \(error)"))
                            return
                        }
                    }
                }
                if let inflater {
                    do {
                        try inflater.inflate(chunk) { decoder.decode($0, into: &raw, rejections: &rejections) }
                    } catch {
                        collect(force: true)
                        queue.put(.failed("\(displayName): \(error) (after \(offset) compressed bytes)"))
                        return
                    }
                } else {
                    decoder.decode(chunk, into: &raw, rejections: &rejections)
                }
                collect(force: false)
                continue
            }
            // End of the data for now.
            guard follow else { break }
            decoder.flush(into: &raw, rejections: &rejections)
            collect(force: true)
            usleep(100_000)
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            let rotated = (UInt64(st.st_dev), UInt64(st.st_ino)) != identity
            let truncated = Int64(st.st_size) < offset
            if rotated || truncated {
                // Finish the old content, then read the new file (or the truncated one) from its start.
                decoder.finish(into: &raw, rejections: &rejections)
                collect(force: true)
                warnAboutTimes(decoder, queue: queue)
                if rotated {
                    let newFD = open(path, O_RDONLY)
                    guard newFD >= 0 else { continue }
                    close(fd)
                    fd = newFD
                    identity = Self.identity(fd)
                } else {
                    lseek(fd, 0, SEEK_SET)
                }
                offset = 0
                var fresh = options
                fresh.now = Clock.nowNanos()
                decoder = IngestDecoder(format: format, options: fresh)
            }
        }
        decoder.finish(into: &raw, rejections: &rejections)
        collect(force: true)
        warnAboutTimes(decoder, queue: queue)
        if let inflater, !inflater.isComplete, !StopSignal.isSet {
            queue.put(.failed("\(displayName): gzip data ends early (the file is cut short)"))
        }
    }

    /// Warns once when events of this input had no time field and got the ingest time, naming
    /// the fields that look like times and the flag that picks one.
    private func warnAboutTimes(_ decoder: IngestDecoder, queue: IngestQueue) {
        let untimed = decoder.eventsWithoutTime
        guard untimed > 0 else { return }
        let looked = options.timestampField.map { "\"\($0)\"" } ?? DecodeOptions.defaultTimeFields.joined(separator: ", ")
        var message = "\(displayName): \(Text.grouped(untimed)) event\(untimed == 1 ? "" : "s") had no time field (looked for \(looked)) and got the ingest time"
        let candidates = decoder.timeLikeFields
        if !candidates.isEmpty {
            message += "; fields that look like times: \(candidates.prefix(8).joined(separator: ", ")); choose one with --timestamp-field \(candidates[0])"
        } else {
            message += "; choose the time field with --timestamp-field FIELD"
        }
        queue.put(.warning(message))
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
