import Foundation
import Testing

/// Runs the real `kiln` binary built by SwiftPM for these tests.
enum KilnBinary {
    /// The package root (…/Tests/KilnCLITests/KilnBinary.swift -> …).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/realdata`, when it is there.
    static let realData: URL? = {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/realdata")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()

    /// The built executable: next to the test bundle in the products directory.
    static let path: String = {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("kiln").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("kiln").path,
            packageRoot.appendingPathComponent(".build/debug/kiln").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs kiln with `arguments`, feeding `stdin`, and waits for it.
    @discardableResult
    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil, cwd: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let cwd { process.currentDirectoryURL = cwd }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("out"), errURL = scratch.appendingPathComponent("err"), inURL = scratch.appendingPathComponent("in")
        try (stdin ?? Data()).write(to: inURL)
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        let inHandle = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = inHandle
        try process.run()
        process.waitUntilExit()
        try? outHandle.close(); try? errHandle.close(); try? inHandle.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Parses stdout as a JSON object.
    static func json(_ result: Result) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(result.stdout.prefix(200))")
    }
}

/// A temporary directory removed at the end of the test.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}
