import KilnCore

/// Wide events from a simulated web shop, as traces, in time order and deterministic for a seed.
///
/// Each root request of the frontend becomes a trace of spans (auth, cart, checkout, payment,
/// catalog, search, with Postgres, Redis and Elasticsearch calls as client spans); each span is
/// one event whose time is the span's start. The scenario may put an incident into the traffic;
/// ``truth`` describes it.
///
/// Iterating is lazy: memory stays proportional to the traces in flight, not to ``GeneratorOptions/events``.
public struct EventGenerator: Sequence, Sendable {
    /// The options it was made with.
    public let options: GeneratorOptions
    /// The scenario the options name.
    public let scenario: Scenario
    let timeline: Timeline
    let plan: IncidentPlan

    /// Makes a generator.
    /// - Throws: ``GeneratorError`` for an unknown scenario, a negative event count, a window
    ///   shorter than a second, or an end time earlier than the window's length.
    public init(_ options: GeneratorOptions) throws {
        scenario = try Scenarios.scenario(named: options.scenario)
        guard options.events >= 0 else { throw GeneratorError.invalidEventCount(options.events) }
        let window = options.resolvedWindow
        guard window >= 1_000_000_000 else { throw GeneratorError.invalidWindow(window) }
        guard options.end >= window else { throw GeneratorError.invalidEnd(options.end, window: window) }
        self.options = options
        timeline = Timeline(end: options.end, window: window)
        plan = IncidentPlan(kind: scenario.kind, timeline: timeline)
    }

    /// The ground truth of the scenario: what happened, when, and which selection isolates it.
    public var truth: GroundTruth {
        GroundTruth(scenario: scenario, plan: plan, end: options.end, world: .standard)
    }

    /// ``truth`` as JSON text.
    public func truthJSON() -> String {
        truth.json()
    }

    /// The exact number of events the sequence produces.
    public var underestimatedCount: Int { options.events }

    /// A fresh pass over the events.
    public func makeIterator() -> Iterator {
        Iterator(generator: self)
    }

    /// Produces the events one at a time, in time order.
    public struct Iterator: IteratorProtocol {
        private var builder: TraceBuilder
        private var curve: LoadCurve
        private var heap = EventHeap()
        private let timeline: Timeline
        private let total: Int
        private var consumed = 0
        /// Start of the latest trace laid out (µs); no later trace starts before it.
        private var lastStartUs: Int64

        init(generator: EventGenerator) {
            let plan = generator.plan
            let timeline = generator.timeline
            self.timeline = timeline
            total = generator.options.events
            var floodRange: ClosedRange<Double>?
            if plan.kind == .heavyTenant {
                floodRange = timeline.fraction(of: plan.fromUs)...timeline.fraction(of: plan.toUs)
            }
            curve = LoadCurve(seed: generator.options.seed, floodRange: floodRange)
            builder = TraceBuilder(world: .standard, plan: plan, seed: generator.options.seed)
            lastStartUs = timeline.beginUs
        }

        /// The next event, or nil after the last.
        /// - Complexity: amortized O(log t) for t traces in flight.
        public mutating func next() -> Event? {
            while true {
                if let earliest = heap.minTimestamp, consumed == total || earliest <= lastStartUs * 1000 {
                    return heap.popMin()
                }
                if consumed == total { return nil }
                layOutTrace()
            }
        }

        /// Appends up to `limit` further events as JSON lines (each ending in a newline) and
        /// returns how many it appended; fewer than `limit` means the sequence is exhausted.
        public mutating func appendJSONLines(upTo limit: Int, to out: inout String) -> Int {
            var n = 0
            while n < limit, let event = next() {
                out.append(JSONText.eventObject(event))
                out.append("\n")
                n += 1
            }
            return n
        }

        /// Appends up to `limit` events as JSON lines to a byte buffer (the fast path for files);
        /// returns how many were written.
        public mutating func appendJSONLines(upTo limit: Int, to out: inout [UInt8]) -> Int {
            var n = 0
            while n < limit, let event = next() {
                JSONText.appendEventLine(event, to: &out)
                n += 1
            }
            return n
        }

        /// Builds the next trace, places it in time and queues its events.
        ///
        /// A trace is placed where the share of events produced so far, its own included, falls
        /// on the load curve; but never before the previous trace, and early enough that all
        /// its spans start by the end time.
        private mutating func layOutTrace() {
            let total = Double(self.total)
            let x0 = curve.position(at: Double(consumed) / total)
            builder.build(at: timeline.time(at: x0), floodChance: curve.floodChance(at: x0))
            let size = Swift.min(builder.spans.count, self.total - consumed)
            var extent = builder.keep(size)
            consumed += size
            let mapped = timeline.time(at: curve.position(at: Double(consumed) / total))
            let start = Swift.max(lastStartUs, Swift.min(mapped, timeline.endUs - extent))
            if start + extent > timeline.endUs {
                builder.compress(extent: extent, to: timeline.endUs - start)
                extent = timeline.endUs - start
            }
            lastStartUs = start
            builder.emit(startUs: start, into: &heap)
        }
    }
}
