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
        """
    )

    @Option(help: "Scenario name (see above).") var scenario: String = Scenarios.badDeploy.name
    @Option(help: "Number of events.") var events: Int = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Time of the last event: RFC 3339 or epoch (default: now).") var end: String?
    @Option(name: .shortAndLong, help: "Output file (default: standard output).") var output: String?
    @Flag(help: "Print the ground truth as JSON instead of the events.") var truth = false

    func validate() throws {
        guard events >= 0 else { throw ValidationError("--events must be 0 or more") }
        if let end, Timestamp.parse(end) == nil { throw ValidationError("--end: \"\(end)\" is neither RFC 3339 nor an epoch time") }
        guard Scenarios.named(scenario) != nil else {
            throw ValidationError("unknown scenario \"\(scenario)\" (known: \(Scenarios.all.map(\.name).joined(separator: ", ")))")
        }
    }

    func run() throws {
        let endTime = end.flatMap(Timestamp.parse) ?? Clock.nowNanos()
        let generator = try EventGenerator(GeneratorOptions(scenario: scenario, events: events, seed: seed, end: endTime))
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
