import ArgumentParser
import Foundation
import KilnCore
import KilnGenerate

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write realistic web-shop traces with a known incident, as JSON lines.",
        discussion: """
        Events are spans of a simulated shop (frontend, cart, checkout, payment, catalog, search, \
        auth, with a database and a cache): trace ids, services, routes, status codes, users, \
        tenants, hosts, versions, feature flags and latencies. The same scenario, count, seed and \
        end time give the same bytes.

        Scenarios:
        \(Scenarios.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

        --truth prints the scenario's ground truth as JSON instead of events: the selection that \
        isolates the incident (filter expressions) and the cause field(s) and value(s).

        Examples:
          kiln generate --scenario bad-deploy --events 100000 -o shop.jsonl
          kiln generate --scenario heavy-tenant --truth
          kiln generate --events 1000 | kiln ingest --dataset shop
          kiln generate --duration 7d --rate 10 -o week.jsonl     # a week at 10 events/s (6,048,000 events)
        """
    )

    @Option(help: "Scenario name (see above).") var scenario: String = Scenarios.badDeploy.name
    @Option(help: "Number of events (default 100,000, or --rate × --duration).") var events: Int?
    @Option(help: ArgumentHelp("Time span the events cover, e.g. 2h or 7d (default: 1h below a million events, else 2h).", valueName: "span"))
    var duration: String?
    @Option(help: ArgumentHelp("Events per second over --duration (instead of --events).", valueName: "per-second")) var rate: Double?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Time of the last event: RFC 3339, a date (midnight UTC) or epoch (default: now).") var end: String?
    @Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?
    @Flag(help: "Print the ground truth as JSON instead of the events.") var truth = false

    func validate() throws {
        if let events, events < 0 { throw ValidationError("--events must be 0 or more") }
        if let duration, DurationText.parse(duration) == nil { throw ValidationError("--duration: \"\(duration)\" is not a span like 2h or 7d") }
        if let rate {
            guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be more than 0") }
            guard duration != nil else { throw ValidationError("--rate needs --duration") }
            guard events == nil else { throw ValidationError("give --events or --rate, not both") }
        }
        if let end, Timestamp.parse(end) == nil { throw ValidationError("--end: \"\(end)\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time") }
        guard Scenarios.named(scenario) != nil else {
            throw ValidationError("unknown scenario \"\(scenario)\" (known: \(Scenarios.all.map(\.name).joined(separator: ", ")))")
        }
    }

    func run() throws {
        let endTime = end.flatMap(Timestamp.parse) ?? Clock.nowNanos()
        let window = duration.flatMap(DurationText.parse)
        var count = events ?? 100_000
        if let rate, let window { count = Int((rate * Double(window) / 1e9).rounded()) }
        let generator = try EventGenerator(GeneratorOptions(scenario: scenario, events: count, seed: seed, end: endTime, window: window))
        if truth {
            print(generator.truthJSON())
            return
        }
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil), let h = FileHandle(forWritingAtPath: output) else {
                printError("kiln generate: cannot write \(output)")
                throw ExitCode(2)
            }
            handle = h
        } else {
            handle = FileHandle.standardOutput
        }
        var iterator = generator.makeIterator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 23)
        while iterator.appendJSONLines(upTo: 8_192, to: &bytes) > 0 {
            handle.write(Data(bytes))
            bytes.removeAll(keepingCapacity: true)
        }
        if output != nil { try handle.close() }
    }
}
