import Foundation
import KilnCore
@testable import KilnExplorer
import KilnTerminal
import Testing

/// Deterministic events of a small web shop with an incident: from 10:30 on, version 2.0.0
/// serving enterprise checkouts takes 1-4 s.
enum Shop {
    /// 2024-05-01T10:00:00Z.
    static let start: Int64 = 1_714_557_600_000_000_000
    static let minute: Int64 = 60_000_000_000
    static let incident = start + 30 * minute
    static let end = start + 60 * minute

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        mutating func unit() -> Double { Double(next() % 1_000_000) / 1_000_000 }
        mutating func pick<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }
    }

    /// `count` request events spread over the hour, each with a child span.
    static func events(count: Int = 3000, seed: UInt64 = 7) -> [Event] {
        var r = Random(state: seed)
        var out: [Event] = []
        let services = ["frontend", "cart", "search", "catalog"]
        let plans = ["free", "pro", "enterprise"]
        let routes = ["/api/checkout", "/api/search", "/api/cart", "/api/products"]
        for i in 0..<count {
            let t = start + Int64(i) * (end - start) / Int64(count)
            let service = r.pick(services)
            let plan = r.pick(plans)
            let route = r.pick(routes)
            let late = t >= incident
            let version = late && r.unit() < 0.5 ? "2.0.0" : "1.9.4"
            var duration = 2 + 200 * r.unit() * r.unit()
            if late && version == "2.0.0" && plan == "enterprise" && route == "/api/checkout" {
                duration = 1000 + 3000 * r.unit()
            }
            let trace = String(format: "%016x", 0x1000 + i)
            let status: Int64 = r.unit() < 0.02 ? 500 : 200
            out.append(Event(timestamp: t, fields: [
                Field("trace.trace_id", .string(trace)),
                Field("trace.span_id", .string(trace + "-a")),
                Field("service.name", .string(service)),
                Field("service.version", .string(version)),
                Field("name", .string("GET " + route)),
                Field("http.route", .string(route)),
                Field("http.status_code", .int(status)),
                Field("customer.plan", .string(plan)),
                Field("duration_ms", .float((duration * 1000).rounded() / 1000)),
                Field("error", .bool(status >= 500)),
            ]))
            out.append(Event(timestamp: t + 1_000_000, fields: [
                Field("trace.trace_id", .string(trace)),
                Field("trace.span_id", .string(trace + "-b")),
                Field("trace.parent_id", .string(trace + "-a")),
                Field("service.name", .string("db")),
                Field("service.version", .string("15.2")),
                Field("name", .string("SELECT orders")),
                Field("duration_ms", .float(((duration * 0.6) * 1000).rounded() / 1000)),
                Field("db.statement", .string("SELECT * FROM orders WHERE id = ?")),
            ]))
            if i % 500 == 0 {
                // A span whose parent was never recorded.
                out.append(Event(timestamp: t + 2_000_000, fields: [
                    Field("trace.trace_id", .string(trace)),
                    Field("trace.span_id", .string(trace + "-c")),
                    Field("trace.parent_id", .string(trace + "-missing")),
                    Field("service.name", .string("payment")),
                    Field("name", .string("POST /charge")),
                    Field("duration_ms", .float(12.5)),
                ]))
            }
        }
        return out
    }

    static func table(count: Int = 3000) -> EventTable {
        var b = EventTableBuilder()
        b.append(events(count: count))
        return b.table
    }

    static let size80 = TerminalSize(width: 80, height: 24)
    static let size120 = TerminalSize(width: 120, height: 40)
    static let now = end + 5 * minute

    /// A model and the first state over the shop table, whole span.
    static func start(size: TerminalSize = size80, glyphs: GlyphSet = .unicode, count: Int = 3000,
                      filters: [Filter] = []) -> (ExplorerState, ExplorerModel) {
        let model = ExplorerModel(table: table(count: count))
        let state = Explorer.makeState(size: size, glyphs: glyphs, dataset: "shop", model: model,
                                       query: QueryState(filters: filters), requestedRange: .all, now: now)
        return (state, model)
    }
}

extension ExplorerState {
    /// Applies keys in order, returning the effects of the last one.
    @discardableResult
    mutating func press(_ keys: [Key], _ model: ExplorerModel) -> [Effect] {
        var effects: [Effect] = []
        for k in keys { effects = Explorer.update(&self, .keyPressed(k), model: model) }
        return effects
    }

    /// Types text into the prompt (opening it with `:`), then Enter.
    mutating func command(_ text: String, _ model: ExplorerModel) {
        press([.char(":")] + text.map { Key.char($0) } + [.enter], model)
    }

    func frame(_ model: ExplorerModel) -> ScreenGrid {
        var grid = ScreenGrid(size: size)
        Explorer.render(self, model: model, into: &grid)
        return grid
    }
}

/// Compares text with `Snapshots/<name>.txt`; `KILN_RECORD_SNAPSHOTS=1` writes it instead.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = dir.appendingPathComponent(name + ".txt")
    if ProcessInfo.processInfo.environment["KILN_RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
        return
    }
    guard let data = try? Data(contentsOf: url) else {
        Issue.record("no snapshot \(name).txt; run with KILN_RECORD_SNAPSHOTS=1 and review it", sourceLocation: sourceLocation)
        return
    }
    let expected = String(decoding: data, as: UTF8.self)
    if expected != text {
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        var diff = ""
        for i in 0..<max(a.count, b.count) where (i < a.count ? a[i] : "") != (i < b.count ? b[i] : "") {
            diff += "line \(i + 1):\n  expected \(i < a.count ? a[i] : "")\n  actual   \(i < b.count ? b[i] : "")\n"
            if diff.count > 2000 { break }
        }
        Issue.record("snapshot \(name) differs:\n\(diff)", sourceLocation: sourceLocation)
    }
}
