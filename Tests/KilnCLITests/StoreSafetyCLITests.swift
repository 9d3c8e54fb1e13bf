import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The store file as other programs and other users see it: Kiln never writes into a file that
/// is not a Kiln store, and users who may read a store never need to write it.
@Suite(.serialized) struct StoreSafetyCLITests {
    static let hasPython = ServeCLITests.hasPython

    /// Makes a SQLite file of "another application" at `path` with Python's sqlite3, with a
    /// `chunks` table of its own (the name Kiln uses) and the given journal mode.
    static func makeForeignDatabase(_ path: String, journal: String) throws {
        let script = """
        import sqlite3, sys
        c = sqlite3.connect(sys.argv[1])
        c.execute("PRAGMA journal_mode=" + sys.argv[2])
        c.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)")
        c.execute("CREATE TABLE chunks(id INTEGER PRIMARY KEY, body BLOB)")
        c.executemany("INSERT INTO users(name) VALUES (?)", [("ada",), ("grace",)])
        c.commit()
        c.close()
        """
        let result = try KilnBinary.run(["-c", script, path, journal], pythonInsteadOfKiln: true)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(.enabled(if: hasPython, "python3 with sqlite3 makes the foreign database"), arguments: ["delete", "wal"])
    func aForeignSQLiteFileIsRefusedAndLeftUnchanged(journal: String) throws {
        let dir = try TempDir()
        let app = dir.path("app.db")
        try Self.makeForeignDatabase(app, journal: journal)
        let before = try Data(contentsOf: URL(fileURLWithPath: app))

        let ingest = try KilnBinary.run(["ingest", "--db", app, "--dataset", "x", "--format", "jsonl", "-"], stdin: Data(#"{"a":1}"#.utf8))
        #expect(ingest.status == 2, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("\(app): not a Kiln store"), "\(ingest.stderr)")
        #expect(ingest.stderr.contains("users"), "the message names what the file holds: \(ingest.stderr)")

        let serve = try KilnBinary.run(["serve", "--db", app, "--listen", "127.0.0.1:0", "--grpc-listen", "off"])
        #expect(serve.status == 2, "\(serve.stderr)")
        #expect(serve.stderr.contains("not a Kiln store"), "\(serve.stderr)")

        #expect(try Data(contentsOf: URL(fileURLWithPath: app)) == before, "the file is byte for byte as it was")
        #expect(!FileManager.default.fileExists(atPath: app + "-wal"), "no -wal file was created")
        #expect(!FileManager.default.fileExists(atPath: app + "-shm"), "no -shm file was created")
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndLeftUnchanged() throws {
        let dir = try TempDir()
        let path = dir.path("notes.db")
        let text = Data("my notes, not a database\n".utf8)
        try text.write(to: URL(fileURLWithPath: path))
        let ingest = try KilnBinary.run(["ingest", "--db", path, "--dataset", "x", "--format", "jsonl", "-"], stdin: Data(#"{"a":1}"#.utf8))
        #expect(ingest.status == 2)
        #expect(ingest.stderr.contains("not a Kiln store (it is not a SQLite database)"), "\(ingest.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func aKilnStoreIsStillWrittenAgain() throws {
        let dir = try TempDir()
        let db = dir.path("k.db")
        for n in 0..<2 {
            let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "x", "--format", "jsonl", "-"], stdin: Data(#"{"n":\#(n)}"#.utf8))
            #expect(r.status == 0, "\(r.stderr)")
        }
        let datasets = try KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"]))
        #expect((datasets["datasets"] as? [[String: Any]])?.first?["events"] as? Int == 2)
    }

    // MARK: Readers without write access

    /// The second Unix user the reader tests run as, created when missing (root only).
    static let readerUser = "kiln-reader"

    /// True when this process may create and switch to another user.
    static let canSwitchUser: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
        if getpwnam(readerUser) != nil { return true }
        let add = Process()
        add.executableURL = URL(fileURLWithPath: "/usr/sbin/useradd")
        add.arguments = ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", readerUser]
        add.standardOutput = FileHandle.nullDevice
        add.standardError = FileHandle.nullDevice
        guard (try? add.run()) != nil else { return false }
        add.waitUntilExit()
        return getpwnam(readerUser) != nil
    }()

    /// True when mount namespaces can be made (for a read-only bind mount).
    static let canUnshareMounts: Bool = {
        guard getuid() == 0 else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "true"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    /// Runs kiln as ``readerUser`` (through setpriv), optionally inside a mount namespace where
    /// `readOnlyMount` is remounted read-only.
    static func runAsReader(_ arguments: [String], readOnlyMount: String? = nil) throws -> KilnBinary.Result {
        let uid = getpwnam(readerUser).map { String($0.pointee.pw_uid) } ?? "65534"
        let gid = getpwnam(readerUser).map { String($0.pointee.pw_gid) } ?? "65534"
        let asReader = ["/usr/bin/setpriv", "--reuid", uid, "--regid", gid, "--clear-groups", KilnBinary.path] + arguments
        let process = Process()
        if let mount = readOnlyMount {
            let quoted = asReader.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = ["-m", "sh", "-c", "mount --bind '\(mount)' '\(mount)' && mount -o remount,bind,ro '\(mount)' && exec \(quoted)"]
        } else {
            process.executableURL = URL(fileURLWithPath: asReader[0])
            process.arguments = Array(asReader.dropFirst())
        }
        let dir = try TempDir()
        let outURL = URL(fileURLWithPath: dir.path("out")), errURL = URL(fileURLWithPath: dir.path("err"))
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return KilnBinary.Result(status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                                 stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// The event count `kiln datasets` reports for `dataset`, read as the other user.
    static func eventsSeenByReader(db: String, dataset: String, readOnlyMount: String? = nil) throws -> Int? {
        let result = try runAsReader(["datasets", "--db", db, "--format", "json"], readOnlyMount: readOnlyMount)
        #expect(result.status == 0, "as \(readerUser): \(result.stderr)")
        guard result.status == 0 else { return nil }
        let json = try KilnBinary.json(result)
        return (json["datasets"] as? [[String: Any]])?.first { $0["name"] as? String == dataset }?["events"] as? Int
    }

    @Test(.enabled(if: canSwitchUser, "needs root, useradd and setpriv to run kiln as a second user"), .timeLimit(.minutes(2)))
    func anotherUserReadsTheStoreWhileAWriterRunsAndAfterItStops() throws {
        let dir = try TempDir()  // made by root, mode 0755: the reader cannot write in it
        let db = dir.path("team.db"), log = dir.path("app.log")
        try Data(((0..<500).map { #"{"n":\#($0),"service":"api"}"# }.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: log))
        // Spawned with signals unblocked, so that SIGINT stops it cleanly.
        let writer = try Spawn.start([KilnBinary.path, "ingest", "--follow", "--db", db, "--dataset", "app", "--format", "jsonl", log])
        var stopped = false
        defer { if !stopped { Spawn.stop(writer) } }

        // While the writer runs.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            if FileManager.default.fileExists(atPath: db),
               let n = try? KilnBinary.json(try KilnBinary.run(["datasets", "--db", db, "--format", "json"])),
               (n["datasets"] as? [[String: Any]])?.first?["events"] as? Int == 500 { break }
        }
        #expect(try Self.eventsSeenByReader(db: db, dataset: "app") == 500, "while the writer runs")
        let query = try Self.runAsReader(["query", "--db", db, "--dataset", "app", "--calc", "COUNT", "--format", "json"])
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout.contains("500"), "\(query.stdout)")

        // After it stopped cleanly.
        Spawn.stop(writer)
        stopped = true
        #expect(FileManager.default.fileExists(atPath: db + "-shm"), "the writer keeps its -shm file for readers")
        #expect(try Self.eventsSeenByReader(db: db, dataset: "app") == 500, "after the writer stopped")

        // A store whose writer left no -wal or -shm (as older versions did).
        try? FileManager.default.removeItem(atPath: db + "-wal")
        try? FileManager.default.removeItem(atPath: db + "-shm")
        #expect(try Self.eventsSeenByReader(db: db, dataset: "app") == 500, "without -wal and -shm files")
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"), "the reader wrote nothing")
    }

    @Test(.enabled(if: canSwitchUser && canUnshareMounts, "needs root, setpriv and mount namespaces for a read-only mount"),
          .timeLimit(.minutes(1)))
    func anotherUserReadsTheStoreOnAReadOnlyMount() throws {
        let dir = try TempDir()
        let db = dir.path("ro.db")
        let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "app", "--format", "jsonl", "-"],
                                   stdin: Data((0..<100).map { #"{"n":\#($0)}"# }.joined(separator: "\n").utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.eventsSeenByReader(db: db, dataset: "app", readOnlyMount: dir.url.path) == 100, "with the writer's -wal and -shm")
        try? FileManager.default.removeItem(atPath: db + "-wal")
        try? FileManager.default.removeItem(atPath: db + "-shm")
        #expect(try Self.eventsSeenByReader(db: db, dataset: "app", readOnlyMount: dir.url.path) == 100, "without them")
    }

    @Test(.enabled(if: canSwitchUser, "needs root, useradd and setpriv to run kiln as a second user"))
    func anUnreadableStoreSaysPermissionNotForeign() throws {
        let dir = try TempDir()
        let db = dir.path("private.db")
        let r = try KilnBinary.run(["ingest", "--db", db, "--dataset", "app", "--format", "jsonl", "-"], stdin: Data(#"{"n":1}"#.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        chmod(db, 0o600)
        for arguments in [["datasets", "--db", db], ["query", "--db", db, "--dataset", "app", "--calc", "COUNT"]] {
            let result = try Self.runAsReader(arguments)
            #expect(result.status == 2)
            #expect(result.stderr.contains("cannot read: permission denied"), "\(result.stderr)")
            #expect(!result.stderr.contains("not a Kiln store"), "\(result.stderr)")
        }
    }
}
