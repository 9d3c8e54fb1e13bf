import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kiln serve` and `kiln ingest` probed as an attacker or an unlucky operator would: names that
/// resolve somewhere unexpected, batches with one bad element, stores that fill up.
@Suite(.serialized) struct HostileInputCLITests {
    /// Runs `command` through `sh -c` inside a new mount namespace, with `/etc/hosts` replaced by
    /// `hosts` there only; nil when mount namespaces are not available.
    static func runWithHosts(_ hosts: String, _ command: String, seconds: Double = 20) throws -> KilnBinary.Result? {
        guard StoreSafetyCLITests.canUnshareMounts else { return nil }
        let dir = try TempDir()
        let hostsPath = dir.path("hosts")
        try hosts.write(toFile: hostsPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["-m", "sh", "-c", "mount --bind '\(hostsPath)' /etc/hosts && \(command)"]
        let outURL = URL(fileURLWithPath: dir.path("out")), errURL = URL(fileURLWithPath: dir.path("err"))
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return KilnBinary.Result(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                                 stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    @Test(.enabled(if: StoreSafetyCLITests.canUnshareMounts, "needs root and mount namespaces to give the test its own /etc/hosts"),
          .timeLimit(.minutes(1)))
    func aNameThatLooksLocalButResolvesToAllInterfacesIsRefused() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        let hosts = "127.0.0.1 localhost\n0.0.0.0 127.attacker.test\n127.0.0.9 local.kiln.test\n"
        let kiln = KilnBinary.path
        let refused = try #require(try Self.runWithHosts(hosts, "exec '\(kiln)' serve --db '\(db)' --listen 127.attacker.test:0"))
        #expect(refused.status == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("refusing to listen on 127.attacker.test (it resolves to 0.0.0.0) without API keys"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("loopback only"))

        // With a key it may listen there, and says what it bound.
        let keyed = try #require(try Self.runWithHosts(hosts, "exec '\(kiln)' serve --db '\(db)' --listen 127.attacker.test:0 --api-key k", seconds: 3))
        #expect(keyed.stderr.contains("listening on 0.0.0.0:"), "\(keyed.stderr)")
        #expect(keyed.stderr.contains("1 API key required"), "\(keyed.stderr)")

        // A name that resolves to loopback only is fine without keys, and the bound address is shown.
        let local = try #require(try Self.runWithHosts(hosts, "exec '\(kiln)' serve --db '\(db)' --listen local.kiln.test:0", seconds: 3))
        #expect(local.stderr.contains("listening on 127.0.0.9:"), "\(local.stderr)")
        #expect(local.stderr.contains("(loopback only)"), "\(local.stderr)")
    }

    @Test(.timeLimit(.minutes(1)))
    func oneBadBatchElementSpoilsOnlyItself() throws {
        let dir = try TempDir()
        let server = try ServeProcess(db: dir.path("k.db"))
        defer { server.stop() }
        let bad = [
            #"{"time":true,"data":{"n":1}}"#,
            #"{"time":{"at":1},"data":{"n":2}}"#,
            #"{"time":[1,2],"data":{"n":3}}"#,
            #"{"samplerate":true,"data":{"n":4}}"#,
            #"{"samplerate":{"x":[]},"data":{"n":5}}"#,
            #"{"samplerate":[2],"data":{"n":6}}"#,
        ]
        let good = (0..<3).map { #"{"time":1700000000,"samplerate":4,"data":{"n":\#(100 + $0)}}"# }
        let body = "[" + (good[0...0] + bad + good[1...]).joined(separator: ",") + "]"
        let reply = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/mixed",
                                          headers: ["Content-Type": "application/json"], body: Array(body.utf8))
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        let answers = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [[String: Any]])
        #expect(answers.map { $0["status"] as? Int } == [202, 400, 400, 400, 400, 400, 400, 202, 202])
        let reasons = answers.compactMap { $0["error"] as? String }
        #expect(reasons.count == 6)
        #expect(reasons[0].contains("\"time\" must be") && reasons[0].contains("boolean"), "\(reasons)")
        #expect(reasons[1].contains("object") && reasons[2].contains("array"), "\(reasons)")
        #expect(reasons[3].contains("\"samplerate\" must be a number"), "\(reasons)")

        let query = try KilnBinary.run(["query", "--db", dir.path("k.db"), "--dataset", "mixed", "--calc", "COUNT", "--format", "json"])
        let rows = try #require(try KilnBinary.json(query)["rows"] as? [[String: Any]])
        #expect(rows.first?["COUNT"] as? Int == 12, "three good events of sample rate 4: \(query.stdout)")

        // Malformed JSON still rejects the whole body.
        let broken = try ServeHTTP.request(port: server.port, method: "POST", path: "/1/batch/mixed",
                                           headers: ["Content-Type": "application/json"], body: Array(#"[{"time":tru,"data":{}}]"#.utf8))
        #expect(broken.status == 400)
    }
}
