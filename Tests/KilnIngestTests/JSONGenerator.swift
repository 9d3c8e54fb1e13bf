import Foundation
import KilnCore

/// A JSON value tree for generated tests.
indirect enum JSONTree {
    case object([(String, JSONTree)])
    case array([JSONTree])
    case string(String)
    /// A number as written; `isInteger` when it has no fraction or exponent.
    case number(String, isInteger: Bool)
    case bool(Bool)
    case null
}

/// Generates random JSON objects and writes them with random spacing and escaping.
struct JSONGenerator {
    var random: SeededRandom

    private static let alphabet: [String] = [
        "a", "b", "z", "Q", "0", "7", " ", "_", "-", "/", "\\", "\"", "\n", "\t", "\r", "\u{0}", "\u{1F}", "\u{7F}",
        "é", "ß", "Ω", "中", "文", "😀", "🦀", "\u{10FFFF}", "\u{FFFD}", "\u{2028}", ":", ",", "{", "}", "[", "]",
    ]

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func string(maxLength: Int) -> String {
        let length = Int.random(in: 0...maxLength, using: &random)
        var s = ""
        for _ in 0..<length {
            if chance(60) {
                s.append(Character(UnicodeScalar(UInt8.random(in: 0x61...0x7A, using: &random))))
            } else {
                s.append(Self.alphabet.randomElement(using: &random) ?? "x")
            }
        }
        return s
    }

    /// A key without dots (so flattened names stay unique).
    mutating func key() -> String {
        var k = string(maxLength: 12).replacingOccurrences(of: ".", with: "")
        if k.isEmpty && chance(50) { k = "k" }
        return k
    }

    mutating func number() -> JSONTree {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return .number(String(Int64.random(in: -1000...1000, using: &random)), isInteger: true)
        case 1: return .number(String(Int64.random(in: Int64.min...Int64.max, using: &random)), isInteger: true)
        case 2: return .number(["9223372036854775807", "-9223372036854775808", "9223372036854775808",
                                "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "0", "-0"]
            .randomElement(using: &random) ?? "0", isInteger: true)
        case 3: return .number("\(Double.random(in: -1e6...1e6, using: &random))", isInteger: false)
        case 4:
            let mantissa = Int.random(in: 1...999_999, using: &random)
            let exponent = Int.random(in: -300...300, using: &random)
            return .number("\(mantissa)e\(exponent)", isInteger: false)
        case 5:
            var digits = String(Int.random(in: 1...9, using: &random))
            for _ in 0..<Int.random(in: 15...30, using: &random) { digits += String(Int.random(in: 0...9, using: &random)) }
            let point = Int.random(in: 1..<digits.count, using: &random)
            let text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            return .number(chance(50) ? "-" + text : text, isInteger: false)
        case 6:
            let text = ["0.1", "1.0", "-0.0", "1E+2", "1e-2", "2.2250738585072011e-308", "1.7976931348623157e308",
                        "4.9e-324", "0.000001", "1e22", "1e23", "9007199254740993", "9007199254740993.0"]
                .randomElement(using: &random) ?? "0.5"
            return .number(text, isInteger: !text.contains { ".eE".contains($0) })
        default: return .number(String(Int.random(in: 0...100_000, using: &random)), isInteger: true)
        }
    }

    mutating func value(depth: Int, maxDepth: Int) -> JSONTree {
        let roll = Int.random(in: 0..<100, using: &random)
        if depth < maxDepth && roll < 12 { return object(depth: depth + 1, maxDepth: maxDepth) }
        if depth < maxDepth && roll < 20 {
            return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth + 1, maxDepth: maxDepth) })
        }
        if roll < 50 { return .string(string(maxLength: 20)) }
        if roll < 85 { return number() }
        if roll < 93 { return .bool(chance(50)) }
        return .null
    }

    mutating func object(depth: Int, maxDepth: Int) -> JSONTree {
        var members: [(String, JSONTree)] = []
        var seen = Set<String>()
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            let k = key()
            guard seen.insert(k).inserted else { continue }
            members.append((k, value(depth: depth, maxDepth: maxDepth)))
        }
        return .object(members)
    }

    // MARK: Writing

    mutating func space() -> String {
        guard chance(15) else { return "" }
        return [" ", "  ", "\t", " \t "].randomElement(using: &random) ?? " "
    }

    mutating func write(_ tree: JSONTree, to out: inout String) {
        switch tree {
        case .object(let members):
            out += "{" + space()
            for (k, (name, v)) in members.enumerated() {
                if k > 0 { out += "," + space() }
                writeString(name, to: &out)
                out += space() + ":" + space()
                write(v, to: &out)
                out += space()
            }
            out += "}"
        case .array(let items):
            out += "[" + space()
            for (k, v) in items.enumerated() {
                if k > 0 { out += space() + "," + space() }
                write(v, to: &out)
            }
            out += space() + "]"
        case .string(let s): writeString(s, to: &out)
        case .number(let text, _): out += text
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }

    mutating func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += chance(50) ? "\\n" : "\\u000a"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "/": out += chance(30) ? "\\/" : "/"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04X", scalar.value)
                } else if scalar.value > 0x7E && chance(30) {
                    for unit in String(scalar).utf16 { out += String(format: chance(50) ? "\\u%04x" : "\\u%04X", unit) }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
