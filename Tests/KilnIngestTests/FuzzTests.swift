import Foundation
import KilnCore
import KilnIngest
import Testing

/// Hostile input: nothing crashes, and every non-blank line yields exactly one event or one
/// rejection.
@Suite struct FuzzTests {
    private static func nonBlankLines(_ bytes: [UInt8]) -> Int {
        var count = 0
        for var line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.last == 0x0D { line = line.dropLast() }
            if line.contains(where: { !($0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D)) }) { count += 1 }
        }
        return count
    }

    /// Random bytes (biased towards JSON/CSV punctuation) in every format.
    @Test(arguments: InputFormat.allCases)
    func randomBytes(format: InputFormat) {
        for (round, bytes) in randomPunctuatedBytes().enumerated() {
            let batch = IngestDecoder.decodeAll(bytes, format: format, options: options())
            if format == .jsonl || format == .logfmt || format == .combined {
                #expect(batch.events.count + batch.rejections.count == Self.nonBlankLines(bytes), "round \(round)")
            }
            #expect(batch.bytes == bytes.count)
            let chunked = decodeChunked(bytes, chunk: 3, format: format, options: options())
            #expect(chunked.events == batch.events && chunked.rejections == batch.rejections, "round \(round)")
        }
    }

    /// Valid generated JSON lines with one byte changed, inserted or removed.
    @Test func mutatedJSONLines() {
        var generator = JSONGenerator(random: SeededRandom(seed: 5))
        var random = SeededRandom(seed: 6)
        var rejected = 0
        for _ in 0..<3000 {
            var text = ""
            generator.write(generator.object(depth: 1, maxDepth: 4), to: &text)
            var bytes = Array(text.utf8)
            let at = Int.random(in: 0..<max(1, bytes.count), using: &random)
            let byte = UInt8.random(in: 0...255, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !bytes.isEmpty: bytes[at] = byte == 0x0A ? 0x20 : byte
            case 1: bytes.insert(byte == 0x0A ? 0x7B : byte, at: at)
            default: if !bytes.isEmpty { bytes.remove(at: at) }
            }
            let batch = IngestDecoder.decodeAll(bytes, format: .jsonl, options: options())
            #expect(batch.events.count + batch.rejections.count == Self.nonBlankLines(bytes))
            rejected += batch.rejections.count
            for rejection in batch.rejections { #expect(!rejection.reason.isEmpty) }
            if let event = batch.events.first {
                #expect(Set(event.fields.map(\.name)).count == event.fields.count, "duplicate names in \(event)")
            }
        }
        #expect(rejected > 500)
    }

    /// Many distinct names per line and across lines stay correct past the name table's limit.
    @Test func manyDistinctNames() {
        var text = ""
        for line in 0..<40 {
            text += "{" + (0..<1000).map { #""k\#(line)_\#($0)":\#($0)"# }.joined(separator: ",") + "}\n"
        }
        let batch = decode(text, .jsonl)
        #expect(batch.events.count == 40)
        #expect(batch.events.last?["k39_999"] == .int(999))
        #expect(batch.events.allSatisfy { $0.fields.count == 1000 })
    }
}
