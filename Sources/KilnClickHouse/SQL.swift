import KilnCore

/// Literals and expressions of the SQL Kiln sends (one dialect for ClickHouse 18.16 and current).
enum SQL {
    /// A string literal: `'it\'s'` (backslash escapes, as ClickHouse reads them).
    static func quote(_ s: String) -> String {
        var out = "'"
        appendQuoted(s, to: &out)
        return out + "'"
    }

    /// Appends `s` escaped for a single-quoted literal (without the quotes).
    static func appendQuoted(_ s: String, to out: inout String) {
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(u)
            }
        }
    }

    /// A Float64 literal that reads back as the same double (`nan`, `inf` and `-inf` too).
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return "\(d)"
    }

    /// An Int64 literal (the smallest one needs a cast: `-9223372036854775808` overflows as text).
    static func int(_ i: Int64) -> String {
        i == Int64.min ? "toInt64(-9223372036854775807 - 1)" : String(i)
    }
}

/// Reads ClickHouse's TabSeparated output.
enum TSV {
    /// Rows of fields, unescaped unless `raw` (arrays are read from the raw text by ``array(_:)``).
    static func parse(_ data: [UInt8], raw: Bool = false) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var i = 0
        let n = data.count
        while i < n {
            let b = data[i]
            switch b {
            case 0x09:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case 0x0A:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                rows.append(row)
                row = []
            case 0x5C where i + 1 < n && raw:
                field.append(b)
                i += 1
                field.append(data[i])
            case 0x5C where i + 1 < n:
                i += 1
                switch data[i] {
                case UInt8(ascii: "n"): field.append(0x0A)
                case UInt8(ascii: "t"): field.append(0x09)
                case UInt8(ascii: "r"): field.append(0x0D)
                case UInt8(ascii: "b"): field.append(0x08)
                case UInt8(ascii: "f"): field.append(0x0C)
                case UInt8(ascii: "0"): field.append(0x00)
                case UInt8(ascii: "a"): field.append(0x07)
                case UInt8(ascii: "v"): field.append(0x0B)
                default: field.append(data[i])
                }
            default:
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(String(decoding: field, as: UTF8.self))
            rows.append(row)
        }
        return rows
    }

    static func parse(_ data: Foundation.Data, raw: Bool = false) -> [[String]] { parse([UInt8](data), raw: raw) }

    /// A raw field unescaped.
    static func unescape(_ text: String) -> String { parse(Array(text.utf8)).first?.first ?? "" }

    /// Elements of an array as ClickHouse's TSV writes it: `['a','b\'c']` or `[1,2.5]`.
    static func array(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return [] }
        var out: [String] = []
        var i = 1
        let end = bytes.count - 1
        while i < end {
            if bytes[i] == UInt8(ascii: "'") {
                var s: [UInt8] = []
                i += 1
                while i < end, bytes[i] != UInt8(ascii: "'") {
                    if bytes[i] == 0x5C, i + 1 < end {
                        i += 1
                        switch bytes[i] {
                        case UInt8(ascii: "n"): s.append(0x0A)
                        case UInt8(ascii: "t"): s.append(0x09)
                        case UInt8(ascii: "r"): s.append(0x0D)
                        case UInt8(ascii: "0"): s.append(0x00)
                        case UInt8(ascii: "b"): s.append(0x08)
                        case UInt8(ascii: "f"): s.append(0x0C)
                        default: s.append(bytes[i])
                        }
                    } else {
                        s.append(bytes[i])
                    }
                    i += 1
                }
                out.append(String(decoding: s, as: UTF8.self))
                i += 1
            } else {
                var s: [UInt8] = []
                while i < end, bytes[i] != UInt8(ascii: ",") { s.append(bytes[i]); i += 1 }
                out.append(String(decoding: s, as: UTF8.self))
            }
            if i < end, bytes[i] == UInt8(ascii: ",") { i += 1 }
        }
        return out
    }
}

import Foundation
