import Foundation
import Testing

/// The suites that start ClickHouse clusters, one at a time: each cluster is two servers plus
/// heavy inserts, and running them side by side on a 2-core machine starves the timing-sensitive
/// tests of other suites.
@Suite(.serialized) enum ClickHouseSerial {}

/// A two-shard ClickHouse cluster on loopback (`scripts/clickhouse-cluster.sh`), for one test.
final class ClickHouseCluster {
    /// True when `clickhouse-server` is installed (the tests that need it skip otherwise).
    static let available: Bool = ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"].contains {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let dir: TempDir
    let base: Int
    /// The URL the script printed (cluster `kiln`, both shards' HTTP addresses).
    let url: String

    /// Starts a cluster on free ports (tries a few bases).
    init() throws {
        dir = try TempDir()
        var lastError = ""
        for _ in 0..<6 {
            let base = Int.random(in: 1000...2400) * 20
            let script = KilnBinary.packageRoot.appendingPathComponent("scripts/clickhouse-cluster.sh").path
            let result = try Self.shell([script, "start", dir.path("cluster"), String(base)])
            if result.status == 0 {
                self.base = base
                url = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            lastError = result.stderr
        }
        throw ClusterError(message: "could not start the test cluster: \(lastError)")
    }

    deinit {
        let script = KilnBinary.packageRoot.appendingPathComponent("scripts/clickhouse-cluster.sh").path
        _ = try? Self.shell([script, "stop", dir.path("cluster")])
    }

    /// The URL with extra query parameters.
    func url(_ extra: String) -> String { url + "&" + extra }

    /// The native (TCP) port of shard `i`, as ClickHouse names it in errors.
    func tcpPort(shard i: Int) -> Int { base + 10 * i + 1 }

    /// Kills shard `i` with SIGKILL.
    func kill(shard i: Int) throws {
        let pid = try String(contentsOfFile: dir.path("cluster/shard\(i)/pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = Int32(pid) else { throw ClusterError(message: "no PID for shard \(i)") }
        Foundation.kill(id, SIGKILL)
        Thread.sleep(forTimeInterval: 0.2)
    }

    struct ClusterError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func shell(_ arguments: [String]) throws -> KilnBinary.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return KilnBinary.Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
