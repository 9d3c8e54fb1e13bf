import Foundation
import Testing

/// A process given a small memory budget over a bigger store streams its answers: it stays
/// well below what the same command takes in memory, and answers the same.
@Suite(.serialized) struct MemoryBudgetCLITests {
    /// Peak resident memory (MB) of `kiln arguments`, measured by the kernel for the child
    /// alone (a fresh Python parent per run, so no other child's peak is counted).
    func peak(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String, megabytes: Int) {
        let dir = try TempDir()
        let out = dir.path("out"), err = dir.path("err")
        let script = """
        import resource, subprocess, sys
        with open(sys.argv[1], "wb") as f, open(sys.argv[2], "wb") as e:
            r = subprocess.run(sys.argv[3:], stdout=f, stderr=e, stdin=subprocess.DEVNULL)
        print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, out, err, KilnBinary.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let parts = String(decoding: data, as: UTF8.self).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(parts.count == 2, "peak measurement failed: \(String(decoding: data, as: UTF8.self))")
        return (Int32(parts[0]), try String(contentsOfFile: out, encoding: .utf8), try String(contentsOfFile: err, encoding: .utf8), parts[1])
    }

    @Test func aSmallBudgetStreamsWithinItAndAnswersTheSame() throws {
        let dir = try TempDir()
        let db = dir.path("big.db"), file = dir.path("shop.jsonl")
        // Enough events that holding them all outweighs the process's own size (at 400,000
        // both peaked near 88 MB once sparse columns made the in-memory table smaller).
        try #require(try KilnBinary.run(["generate", "--events", "800000", "-o", file]).status == 0)
        try #require(try KilnBinary.run(["ingest", "--db", db, "--dataset", "shop", file]).status == 0)
        let scope = ["--db", db, "--dataset", "shop", "--since", "all"]

        let bubbleup = ["bubbleup"] + scope + ["--select", "duration_ms >= 1000", "--format", "json"]
        let memory = try peak(bubbleup)
        let streamed = try peak(bubbleup + ["--memory", "8MB"])
        #expect(memory.status == 0 && streamed.status == 0, "\(memory.stderr) \(streamed.stderr)")
        #expect(streamed.megabytes < memory.megabytes, "streamed \(streamed.megabytes) MB, in memory \(memory.megabytes) MB")
        // Same ranking of every field counted (a tight budget may list more fields as ID-like).
        let m = try #require(try JSONSerialization.jsonObject(with: Data(memory.stdout.utf8)) as? [String: Any])
        let s = try #require(try JSONSerialization.jsonObject(with: Data(streamed.stdout.utf8)) as? [String: Any])
        let idLike = Set(s["id_like"] as? [String] ?? [])
        let fields = { (r: [String: Any]) in (r["dimensions"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }.filter { !idLike.contains($0) } }
        #expect(!fields(s).isEmpty)
        #expect(fields(s) == fields(m))
        #expect(NSDictionary(dictionary: s["selection"] as? [String: Any] ?? [:]) == NSDictionary(dictionary: m["selection"] as? [String: Any] ?? [:]))

        let table = try KilnBinary.run(["bubbleup"] + scope + ["--select", "duration_ms >= 1000", "--memory", "8MB"])
        #expect(table.stdout.contains("streamed: the scope is larger than the memory budget"))

        let query = ["query"] + scope + ["--calc", "COUNT", "--calc", "P99(duration_ms)", "--group-by", "service.name", "--format", "json"]
        let q1 = try peak(query), q2 = try peak(query + ["--memory", "8MB"])
        #expect(q1.status == 0 && q2.status == 0, "\(q1.stderr) \(q2.stderr)")
        #expect(q1.stdout == q2.stdout)

        // Services in one pass, the map in two, byte for byte the answer read in memory.
        for services in [["services"] + scope + ["--format", "json"], ["services"] + scope + ["--map", "--format", "json"]] {
            let whole = try KilnBinary.run(services), streamed = try KilnBinary.run(services + ["--memory", "8MB"])
            #expect(whole.status == 0 && streamed.status == 0, "\(whole.stderr) \(streamed.stderr)")
            #expect(whole.stdout.count > 100 && streamed.stdout == whole.stdout)
        }
        let servicesTable = try KilnBinary.run(["services"] + scope + ["--map", "--memory", "8MB"])
        #expect(servicesTable.stdout.contains("streamed: the scope is larger than the memory budget"), "\(servicesTable.stdout)")
    }
}
