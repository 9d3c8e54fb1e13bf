import Foundation
import Testing

/// A tmux server of its own (`-L` socket) running one pane, for driving the real binary.
final class Tmux {
    let socket = "kiln-e2e-\(UUID().uuidString.prefix(8))"

    init(width: Int, height: Int, command: String) throws {
        // The server forked here outlives this call; Foundation's Process waits for descriptors
        // the server inherits, so the client is spawned directly.
        let pid = try Spawn.start(["/usr/bin/tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                                   "-x", "\(width)", "-y", "\(height)", command])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit {
        _ = try? run(["kill-server"])
        let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(dir)/tmux-\(getuid())/\(socket)")
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        p.arguments = ["-L", socket] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func send(_ keys: String...) throws { try run(["send-keys", "-t", "t"] + keys) }

    func type(_ text: String) throws { try run(["send-keys", "-t", "t", "-l", text]) }

    func capture(escapes: Bool = false) -> String {
        (try? run(["capture-pane", "-p", "-t", "t"] + (escapes ? ["-e"] : []))) ?? ""
    }

    func lines() -> [String] { capture().components(separatedBy: "\n") }

    func resize(_ width: Int, _ height: Int) throws { try run(["resize-window", "-t", "t", "-x", "\(width)", "-y", "\(height)"]) }

    func format(_ f: String) -> String { ((try? run(["display-message", "-p", "-t", "t", f])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Polls the screen until `ok` holds on a settled frame or `seconds` pass; returns the last screen.
    ///
    /// Settled: the same screen captured twice, 60 ms apart. tmux can be caught half way through
    /// a frame (the new view's first lines over the old view's rest), and such a frame can
    /// satisfy `ok` while its asserted details are not drawn yet. A screen that keeps changing
    /// (LIVE) is taken once `ok` held at the deadline.
    @discardableResult
    func wait(_ what: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation, _ ok: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var screen = capture()
        while true {
            if ok(screen) {
                usleep(60_000)
                let again = capture()
                if again == screen || (Date() > deadline && ok(again)) { return again }
                screen = again
                continue
            }
            if Date() > deadline {
                Issue.record("timed out waiting for \(what); screen:\n\(screen)", sourceLocation: sourceLocation)
                return screen
            }
            usleep(25_000)
            screen = capture()
        }
    }

    /// The pid of the process running in the pane's shell.
    func childPID() -> Int32? {
        guard let shell = Int32(format("#{pane_pid}")) else { return nil }
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").compactMap { Int32($0) }.first
    }
}

/// Starts programs with /dev/null for their streams, no signal blocked and default handlers:
/// the test runner's threads block signals, and a child would inherit that (an explorer that
/// never sees SIGWINCH or SIGHUP, a follower that ignores SIGINT).
enum Spawn {
    static func start(_ args: [String]) throws -> pid_t {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        guard posix_spawn(&pid, args[0], &actions, &attributes, argv, environ) == 0 else { throw CocoaError(.executableLoad) }
        return pid
    }

    /// SIGINT, then SIGKILL if it has not ended within 5 s.
    static func stop(_ pid: pid_t) {
        kill(pid, SIGINT)
        var status: Int32 = 0
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(25_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}

/// The real `kiln explore` in tmux on generated data.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerE2ETests {
    static let end = "2026-01-01T12:00:00Z"

    /// Generates `events` of bad-deploy and ingests them; returns the store and the truth JSON.
    static func store(_ dir: TempDir, events: Int, end: String = end) throws -> (String, [String: Any]) {
        let file = dir.path("shop.jsonl"), db = dir.path("k.db")
        let gen = try KilnBinary.run(["generate", "--scenario", "bad-deploy", "--events", "\(events)", "--seed", "7", "--end", end, "-o", file])
        #expect(gen.status == 0, "\(gen.stderr)")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let truth = try KilnBinary.json(try KilnBinary.run(["generate", "--scenario", "bad-deploy", "--events", "\(events)", "--seed", "7",
                                                            "--end", end, "--truth"]))
        return (db, truth)
    }

    static func shell(_ command: String) -> String {
        "bash --norc -c 'TERM=xterm-256color LANG=C.UTF-8 \(command); echo EXIT=$?; stty -a | tr \" ;\" \"\\n\\n\" | grep -x -- \"-\\?\\(icanon\\|echo\\)\" | tr \"\\n\" \" \"; echo; sleep 30'"
    }

    /// `HH:MM` or `HH:MM:SS` after "box " in the status line, as seconds of the day.
    static func boxStart(_ screen: String) -> Int? {
        guard let line = screen.components(separatedBy: "\n").first(where: { $0.hasPrefix(" box ") }) else { return nil }
        let parts = line.dropFirst(5).prefix(while: { $0 != "–" && $0 != "-" }).split(separator: ":").compactMap { Int($0) }
        guard parts.count >= 2 else { return nil }
        return parts[0] * 3600 + parts[1] * 60 + (parts.count > 2 ? parts[2] : 0)
    }

    /// The lower value of the box in ms (`850ms`, `1.2s`).
    static func boxLow(_ screen: String) -> Double? {
        guard let line = screen.components(separatedBy: "\n").first(where: { $0.hasPrefix(" box ") }) else { return nil }
        let fields = line.components(separatedBy: " · ")
        guard fields.count >= 2 else { return nil }
        let low = fields[1].components(separatedBy: "–")[0]
        if low.hasSuffix("ms"), let v = Double(low.dropLast(2)) { return v }
        if low.hasSuffix("s"), let v = Double(low.dropLast()) { return v * 1000 }
        return nil
    }

    @Test func boxBubbleUpEventsTraceResizeHelpAndRestore() throws {
        let dir = try TempDir()
        let (db, truth) = try Self.store(dir, events: 20_000)
        let window = try #require(truth["window"] as? [String: Any])
        let from = try #require((window["from"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        let causeFields = ((truth["cause"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
        // A deploy marker, as a deploy tool would record it.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        let ns = Int64(from.timeIntervalSince1970) * 1_000_000_000
        sqlite.arguments = [db, "INSERT INTO markers(dataset_id, start_ns, message, type) SELECT id, \(ns), 'frontend 4.18.0', 'deploy' FROM datasets WHERE name = 'shop';"]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            try sqlite.run()
            sqlite.waitUntilExit()
        }

        let tmux = try Tmux(width: 100, height: 30, command: Self.shell("\(KilnBinary.path) explore --db \(db)"))
        var screen = tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") && $0.contains("events") }
        #expect(screen.contains("20,000 of 20,000 events"))
        #expect(screen.contains("all data"), "old data opens on its whole span")
        #expect(screen.contains("IDLE") && !screen.contains("LIVE"), "nobody writes this store: IDLE, not LIVE")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") { #expect(screen.contains("deploy: frontend 4.18.0")) }

        // The box: from the top right corner, left to the deploy, down to 1 s.
        for _ in 0..<30 { try tmux.send("k") }
        try tmux.send("Space")
        screen = tmux.wait("the anchored box") { Self.boxStart($0) != nil }
        let calendar = Calendar(identifier: .gregorian)
        var utc = calendar
        utc.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = utc.dateComponents([.hour, .minute, .second], from: from)
        let deploy = (parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0)
        var guardCount = 0
        while let start = Self.boxStart(screen), start > deploy, guardCount < 120 {
            try tmux.send("h")
            screen = tmux.wait("the box to grow left") { Self.boxStart($0) != start }
            guardCount += 1
        }
        while let low = Self.boxLow(screen), low > 1000, guardCount < 160 {
            try tmux.send("j")
            screen = tmux.wait("the box to grow down") { Self.boxLow($0) != low }
            guardCount += 1
        }
        try tmux.send("Enter")
        screen = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") }
        let ranked = screen.components(separatedBy: "\n").dropFirst(4).prefix(3).map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(ranked.contains { causeFields.contains($0) }, "top fields \(ranked), cause \(causeFields):\n\(screen)")

        try tmux.send("Tab", "Enter")
        screen = tmux.wait("the events") { $0.contains("❭ events") && $0.contains("TIME") }
        try tmux.send("Enter")
        screen = tmux.wait("one event") { $0.contains("❭ event ") || $0.hasSuffix("❭ event") || $0.contains("trace.trace_id") }
        try tmux.send("t")
        screen = tmux.wait("the trace") { $0.contains("❭ trace") && $0.contains("SPAN") && $0.contains("spans") }

        try tmux.resize(120, 40)
        screen = tmux.wait("the wider layout") { ($0.components(separatedBy: "\n").first?.count ?? 0) > 100 }
        try tmux.resize(70, 20)
        tmux.wait("the too-small screen") { $0.contains("terminal too small (need 80x24)") }
        try tmux.resize(100, 30)
        tmux.wait("the trace again") { $0.contains("❭ trace") }
        try tmux.send("?")
        tmux.wait("help") { $0.contains("keys · trace") }
        try tmux.send("x")
        tmux.wait("help closed") { !$0.contains("keys · trace") }
        try tmux.send("Q")
        screen = tmux.wait("exit", seconds: 5) { $0.contains("EXIT=") && $0.contains("icanon") }
        #expect(screen.contains("EXIT=0"))
        #expect(screen.contains("icanon echo"), "terminal modes restored:\n\(screen)")
        #expect(!screen.contains("-icanon") && !screen.contains("-echo"))
        #expect(tmux.format("#{alternate_on}") == "0")
    }

    @Test func anomalyKeyFindsATinyIncident() throws {
        // 20,000 events of bad-deploy hold only a handful of slow checkouts after the deploy.
        let dir = try TempDir()
        let (db, truth) = try Self.store(dir, events: 20_000)
        let causeFields = ((truth["cause"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }
        let tmux = try Tmux(width: 100, height: 30, command: Self.shell("\(KilnBinary.path) explore --db \(db)"))
        tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") }
        try tmux.send("a")
        var screen = tmux.wait("the proposed box") { $0.contains(" proposed box ") }
        let window = try #require(truth["window"] as? [String: Any])
        let from = try #require((window["from"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = utc.dateComponents([.hour, .minute, .second], from: from)
        let deploy = (parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0)
        let status = screen.components(separatedBy: "\n").first { $0.hasPrefix(" proposed box ") } ?? ""
        let start = Self.boxStart(status.replacingOccurrences(of: " proposed box ", with: " box "))
        #expect((start ?? 0) >= deploy - 120, "the box starts at the deploy or after: \(status)")
        #expect((Self.boxLow(status.replacingOccurrences(of: " proposed box ", with: " box ")) ?? 0) >= 500, "the box holds only slow events: \(status)")
        try tmux.send("Enter")
        screen = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") }
        let ranked = screen.components(separatedBy: "\n").dropFirst(4).prefix(3).map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(ranked.contains { causeFields.contains($0) }, "top fields \(ranked), cause \(causeFields):\n\(screen)")
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }

    @Test func sighupRestoresTheTerminal() throws {
        let dir = try TempDir()
        let (db, _) = try Self.store(dir, events: 2_000)
        let tmux = try Tmux(width: 90, height: 26, command: Self.shell("\(KilnBinary.path) explore --db \(db)"))
        tmux.wait("the heatmap") { $0.contains("duration_ms (log scale)") }
        try tmux.send("m")
        #expect(tmux.format("#{alternate_on}") == "1")
        let pid = try #require(tmux.childPID())
        kill(pid, SIGHUP)
        let screen = tmux.wait("exit", seconds: 5) { $0.contains("EXIT=") && $0.contains("icanon") }
        #expect(screen.contains("EXIT=129"), "died of SIGHUP:\n\(screen)")
        #expect(screen.contains("icanon echo"))
        #expect(tmux.format("#{alternate_on}") == "0")
        #expect(tmux.format("#{mouse_any_flag}") != "1")
    }

    @Test func hostileValuesNeverReachTheTerminalRaw() throws {
        let dir = try TempDir()
        let file = dir.path("evil.jsonl"), db = dir.path("k.db")
        var lines = ""
        for i in 0..<50 {
            lines += "{\"time\":\"2026-01-01T11:00:\(String(format: "%02d", i))Z\",\"duration_ms\":\(i + 1),\"service.name\":\"ok\"}\n"
        }
        lines += #"{"time":"2026-01-01T11:00:59Z","duration_ms":900,"service.name":"svc\u202egnp.exe","evil":"\u001b[31mDANGER\u001b[0m\u001b]0;pwned\u0007 \u202eright-to-left","trace.trace_id":"t1"}"# + "\n"
        try lines.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try KilnBinary.run(["ingest", "--db", db, "--dataset", "evil", file]).status == 0)
        let tmux = try Tmux(width: 100, height: 30, command: Self.shell("\(KilnBinary.path) explore --db \(db) --select \"evil exists\" --view event"))
        let screen = tmux.wait("the event") { $0.contains("DANGER") }
        #expect(screen.contains("\\x1b[31mDANGER\\x1b[0m\\x1b]0;pwned\\x07"))
        #expect(screen.contains("\\u202eright-to-left"))
        let raw = tmux.capture(escapes: true)
        #expect(!raw.contains("\u{1B}[31mDANGER"))
        #expect(!raw.contains("\u{1B}]0;pwned"))
        #expect(!raw.unicodeScalars.contains("\u{202E}"))
        #expect(tmux.format("#{pane_title}") != "pwned")
        for key in ["q", "Tab", "j"] { try tmux.send(key) }
        let bubble = tmux.wait("BubbleUp") { $0.contains("❭ BubbleUp") }
        #expect(!bubble.unicodeScalars.contains("\u{202E}"))
        #expect(!tmux.capture(escapes: true).unicodeScalars.contains("\u{202E}"))
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }

    @Test func liveEventsAppearWithinSeconds() throws {
        let dir = try TempDir()
        let now = ISO8601DateFormatter().string(from: Date())
        let (db, _) = try Self.store(dir, events: 2_000, end: now)
        let follow = dir.path("live.jsonl")
        #expect(FileManager.default.createFile(atPath: follow, contents: nil))
        let writer = try Spawn.start([KilnBinary.path, "ingest", "--db", db, "--dataset", "shop", "--format", "jsonl", "--follow", follow])
        defer { Spawn.stop(writer) }
        let tmux = try Tmux(width: 100, height: 30, command: Self.shell("\(KilnBinary.path) explore --db \(db)"))
        var screen = tmux.wait("the live heatmap") { $0.contains("LIVE") && $0.contains("last 2h") }
        #expect(screen.contains("2,000 of 2,000 events"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: follow))
        let stamp = ISO8601DateFormatter().string(from: Date())
        let batch = (0..<300).map { "{\"time\":\"\(stamp)\",\"duration_ms\":\($0 + 1),\"service.name\":\"live\"}\n" }.joined()
        handle.write(Data(batch.utf8))
        try handle.close()
        let started = Date()
        screen = tmux.wait("the new events", seconds: 5) { $0.contains("2,300 of 2,300 events") }
        #expect(Date().timeIntervalSince(started) < 3, "visible after \(Date().timeIntervalSince(started)) s")
        // Paused in the past: new events are counted, not shown.
        try tmux.send("h")
        tmux.wait("PAUSED") { $0.contains("PAUSED") }
        let more = try FileHandle(forWritingTo: URL(fileURLWithPath: follow))
        more.seekToEndOfFile()
        more.write(Data(batch.utf8))
        try more.close()
        tmux.wait("the pending count", seconds: 5) { $0.contains("PAUSED (+300 new)") }
        try tmux.send("L")
        tmux.wait("live again", seconds: 5) { $0.contains("LIVE") && $0.contains("2,600 of 2,600 events") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }

    @Test func dumbTerminalIsRefused() throws {
        let dir = try TempDir()
        let (db, _) = try Self.store(dir, events: 200)
        let tmux = try Tmux(width: 90, height: 26, command: "bash --norc -c 'TERM=dumb \(KilnBinary.path) explore --db \(db); echo EXIT=$?; sleep 30'")
        let screen = tmux.wait("the refusal") { $0.contains("EXIT=") }
        #expect(screen.contains("EXIT=2"))
        #expect(screen.contains("TERM=dumb"))
    }
}

/// The explorer reads only the time window it shows, and loads another in the background.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux"))
struct ExplorerWindowE2ETests {
    /// Two days of events ingested a day at a time: two chunks, a day each.
    static func twoDays(_ dir: TempDir) throws -> String {
        let db = dir.path("k.db")
        for (day, end) in [(1, "2026-01-01T00:00:00Z"), (2, "2026-01-02T00:00:00Z")] {
            let file = dir.path("day\(day).jsonl")
            let gen = try KilnBinary.run(["generate", "--events", "10000", "--duration", "1d", "--seed", "\(day)", "--end", end, "-o", file])
            #expect(gen.status == 0, "\(gen.stderr)")
            let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file])
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
        return db
    }

    /// Events between `from` and `to`, by `kiln query`.
    static func held(_ db: String, from: String, to: String) throws -> Int {
        let out = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "shop", "--from", from, "--to", to, "--calc", "COUNT", "--format", "json"]))
        return ((out["rows"] as? [[String: Any]])?.first?["COUNT"] as? NSNumber)?.intValue ?? -1
    }

    @Test func widerRangesLoadMoreNarrowerLoadLessAndEscCancels() throws {
        let dir = try TempDir()
        let db = try Self.twoDays(dir)
        let command = "KILN_TEST_LOAD_DELAY_MS=1500 \(KilnBinary.path) explore --db \(db) --from 2026-01-01T22:00:00Z --to 2026-01-02T00:00:00Z"
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell(command))
        var screen = tmux.wait("the heatmap of the last 2 hours") { $0.contains("duration_ms (log scale)") && $0.contains("events") }
        // Only the window's events are held, not the rest of the day its chunk spans.
        let lastHours = try Self.held(db, from: "2026-01-01T22:00:00Z", to: "2026-01-02T00:00:00Z")
        #expect(lastHours > 0 && lastHours < 2_000)
        #expect(screen.contains("\(lastHours) of \(lastHours) events"), "\(screen)")

        // Wider: loads in the background, with progress; Esc cancels and keeps what was shown.
        try tmux.send(":")
        try tmux.type("since all")
        try tmux.send("Enter")
        screen = tmux.wait("loading progress") { $0.contains("loading") && $0.contains("Esc cancels") }
        try tmux.send("Escape")
        screen = tmux.wait("the load cancelled") { $0.contains("loading cancelled") }
        #expect(screen.contains("\(lastHours) of \(lastHours) events"))

        // Again, to the end this time: both days.
        try tmux.send(":")
        try tmux.type("since all")
        try tmux.send("Enter")
        screen = tmux.wait("both days loaded", seconds: 30) { $0.contains("20,000 of 20,000 events") }
        #expect(screen.contains("all data"))

        // Much narrower: the first day only, and memory goes back.
        try tmux.send(":")
        try tmux.type("from 2025-12-31T06:00:00Z to 2025-12-31T07:00:00Z")
        try tmux.send("Enter")
        let hour = try Self.held(db, from: "2025-12-31T06:00:00Z", to: "2025-12-31T07:00:00Z")
        screen = tmux.wait("the first day's hour alone", seconds: 30) { $0.contains("\(hour) of \(hour) events") && !$0.contains("loading") }
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }
    }

    /// A range bigger than the memory budget holds its newest part and says so; it does not
    /// load again and again.
    @Test func aRangeBiggerThanTheBudgetHoldsItsNewestPart() throws {
        let dir = try TempDir()
        let db = try Self.twoDays(dir)
        // Each day's chunk takes about 0.5 MB stored, 1.5 MB in memory: 2MB holds one day.
        let command = "\(KilnBinary.path) explore --db \(db) --since all --memory 2MB"
        let tmux = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell(command))
        var screen = tmux.wait("the newest day held") { $0.contains("duration_ms (log scale)") && $0.contains("memory budget") }
        #expect(screen.contains("10,000 of 10,000 events"), "only the newest day fits")
        #expect(screen.contains("the memory budget holds the events from 2026-01-01"))
        try tmux.send(":")
        try tmux.type("from 2025-12-01T00:00:00Z to 2026-01-03T00:00:00Z")
        try tmux.send("Enter")
        screen = tmux.wait("the same part held", seconds: 30) { $0.contains("12-01") && !$0.contains("loading") && $0.contains("memory budget: from 01-01") }
        #expect(screen.contains("10,000 of 10,000 events"))
        try tmux.send("Q")
        tmux.wait("exit") { $0.contains("EXIT=0") }

        let roomy = try Tmux(width: 120, height: 30, command: ExplorerE2ETests.shell("\(KilnBinary.path) explore --db \(db) --since all --memory 64MB"))
        screen = roomy.wait("both days") { $0.contains("20,000 of 20,000 events") }
        #expect(!screen.contains("memory budget"))
        try roomy.send("Q")
        roomy.wait("exit") { $0.contains("EXIT=0") }
    }
}
