import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln serve --max-db-size` through the real binary on loopback: the limit holds with an id
/// in every event, the newest events stay, dictionaries of deleted events go, and a disk that
/// fills before the limit is recovered from.
@Suite(.serialized) struct SizeLimitCLITests {
    /// The slack documented in the README: the file and its -wal stay within the limit plus a
    /// tenth of it and 1 MB (the last commit before retention ran, and the write-ahead log).
    static func allowed(_ limit: Int64) -> Int64 { limit + limit / 10 + 1_000_000 }

    static func onDisk(_ db: String) -> Int64 {
        [db, db + "-wal"].reduce(Int64(0)) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0)
        }
    }

    /// A Honeycomb batch of `count` events at `time` (epoch seconds), each with a fresh 32-hex id.
    static func idBatch(_ count: Int, time: Double, tag: String) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let events = (0..<count).map { n -> String in
            let id = String(format: "%016llx%016llx", generator.next() as UInt64, generator.next() as UInt64)
            return #"{"time":\#(time),"data":{"id":"\#(id)","tag":"\#(tag)","n":\#(n)}}"#
        }
        return Array(("[" + events.joined(separator: ",") + "]").utf8)
    }

    static func health(_ port: Int) throws -> [String: Any] {
        let reply = try ServeHTTP.request(port: port, method: "GET", path: "/healthz")
        return (try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]) ?? [:]
    }

    @Test(.timeLimit(.minutes(3)))
    func theLimitHoldsWithAnIDInEveryEventAndTheNewestEventsStay() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let limit: Int64 = 5_000_000
        let server = try ServeProcess(db: db, extra: ["--max-db-size", "5MB"])
        defer { server.stop() }
        let now = Date().timeIntervalSince1970
        var largest: Int64 = 0
        // 150,000 events of the last two hours (well over the limit), then 5,000 of now.
        let deadline = Date().addingTimeInterval(120)
        for k in 0..<150 where Date() < deadline {
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/ids",
                                              headers: ["Content-Type": "application/json"],
                                              body: Self.idBatch(1_000, time: now - 7_200 + Double(k) * 40, tag: "old"))
            #expect(reply.status == 200)
            largest = max(largest, Self.onDisk(db))
        }
        for _ in 0..<5 {
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/ids",
                                              headers: ["Content-Type": "application/json"], body: Self.idBatch(1_000, time: now, tag: "new"))
            #expect(reply.status == 200)
            largest = max(largest, Self.onDisk(db))
        }
        let retention = try #require(try Self.health(server.port)["retention"] as? [String: Any])
        server.stop()
        #expect(largest <= Self.allowed(limit), "store and -wal reached \(largest) bytes under a limit of \(limit)")
        #expect(Self.onDisk(db) <= Self.allowed(limit))
        #expect((retention["deleted_events"] as? Int ?? 0) > 0, "\(retention)")
        #expect((retention["deleted_dictionary_values"] as? Int ?? 0) > 0, "the ids of deleted events went: \(retention)")
        #expect(retention["error"] == nil, "\(retention)")

        let recent = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "ids", "--since", "10m", "--calc", "COUNT", "--format", "json"]))
        #expect(((recent["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int) == 5_000, "every event of the last minutes is kept: \(recent)")
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let kept = try #require(((datasets["datasets"] as? [[String: Any]])?.first?["events"]) as? Int)
        #expect(kept >= 5_000 && kept < 155_000, "\(kept)")
        // The id dictionary holds the ids of the events kept, not of every event ever sent.
        let fields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", db, "--dataset", "ids", "--format", "json"]))
        let id = try #require((fields["fields"] as? [[String: Any]])?.first { $0["name"] as? String == "id" })
        #expect((id["distinct"] as? Int) == kept, "\(id)")
    }

    /// Mounts a tmpfs of `megabytes` at a new directory; nil unless root and mounts work.
    static func smallDisk(megabytes: Int) -> String? {
        guard getuid() == 0 else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-full-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", dir]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        p.waitUntilExit()
        return p.terminationStatus == 0 ? dir : nil
    }

    static func unmount(_ dir: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [dir]
        try? p.run()
        p.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }

    static let canMountTmpfs: Bool = {
        guard let dir = smallDisk(megabytes: 1) else { return false }
        unmount(dir)
        return true
    }()

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs that fills up"), .timeLimit(.minutes(3)))
    func aDiskThatFillsBeforeTheLimitIsReportedAndRecoveredFrom() throws {
        let disk = try #require(Self.smallDisk(megabytes: 16))
        defer { Self.unmount(disk) }
        let db = disk + "/k.db"
        let server = try ServeProcess(db: db, extra: ["--max-db-size", "100MB"])
        defer { server.stop() }
        let now = Date().timeIntervalSince1970
        // Fill the disk: the first refusal is the disk, far below the limit.
        var refused: (status: Int, health: [String: Any])?
        let deadline = Date().addingTimeInterval(90)
        var k = 0
        while refused == nil && Date() < deadline {
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/ids",
                                              headers: ["Content-Type": "application/json"],
                                              body: Self.idBatch(1_000, time: now - 3_600 + Double(k), tag: "old"))
            k += 1
            if reply.status != 200 { refused = (reply.status, try Self.health(server.port)) }
        }
        let (status, health) = try #require(refused, "the 16 MB disk filled up")
        #expect(status == 503, "a full disk is temporary for clients: they retry")
        let retention = try #require(health["retention"] as? [String: Any])
        #expect(retention["disk_full"] as? Bool == true, "\(health)")
        #expect((retention["error"] as? String)?.contains("the disk filled up") == true, "\(retention)")
        #expect(health["status"] as? String == "degraded")

        // Retention made room: new events go in again, and /healthz stops reporting the failure.
        var stored = false
        for _ in 0..<50 where !stored && Date() < deadline {
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/ids",
                                              headers: ["Content-Type": "application/json"], body: Self.idBatch(500, time: now, tag: "after"))
            stored = reply.status == 200
            if !stored { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(stored, "a batch sent after the disk filled is stored")
        let after = try #require(try Self.health(server.port)["retention"] as? [String: Any])
        #expect(after["disk_full"] as? Bool == false, "\(after)")
        #expect((after["deleted_events"] as? Int ?? 0) > 0, "\(after)")
        server.stop()
        let recent = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "ids", "--since", "10m",
                                                             "--where", "tag = after", "--calc", "COUNT", "--format", "json"]))
        #expect(((recent["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int) == 500, "\(recent)")
    }

    /// The shape that used to stall: a disk of 8 MB under `--max-db-size 50MB`, events with an
    /// id each (the dictionary of ids is most of the store), sent well past what the disk holds.
    /// Each time the disk fills, the server answers 503 and /healthz says disk_full; retention
    /// deletes the oldest events and rebuilds the dictionary within the room left, and events
    /// go in again. Before, the rebuild waited for room for twice the old dictionary, which a
    /// small disk never had: after one or two recoveries every request got 503 for good.
    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs that fills up"), .timeLimit(.minutes(4)))
    func aSmallDiskKeepsRecoveringAsEventsKeepComing() throws {
        let disk = try #require(Self.smallDisk(megabytes: 8))
        defer { Self.unmount(disk) }
        let db = disk + "/k.db"
        let server = try ServeProcess(db: db, extra: ["--max-db-size", "50MB"])
        defer { server.stop() }
        let now = Date().timeIntervalSince1970
        // 300 batches of 1,000 ids: about 12 MB of ids alone, half again what the disk holds.
        let wanted = 300
        var accepted = 0, fillCycles = 0, refusedInRow = 0, longestRefusal = 0
        var refusalsWithoutDiskFull: [String] = []
        var otherStatuses: [Int] = []
        let deadline = Date().addingTimeInterval(180)
        while accepted < wanted && Date() < deadline {
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/ids",
                                              headers: ["Content-Type": "application/json"],
                                              body: Self.idBatch(1_000, time: now - 3_600 + Double(accepted), tag: "old"))
            if reply.status == 200 {
                accepted += 1
                refusedInRow = 0
                continue
            }
            if reply.status != 503 { otherStatuses.append(reply.status) }
            if refusedInRow == 0 {
                fillCycles += 1
                // Reported while it lasts.
                let retention = try Self.health(server.port)["retention"] as? [String: Any] ?? [:]
                if retention["disk_full"] as? Bool != true { refusalsWithoutDiskFull.append("\(retention)") }
            }
            refusedInRow += 1
            longestRefusal = max(longestRefusal, refusedInRow)
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(accepted == wanted, "accepted \(accepted) of \(wanted) batches; \(fillCycles) fills, longest run of refusals \(longestRefusal)")
        #expect(fillCycles >= 1, "the 8 MB disk filled up at least once")
        #expect(otherStatuses.isEmpty, "a full disk is a 503 (clients retry), got \(otherStatuses)")
        #expect(refusalsWithoutDiskFull.isEmpty, "/healthz reports the full disk while requests are refused: \(refusalsWithoutDiskFull)")

        // The newest batch is stored and the failure is no longer reported.
        var stored = false
        for _ in 0..<100 where !stored && Date() < deadline.addingTimeInterval(30) {
            let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/ids",
                                              headers: ["Content-Type": "application/json"], body: Self.idBatch(500, time: now, tag: "last"))
            stored = reply.status == 200
            if !stored { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(stored, "a batch sent after the last fill is stored")
        let after = try #require(try Self.health(server.port)["retention"] as? [String: Any])
        #expect(after["disk_full"] as? Bool == false, "\(after)")
        #expect((after["deleted_dictionary_values"] as? Int ?? 0) > 0, "ids of deleted events left the dictionary: \(after)")
        server.stop()
        let recent = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "ids", "--since", "10m",
                                                             "--where", "tag = last", "--calc", "COUNT", "--format", "json"]))
        #expect(((recent["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int) == 500, "\(recent)")
    }
}
