import KilnCore

/// Reads a number in JSON syntax (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) from bytes.
///
/// Integers that fit `Int64` become `.int`; everything else becomes `.float`, correctly rounded:
/// a fast exact path (Clinger's: at most 19 significant digits, mantissa below 2^53, power of ten
/// within ±22) and `Double(String)` (strtod, correctly rounded) for the rest.
package enum NumberScanner {
    /// Why text is not a number in JSON syntax.
    package enum Problem: Sendable, Equatable {
        /// No digit where the number (after an optional `-`) starts.
        case digitExpected
        /// A digit after a leading `0` (`01`).
        case leadingZero
        /// No digit after the decimal point.
        case digitExpectedAfterPoint
        /// No digit in the exponent.
        case digitExpectedInExponent
    }

    /// The outcome of scanning.
    package enum Result {
        /// An integer that fits `Int64`.
        case int(Int64)
        /// Any other number, correctly rounded.
        case float(Double)
        /// Not a number in JSON syntax; the offset of the offending byte, and why.
        case invalid(Int, Problem)
        /// Valid syntax but beyond Double's range (e.g. `1e400`).
        case outOfRange
    }

    /// A number read by ``read(_:count:at:)``.
    package enum Number: Equatable, Sendable {
        /// An integer that fits `Int64`.
        case int(Int64)
        /// Any other number, correctly rounded.
        case float(Double)
    }

    /// Why ``read(_:count:at:)`` found no number.
    package enum Failure: Error, Equatable {
        /// Not JSON number syntax: the offset of the offending byte, and why.
        case invalid(at: Int, Problem)
        /// Valid syntax beyond Double's range: where the number starts, and its text.
        case outOfRange(start: Int, text: String)
    }

    /// Reads the number at `i` (which must be below `count`) and moves `i` past it.
    /// - Complexity: O(length of the number)
    @inline(__always)
    package static func read(_ p: UnsafePointer<UInt8>, count n: Int, at i: inout Int) throws(Failure) -> Number {
        let start = i
        let (end, result) = scan(p, from: start, count: n)
        switch result {
        case .int(let v):
            i = end
            return .int(v)
        case .float(let d):
            i = end
            return .float(d)
        case .invalid(let at, let problem):
            throw .invalid(at: at, problem)
        case .outOfRange:
            throw .outOfRange(start: start, text: String(decoding: UnsafeBufferPointer(start: p + start, count: end - start), as: UTF8.self))
        }
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Scans the number starting at `start` (which must be below `count`) and stops at the first
    /// byte that cannot continue it; returns that offset and the value.
    /// - Complexity: O(length of the number)
    @inline(__always)
    package static func scan(_ p: UnsafePointer<UInt8>, from start: Int, count n: Int) -> (end: Int, result: Result) {
        var i = start
        var negative = false
        if p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < n, ByteClass.isDigit(p[i]) else { return (i, .invalid(i, .digitExpected)) }
        var mantissa: UInt64 = 0
        var digits = 0
        var exp10 = 0
        var truncated = false
        var isInteger = true
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < n, ByteClass.isDigit(p[i]) { return (i, .invalid(i, .leadingZero)) }
        } else {
            while i < n {
                let d = p[i] &- 0x30
                guard d < 10 else { break }
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                } else {
                    exp10 += 1
                    if d != 0 { truncated = true }
                    isInteger = false
                }
                i += 1
            }
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < n, ByteClass.isDigit(p[i]) else { return (i, .invalid(i, .digitExpectedAfterPoint)) }
            while i < n {
                let d = p[i] &- 0x30
                guard d < 10 else { break }
                if mantissa == 0 && d == 0 {
                    exp10 -= 1
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                    exp10 -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            i += 1
            var expNegative = false
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < n, ByteClass.isDigit(p[i]) else { return (i, .invalid(i, .digitExpectedInExponent)) }
            var e = 0
            while i < n {
                let d = p[i] &- 0x30
                guard d < 10 else { break }
                if e < 1_000_000 { e = e * 10 + Int(d) }
                i += 1
            }
            exp10 += expNegative ? -e : e
        }
        if isInteger {
            if negative {
                if mantissa <= UInt64(Int64.max) + 1 { return (i, .int(Int64(bitPattern: 0 &- mantissa))) }
            } else if mantissa <= UInt64(Int64.max) {
                return (i, .int(Int64(mantissa)))
            }
        }
        if mantissa == 0 && !truncated { return (i, .float(negative ? -0.0 : 0.0)) }
        if !truncated, mantissa <= 1 << 53, exp10 >= -22, exp10 <= 22 {
            var d = Double(mantissa)
            d = exp10 < 0 ? d / powersOfTen[-exp10] : d * powersOfTen[exp10]
            return (i, .float(negative ? -d : d))
        }
        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { return (i, .outOfRange) }
        return (i, .float(d))
    }

    /// Types a whole cell of text (CSV, logfmt): exactly `true`/`false` are booleans, text that
    /// is entirely a number in JSON syntax is `.int` or `.float`, anything else (including
    /// numbers with leading zeros such as `007`, and numbers beyond Double's range) is a string,
    /// for which this returns nil (the caller keeps the bytes where they are).
    @inline(__always)
    static func typedRecord(_ b: UnsafeBufferPointer<UInt8>) -> RowFields.Record? {
        guard let p = b.baseAddress, b.count > 0 else { return nil }
        let first = p[0]
        if first == UInt8(ascii: "-") || ByteClass.isDigit(first) {
            let (end, result) = scan(p, from: 0, count: b.count)
            if end == b.count {
                switch result {
                case .int(let v): return .int(v)
                case .float(let d): return .float(d)
                case .invalid, .outOfRange: break
                }
            }
        } else if b.count == 4, first == UInt8(ascii: "t"), p[1] == UInt8(ascii: "r"), p[2] == UInt8(ascii: "u"), p[3] == UInt8(ascii: "e") {
            return .bool(true)
        } else if b.count == 5, first == UInt8(ascii: "f"), p[1] == UInt8(ascii: "a"), p[2] == UInt8(ascii: "l"),
                  p[3] == UInt8(ascii: "s"), p[4] == UInt8(ascii: "e") {
            return .bool(false)
        }
        return nil
    }

    /// The number a whole text is in JSON syntax; nil when it is not entirely one (or is out of
    /// Double's range).
    static func number(_ b: UnsafeBufferPointer<UInt8>) -> Result? {
        guard let p = b.baseAddress, b.count > 0, p[0] == UInt8(ascii: "-") || ByteClass.isDigit(p[0]) else { return nil }
        let (end, result) = scan(p, from: 0, count: b.count)
        guard end == b.count else { return nil }
        switch result {
        case .int, .float: return result
        case .invalid, .outOfRange: return nil
        }
    }
}
