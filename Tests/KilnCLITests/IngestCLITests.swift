import Foundation
import Testing

@Suite(.serialized) struct IngestCLITests {
    @Test(.enabled(if: KilnBinary.realData != nil, "needs ../shared/realdata beside the checkout"))
    func ingestsRealAccessLog() throws {
        let realData = try #require(KilnBinary.realData)
        let dir = try TempDir()
        let db = dir.path("k.db")
        let log = realData.appendingPathComponent("apache-access-log/apache_logs").path
        let result = try KilnBinary.run(["ingest", "--db", db, "--dataset", "apache", log])
        #expect(result.status == 0, "\(result.stderr)")
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        let list = try #require(datasets["datasets"] as? [[String: Any]])
        #expect(list.first?["name"] as? String == "apache")
        #expect(list.first?["events"] as? Int == 10_000)
        let fields = try KilnBinary.json(try KilnBinary.run(["fields", "--db", db, "--dataset", "apache", "--format", "json"]))
        let names = (fields["fields"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("status"))
        #expect(names.contains("bytes"))
        let status = (fields["fields"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "status" }
        #expect(status?["types"] as? [String] == ["int"])
    }

    @Test func badLinesAreReportedAndGoodLinesKept() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let input = """
        {"time":"2024-05-01T12:00:00Z","a":1}
        {"time":"2024-05-01T12:00:01Z","a":
        not json at all
        {"time":"2024-05-01T12:00:02Z","a":3}

        """
        let result = try KilnBinary.run(["ingest", "--db", db, "--dataset", "d", "--format", "jsonl", "-"], stdin: Data(input.utf8))
        #expect(result.status == 1, "some lines rejected -> exit 1; stderr: \(result.stderr)")
        #expect(result.stderr.contains("<stdin>:2:"))
        #expect(result.stderr.contains("<stdin>:3:"))
        #expect(result.stderr.contains("2 lines rejected"))
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        #expect((datasets["datasets"] as? [[String: Any]])?.first?["events"] as? Int == 2)
    }

    @Test func unreadableFileFails() throws {
        let dir = try TempDir()
        let result = try KilnBinary.run(["ingest", "--db", dir.path("k.db"), dir.path("missing.jsonl")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("missing.jsonl: cannot open: No such file or directory"), "\(result.stderr)")
        // Nothing was made of it: no store, no empty dataset named after the file, no summary
        // of 0 events ingested.
        #expect(!FileManager.default.fileExists(atPath: dir.path("k.db")))
        #expect(!result.stderr.contains("ingested"), "\(result.stderr)")

        // Beside a readable file, the missing one is named and the other stored; exit 2.
        try Data(#"{"time":"2024-05-01T12:00:00Z","a":1}"#.utf8).write(to: URL(fileURLWithPath: dir.path("ok.jsonl")))
        let mixed = try KilnBinary.run(["ingest", "--db", dir.path("k.db"), "--dataset", "d", dir.path("missing.jsonl"), dir.path("ok.jsonl")])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("missing.jsonl: cannot open"), "\(mixed.stderr)")
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", dir.path("k.db"), "--format", "json"]))
        let list = try #require(datasets["datasets"] as? [[String: Any]])
        #expect(list.map { $0["name"] as? String } == ["d"])
        #expect(list.first?["events"] as? Int == 1)
    }

    /// Many inputs at once (files of lines read ahead of the one written, a missing file, an
    /// empty one, a bad line) store what ingesting them one by one stores: every event once,
    /// fields first seen in the same order, each bad line named by its own file and line.
    @Test func manyInputsStoreWhatOneByOneStores() throws {
        let dir = try TempDir()
        let sizes = [3, 2_000, 1, 0, 5_000, -1, 40, 700, 1]
        var inputs: [String] = []
        var seq = 0
        for (k, size) in sizes.enumerated() {
            let path = dir.path("f\(k).jsonl")
            inputs.append(path)
            guard size >= 0 else { continue }
            var text = ""
            for line in 1...max(1, size) where size > 0 {
                if k == 4 && line == 17 {
                    text += "{\"time\": broken\n"
                    continue
                }
                seq += 1
                text += "{\"time\":\(1_700_000_000 + seq),\"file\":\"f\(k)\",\"seq\":\(seq),\"only_f\(k)\":\(line)}\n"
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        let all = try KilnBinary.run(["ingest", "--db", dir.path("all.db"), "--dataset", "d"] + inputs)
        #expect(all.status == 2, "\(all.stderr)")
        #expect(all.stderr.contains("f5.jsonl: cannot open"), "\(all.stderr)")
        #expect(all.stderr.contains("f4.jsonl:17:"), "\(all.stderr)")
        #expect(all.stderr.contains("ingested \(seq / 1_000),\(String(format: "%03d", seq % 1_000)) events"), "\(all.stderr)")
        for input in inputs {
            _ = try KilnBinary.run(["ingest", "--db", dir.path("one.db"), "--dataset", "d", input])
        }
        func summary(_ db: String) throws -> (String, String) {
            let query = try KilnBinary.run(["query", "--db", db, "--dataset", "d", "--since", "all", "--group-by", "file",
                                            "--calc", "COUNT", "--calc", "SUM(seq)", "--calc", "MIN(seq)", "--calc", "MAX(seq)", "--format", "json"])
            let fields = try KilnBinary.run(["fields", "--db", db, "--dataset", "d", "--format", "json"])
            return (query.stdout, fields.stdout)
        }
        let (allQuery, allFields) = try summary(dir.path("all.db"))
        let (oneQuery, oneFields) = try summary(dir.path("one.db"))
        #expect(allQuery == oneQuery)
        #expect(allFields == oneFields)
        let rows = try #require(try KilnBinary.json(KilnBinary.Result(status: 0, stdout: allQuery, stderr: ""))["rows"] as? [[String: Any]])
        #expect(rows.map { $0["COUNT"] as? Int ?? -1 }.reduce(0, +) == seq)
        #expect(rows.count == sizes.filter { $0 > 0 }.count)
        let names = allFields.components(separatedBy: "\"name\":\"only_f").count - 1
        #expect(names == sizes.filter { $0 > 0 }.count, "\(allFields)")
    }

    @Test func unknownFormatIsAUsageError() throws {
        let dir = try TempDir()
        let result = try KilnBinary.run(["ingest", "--db", dir.path("k.db"), "--format", "xml", "-"], stdin: Data())
        #expect(result.status == 64)
        #expect(result.stderr.contains("xml"))
    }

    /// A commit that a reader has seen survives `kill -9` of the writer right after, and the
    /// store stays consistent however often the writer dies mid-write.
    @Test func committedEventsSurviveKill9() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let file = dir.path("live.jsonl")
        FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        var written = 0
        var lastSeen = 0
        for round in 0..<4 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: KilnBinary.path)
            process.arguments = ["ingest", "--db", db, "--dataset", "live", "--format", "jsonl", "--follow", file]
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The follower re-reads the file from the start each run; count what it adds.
            let lines = (0..<5_000).map { "{\"time\":\(1_700_000_000 + written + $0),\"round\":\(round),\"i\":\($0),\"blob\":\"\(String(repeating: "x", count: 200))\"}\n" }.joined()
            handle.write(Data(lines.utf8))
            written += 5_000
            // Wait until a reader sees events from this round, then kill -9 at once.
            var seen = 0
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if let json = try? KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"])),
                   let n = (json["datasets"] as? [[String: Any]])?.first?["events"] as? Int, n > lastSeen {
                    seen = n
                    break
                }
                usleep(20_000)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(seen > lastSeen, "round \(round): no commit became visible")
            let after = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
            let n = (after["datasets"] as? [[String: Any]])?.first?["events"] as? Int ?? -1
            #expect(n >= seen, "round \(round): a reader saw \(seen) events before kill -9, \(n) after")
            lastSeen = n
        }
        try handle.close()
        // The store is intact and readable in full.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        check.arguments = [db, "PRAGMA integrity_check;"]
        let pipe = Pipe()
        check.standardOutput = pipe
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            try check.run()
            check.waitUntilExit()
            #expect(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        }
        let fields = try KilnBinary.run(["fields", "--db", db, "--dataset", "live", "--format", "json"])
        #expect(fields.status == 0)
    }
}

/// `kiln ingest --follow` keeps reading through log rotation and truncation.
@Suite(.serialized) struct FollowCLITests {
    static func events(in db: String) -> Int {
        guard let json = try? KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"])) else { return -1 }
        return (json["datasets"] as? [[String: Any]])?.first?["events"] as? Int ?? 0
    }

    static func waitFor(_ expected: Int, in db: String) -> Int {
        let deadline = Date().addingTimeInterval(20)
        var n = -1
        while Date() < deadline {
            n = events(in: db)
            if n >= expected { return n }
            usleep(50_000)
        }
        return n
    }

    static func lines(_ range: Range<Int>, tag: String) -> Data {
        Data(range.map { "{\"time\":\(1_700_000_000 + $0),\"tag\":\"\(tag)\",\"i\":\($0)}\n" }.joined().utf8)
    }

    @Test func survivesRotationAndTruncation() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let log = dir.path("app.log")
        try Self.lines(0..<100, tag: "first").write(to: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KilnBinary.path)
        process.arguments = ["ingest", "--db", db, "--dataset", "app", "--format", "jsonl", "--follow", log]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        #expect(Self.waitFor(100, in: db) == 100)

        // Appended lines arrive.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Self.lines(100..<150, tag: "appended"))
        try handle.close()
        #expect(Self.waitFor(150, in: db) == 150)

        // Rotation: the file is renamed away and a new one takes its name.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try Self.lines(0..<30, tag: "rotated").write(to: URL(fileURLWithPath: log))
        #expect(Self.waitFor(180, in: db) == 180)

        // Truncation in place: the file starts over with fewer bytes.
        let truncate = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try truncate.truncate(atOffset: 0)
        try truncate.close()
        usleep(300_000)
        let again = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        again.write(Self.lines(0..<5, tag: "truncated"))
        try again.close()
        #expect(Self.waitFor(185, in: db) == 185)

        let tags = try KilnBinary.run(["query", "--db", db, "--dataset", "app", "--group-by", "tag", "--format", "json"])
        let rows = try #require(try KilnBinary.json(tags)["rows"] as? [[String: Any]])
        var counts: [String: Int] = [:]
        for row in rows { counts[row["tag"] as? String ?? "?"] = row["COUNT"] as? Int }
        #expect(counts == ["first": 100, "appended": 50, "rotated": 30, "truncated": 5])
    }
}
