import KilnCore

/// Number, duration and time texts as the explorer shows them (pure).
enum Format {
    /// `1234567` as `1,234,567`.
    static func grouped(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// `grouped` for `Int`.
    static func grouped(_ n: Int) -> String { grouped(Int64(n)) }

    /// A double with `places` decimals (`12.5`, `0.04`); `-` when not finite.
    static func fixed(_ d: Double, _ places: Int) -> String {
        guard d.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<max(0, places) { scale *= 10 }
        let magnitude = (abs(d) * scale).rounded()
        guard magnitude < 9e18 else { return d > 0 ? "huge" : "-huge" }
        let scaled = Int64(magnitude)
        let whole = scaled / Int64(scale)
        var frac = String(scaled % Int64(scale))
        while frac.count < places { frac = "0" + frac }
        let sign = d < 0 && scaled != 0 ? "-" : ""
        return places <= 0 ? sign + String(whole) : sign + String(whole) + "." + frac
    }

    /// A percentage with one decimal: `93.1%`, `0.0%`, `<0.1%` for tiny non-zero shares.
    static func percent(_ p: Double) -> String {
        guard p.isFinite else { return "-" }
        if p > 0 && p < 0.05 { return "<0.1%" }
        return fixed(p, 1) + "%"
    }

    /// A compact number: `950`, `1.2k`, `34k`, `1.5M`, `0.25`, `12.5`.
    static func compact(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "-" : (d > 0 ? "inf" : "-inf") }
        let a = abs(d)
        let sign = d < 0 ? "-" : ""
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where a >= scale {
            let v = a / scale
            return sign + (v < 10 ? trimmed(fixed(v, 1)) : fixed(v, 0)) + suffix
        }
        if a == 0 { return "0" }
        if a >= 100 { return sign + fixed(a, 0) }
        if a >= 10 { return sign + trimmed(fixed(a, 1)) }
        if a >= 1 { return sign + trimmed(fixed(a, 2)) }
        if a >= 0.001 { return sign + trimmed(fixed(a, 3)) }
        return sign + "\(a)"
    }

    /// A millisecond value as a duration: `0.42ms`, `12ms`, `850ms`, `1.2s`, `2.5m`, `1.1h`.
    static func milliseconds(_ ms: Double) -> String {
        guard ms.isFinite else { return "-" }
        let a = abs(ms)
        let sign = ms < 0 ? "-" : ""
        if a == 0 { return "0ms" }
        if a < 1 { return sign + trimmed(fixed(a, 2)) + "ms" }
        if a < 10 { return sign + trimmed(fixed(a, 1)) + "ms" }
        if a < 1000 { return sign + fixed(a, 0) + "ms" }
        if a < 60_000 { return sign + trimmed(fixed(a / 1000, a < 10_000 ? 2 : 1)) + "s" }
        if a < 3_600_000 { return sign + trimmed(fixed(a / 60_000, 1)) + "m" }
        return sign + trimmed(fixed(a / 3_600_000, 1)) + "h"
    }

    /// A value of `field` for axes and ranges: a duration when the field's name says its unit
    /// (`duration_ms`, `duration_us`, `elapsed_ns`, `request_time_s`, ...), a compact number
    /// otherwise.
    static func fieldValue(_ d: Double, field: String) -> String {
        guard let toMillis = millisecondsPerUnit(field) else { return compact(d) }
        return milliseconds(d * toMillis)
    }

    /// Milliseconds per unit of `field`, when its name ends in a time unit (`_ms`, `_us`, `_µs`,
    /// `_micros`, `_ns`, `_nanos`, `_s`, `_sec`, `_seconds`, ...); nil when it names none.
    static func millisecondsPerUnit(_ field: String) -> Double? {
        SpanFields.millisecondsPerUnit(field)
    }

    /// A span of nanoseconds: `15m`, `2h`, `1.5h`, `3d`, `250ms`.
    static func span(_ ns: Int64) -> String {
        if ns <= 0 { return "0s" }
        return DurationText.format(ns)
    }

    /// Drops trailing zeros after a decimal point: `1.50` -> `1.5`, `2.0` -> `2`.
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.last == "0" { t.removeLast() }
        if t.last == "." { t.removeLast() }
        return String(t)
    }

    /// Civil UTC parts of a time.
    static func parts(_ ns: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanos: Int) {
        var seconds = ns / Timestamp.nanosPerSecond
        var frac = ns % Timestamp.nanosPerSecond
        if frac < 0 { frac += Timestamp.nanosPerSecond; seconds -= 1 }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = Timestamp.civilFromDays(Int(clamping: days))
        return (y, m, d, Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60), Int(frac))
    }

    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    static func pad3(_ v: Int) -> String { v < 10 ? "00\(v)" : (v < 100 ? "0\(v)" : "\(v)") }

    /// `HH:MM` (UTC).
    static func clock(_ ns: Int64) -> String {
        let p = parts(ns)
        return pad2(p.hour) + ":" + pad2(p.minute)
    }

    /// `HH:MM:SS` (UTC).
    static func clockSeconds(_ ns: Int64) -> String {
        let p = parts(ns)
        return pad2(p.hour) + ":" + pad2(p.minute) + ":" + pad2(p.second)
    }

    /// `HH:MM:SS.mmm` (UTC).
    static func clockMillis(_ ns: Int64) -> String {
        let p = parts(ns)
        return pad2(p.hour) + ":" + pad2(p.minute) + ":" + pad2(p.second) + "." + pad3(p.nanos / 1_000_000)
    }

    /// `MM-DD HH:MM` (UTC).
    static func dayClock(_ ns: Int64) -> String {
        let p = parts(ns)
        return pad2(p.month) + "-" + pad2(p.day) + " " + pad2(p.hour) + ":" + pad2(p.minute)
    }

    /// `YYYY-MM-DD` (UTC).
    static func date(_ ns: Int64) -> String {
        let p = parts(ns)
        return String(p.year) + "-" + pad2(p.month) + "-" + pad2(p.day)
    }

    /// How much of the date the times of a window need: none within one UTC day, the month
    /// and day when it crosses a day, the year too when it crosses a year.
    enum DatePart: Equatable {
        case none, day, year
    }

    /// The date part the times between `from` and `to` need.
    static func datePart(_ from: Int64, _ to: Int64) -> DatePart {
        let a = parts(min(from, to)), b = parts(max(from, to))
        if a.year != b.year { return .year }
        if a.month != b.month || a.day != b.day { return .day }
        return .none
    }

    /// `MM-DD ` or `YYYY-MM-DD ` (UTC) before a clock, as `part` asks; empty for `.none`.
    static func datePrefix(_ ns: Int64, _ part: DatePart) -> String {
        switch part {
        case .none: return ""
        case .day: let p = parts(ns); return pad2(p.month) + "-" + pad2(p.day) + " "
        case .year: return date(ns) + " "
        }
    }

    /// A time of the window `from`...`to`: as precise as its span needs, with the date when the
    /// window crosses a day and the year when it crosses a year.
    static func time(_ ns: Int64, from: Int64, to: Int64) -> String {
        let span = max(0, to &- from)
        let clockText: String
        if span >= 10 * 60 * Timestamp.nanosPerSecond {
            clockText = clock(ns)
        } else if span >= 10 * Timestamp.nanosPerSecond {
            clockText = clockSeconds(ns)
        } else {
            clockText = clockMillis(ns)
        }
        return datePrefix(ns, datePart(from, to)) + clockText
    }

    /// `06:31–07:01` (or with seconds as the span needs), with dates when the range crosses a
    /// day (`12-04 20:50–12-06 20:50`) and years when it crosses a year.
    /// `window`, when given, is the whole view's window: when it crosses a day, the dates are
    /// shown even for a range within one day.
    static func timeRange(_ from: Int64, _ to: Int64, dash: String, window: (Int64, Int64)? = nil) -> String {
        let (a, b) = window.map { (min($0.0, from), max($0.1, to)) } ?? (from, to)
        let part = datePart(a, b)
        let span = max(0, to &- from)
        func text(_ ns: Int64) -> String {
            let clockText = span >= 10 * 60 * Timestamp.nanosPerSecond ? clock(ns)
                : (span >= 10 * Timestamp.nanosPerSecond ? clockSeconds(ns) : clockMillis(ns))
            return datePrefix(ns, part) + clockText
        }
        return text(from) + dash + text(to)
    }

    /// `06:31:09–07:01:00`: to the second (or the millisecond for spans under 10 s), with
    /// dates when the range crosses a day (years when it crosses a year); for the box and the
    /// cursor, where each column counts. `window` is the whole view's window: when it crosses
    /// a day, the dates are shown even for a range within one day.
    static func preciseRange(_ from: Int64, _ to: Int64, dash: String, window: (Int64, Int64)? = nil) -> String {
        let span = max(0, to &- from)
        let own = datePart(from, to)
        let part = window.map { datePart($0.0, $0.1) } ?? own
        let both = [own, part]
        let widest: DatePart = both.contains(.year) ? .year : (both.contains(.day) ? .day : .none)
        let seconds = span >= 10 * Timestamp.nanosPerSecond
        let a = seconds ? clockSeconds(from) : clockMillis(from)
        let b = seconds ? clockSeconds(to) : clockMillis(to)
        return datePrefix(from, widest) + a + dash + datePrefix(to, widest) + b
    }

    /// An event's time for the events list: `HH:MM:SS.mmm`, after the date when `part` asks.
    static func eventTime(_ ns: Int64, _ part: DatePart) -> String {
        datePrefix(ns, part) + clockMillis(ns)
    }

    /// How long ago, compactly: `just now`, `12s ago`, `5m ago`, `3h ago`, `2d ago`.
    static func ago(_ ns: Int64) -> String {
        if ns < Timestamp.nanosPerSecond { return "just now" }
        let s = ns / Timestamp.nanosPerSecond
        if s < 60 { return "\(s)s ago" }
        if s < 3600 { return "\(s / 60)m ago" }
        if s < 86_400 { return "\(s / 3600)h ago" }
        return "\(s / 86_400)d ago"
    }
}
