import Foundation
import KilnCore
import KilnIngest

/// A small deterministic random generator (SplitMix64) so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `rounds` random inputs of up to 600 bytes, each byte either any byte or one of JSON, CSV
/// and logfmt punctuation and broken UTF-8 pieces; seeded, so failures reproduce.
func randomPunctuatedBytes(rounds: Int = 300, seed: UInt64 = 99) -> [[UInt8]] {
    var random = SeededRandom(seed: seed)
    let alphabet = Array(#"{}[]:,"\ \#t=-+.0123456789eEtrufalsn/ux[]"#.utf8) + [0x0A, 0x0D, 0x00, 0xC3, 0xA9, 0xFF, 0xF0, 0x9F, 0xED]
    return (0..<rounds).map { _ in
        (0..<Int.random(in: 0...600, using: &random)).map { _ in
            Bool.random(using: &random) ? (alphabet.randomElement(using: &random) ?? 0) : UInt8.random(in: 0...255, using: &random)
        }
    }
}

/// Options with a fixed ingest time.
let testNow: Int64 = 1_700_000_000_000_000_000

func options(timestampField: String? = nil) -> DecodeOptions {
    DecodeOptions(timestampField: timestampField, now: testNow)
}

func decode(_ text: String, _ format: InputFormat = .auto, timestampField: String? = nil) -> DecodedBatch {
    IngestDecoder.decodeAll(Array(text.utf8), format: format, options: options(timestampField: timestampField))
}

/// Decodes `bytes` fed in chunks of `size` bytes.
func decodeChunked(_ bytes: [UInt8], chunk size: Int, format: InputFormat, options: DecodeOptions) -> DecodedBatch {
    var decoder = IngestDecoder(format: format, options: options)
    var batch = DecodedBatch()
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        bytes[start..<end].withUnsafeBytes { decoder.decode($0, into: &batch) }
        start = end
    }
    decoder.finish(into: &batch)
    return batch
}

/// The fields of an event as a dictionary (names are unique in an event).
func dictionary(_ event: Event) -> [String: Value] {
    Dictionary(event.fields.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
}

/// Where the shared real data lives: `../shared/realdata` beside the repository root.
func realDataDirectory() -> URL? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    let shared = url.deletingLastPathComponent().appendingPathComponent("shared/realdata")
    if FileManager.default.fileExists(atPath: shared.path) { return shared }
    return nil
}
