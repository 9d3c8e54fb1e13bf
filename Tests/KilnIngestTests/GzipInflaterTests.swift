import Foundation
import Testing
import KilnIngest

/// gzip of `bytes` by the system's `gzip` (independent of the zlib use under test).
private func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-gzip-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("data")
    try Data(bytes).write(to: file)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-n", "-f", file.path]
    try process.run()
    process.waitUntilExit()
    return Array(try Data(contentsOf: file.appendingPathExtension("gz")))
}

/// Inflates `compressed` fed in pieces of `piece` bytes; the output and the inflater.
private func inflate(_ compressed: [UInt8], piece: Int, limit: Int = .max, blockSize: Int = 1024) throws -> ([UInt8], GzipInflater) {
    let inflater = try GzipInflater(limit: limit, blockSize: blockSize)
    var out: [UInt8] = []
    var start = 0
    while start < compressed.count {
        let end = min(compressed.count, start + piece)
        try compressed[start..<end].withUnsafeBytes { b in try inflater.inflate(b) { out.append(contentsOf: $0) } }
        start = end
    }
    return (out, inflater)
}

@Suite struct GzipInflaterTests {
    static let text = Array(String(repeating: "{\"service\":\"checkout\",\"duration_ms\":12.5}\n", count: 3000).utf8)

    @Test(arguments: [1, 7, 4096, 1 << 30])
    func piecesOfAnySize(piece: Int) throws {
        let gz = try gzipped(Self.text)
        let (out, inflater) = try inflate(gz, piece: piece)
        #expect(out == Self.text)
        #expect(inflater.isComplete && inflater.sawInput && inflater.produced == Self.text.count)
    }

    /// 8 MiB of one byte compresses ~1000:1: one small input piece yields many full output
    /// blocks, all of which must come out before the input is reported used up.
    @Test func highRatioInputInOnePiece() throws {
        let plain = [UInt8](repeating: 0x20, count: 8 << 20)
        let gz = try gzipped(plain)
        #expect(gz.count < 20_000)
        let (out, inflater) = try inflate(gz, piece: gz.count)
        #expect(out.count == plain.count && out == plain)
        #expect(inflater.isComplete)
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let gz = try gzipped(Self.text)
        let (out, inflater) = try inflate(gz + gz, piece: 333)
        #expect(out == Self.text + Self.text)
        #expect(inflater.isComplete)
    }

    @Test func limitStopsBeforeTheSinkSeesTooMuch() throws {
        let gz = try gzipped(Self.text)
        #expect(try inflate(gz, piece: 100, limit: Self.text.count).0 == Self.text)
        let inflater = try GzipInflater(limit: Self.text.count - 1, blockSize: 1024)
        var seen = 0
        #expect {
            try gz.withUnsafeBytes { b in try inflater.inflate(b) { seen += $0.count } }
        } throws: { error in
            guard let e = error as? CompressionError else { return false }
            return e.code == .tooLarge && e.limit == Self.text.count - 1 && e.message == "decompressed data exceeds \(Self.text.count - 1) bytes"
        }
        #expect(seen <= Self.text.count - 1)
    }

    @Test func truncatedCorruptAndEmptyInput() throws {
        let gz = try gzipped(Self.text)
        let (_, cut) = try inflate(Array(gz.dropLast(9)), piece: 50)
        #expect(!cut.isComplete && cut.sawInput)
        #expect {
            _ = try inflate([1, 2, 3], piece: 3)
        } throws: { error in
            guard let e = error as? CompressionError else { return false }
            return e.code == .corrupt && e.zlibMessage == "incorrect header check" && e.message == "corrupt gzip data: incorrect header check"
        }
        // A good member followed by garbage: the garbage is a corrupt second member.
        #expect(throws: CompressionError.self) { _ = try inflate(gz + [0x1F, 0x8B, 0xFF, 0xFF], piece: gz.count + 4) }
        let (none, empty) = try inflate([], piece: 1)
        #expect(none.isEmpty && !empty.isComplete && !empty.sawInput)
    }

    @Test func gzipMagic() throws {
        let gz = try gzipped(Self.text)
        #expect(gz.withUnsafeBytes { GzipInflater.isGzip($0) })
        #expect(!Self.text.withUnsafeBytes { GzipInflater.isGzip($0) })
        #expect(![0x1F].withUnsafeBytes { GzipInflater.isGzip($0) })
    }
}
