import Foundation
import Testing

/// Errors that help: misspelt fields name the closest field, every command fails the same way
/// with `kiln COMMAND: ...`, and raw events honour --format.
struct CLIConsistencyTests {
    /// A store with one dataset `web` of 100 events on 2024-05-01 between 12:00 and 12:01.
    static func store(_ dir: TempDir) throws -> String {
        let db = dir.path("k.db")
        let lines = (0..<100).map { k in
            #"{"time":"2024-05-01T12:00:\#(String(format: "%02d", k % 60))Z","status":\#(k % 10 == 0 ? 404 : 200),"duration_ms":\#(k),"path":"/p\#(k % 3)"}"#
        }.joined(separator: "\n")
        let ingest = try KilnBinary.run(["ingest", "--db", db, "--dataset", "web", "-"], stdin: Data(lines.utf8))
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return db
    }

    @Test(arguments: [
        (["query", "--where", "stauts = 404"], "kiln query: --where: no field stauts (did you mean status?)"),
        (["query", "--calc", "P99(duraton_ms)"], "kiln query: --calc: no field duraton_ms (did you mean duration_ms?)"),
        (["query", "--group-by", "pth"], "kiln query: --group-by: no field pth (did you mean path?)"),
        (["bubbleup", "--select", "duraton_ms >= 50"], "kiln bubbleup: --select: no field duraton_ms (did you mean duration_ms?)"),
        (["bubbleup", "--where", "stauts = 404", "--select", "duration_ms >= 50"], "kiln bubbleup: --where: no field stauts (did you mean status?)"),
        (["query", "--where", "zzzzzz = 1"], "kiln query: --where: no field zzzzzz"),
    ])
    func unknownFieldsAreErrors(arguments: [String], message: String) throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let result = try KilnBinary.run(Array(arguments.prefix(1)) + ["--db", db, "--dataset", "web"] + arguments.dropFirst())
        #expect(result.status == 64)
        #expect(result.stderr.trimmingCharacters(in: .newlines) == message, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// A field of the dataset that no event in the time window has is not an error.
    /// A day as people type it is a time range's edge (its midnight UTC); a day that does not
    /// exist is refused with the form expected.
    @Test func datesBoundTheRange() throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let day = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "web", "--from", "2024-05-01", "--to", "2024-05-02",
                                                          "--calc", "COUNT", "--format", "json"]))
        #expect((day["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int == 100, "\(day)")
        let after = try KilnBinary.json(try KilnBinary.run(["query", "--db", db, "--dataset", "web", "--from", "2024-05-02",
                                                            "--calc", "COUNT", "--format", "json"]))
        #expect((after["rows"] as? [[String: Any]])?.first?["COUNT"] as? Int == 0, "\(after)")
        let bad = try KilnBinary.run(["query", "--db", db, "--dataset", "web", "--from", "2024-13-01", "--calc", "COUNT"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--from: \"2024-13-01\" is neither RFC 3339, a date (YYYY-MM-DD) nor an epoch time"), "\(bad.stderr)")
    }

    @Test func fieldAbsentFromTheWindowIsFine() throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let result = try KilnBinary.run(["query", "--db", db, "--dataset", "web", "--from", "2025-01-01T00:00:00Z",
                                         "--where", "status = 404", "--calc", "COUNT", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"COUNT\":0"), "\(result.stdout)")
        let select = try KilnBinary.run(["bubbleup", "--db", db, "--dataset", "web", "--select", "timestamp >= 2024-05-01T12:00:30Z",
                                         "--select", "status = 404", "--format", "json"])
        #expect(select.status == 0, "\(select.stderr)")
    }

    /// A missing store fails with status 2 and `kiln COMMAND: ...` in every command.
    @Test(arguments: [["datasets"], ["fields", "--dataset", "web"], ["query", "--dataset", "web"],
                      ["bubbleup", "--dataset", "web", "--select", "a = 1"], ["datasets", "rm", "web"]])
    func missingStoreIsTwoEverywhere(arguments: [String]) throws {
        let dir = try TempDir()
        let result = try KilnBinary.run(arguments + ["--db", dir.path("missing.db")])
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        let command = arguments[0] == "datasets" && arguments.count > 1 ? "datasets rm" : arguments[0]
        #expect(result.stderr.hasPrefix("kiln \(command): "), "\(result.stderr)")
        #expect(result.stderr.contains("no Kiln store here"), "\(result.stderr)")
    }

    /// A malformed --where from any command names the command, with its caret, and exits 64;
    /// never the top-level usage.
    @Test(arguments: ["query", "bubbleup"])
    func malformedWhereNamesTheCommand(command: String) throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let select = command == "bubbleup" ? ["--select", "status = 404"] : []
        let result = try KilnBinary.run([command, "--db", db, "--dataset", "web", "--where", "status => 404"] + select)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("kiln \(command): --where: status => 404\n"), "\(result.stderr)")
        #expect(result.stderr.contains("^"))
        #expect(!result.stderr.contains("kiln <subcommand>"), "\(result.stderr)")
    }

    /// Raw events honour --format csv and table.
    @Test func rawEventsHonourTheFormat() throws {
        let dir = try TempDir()
        let db = try Self.store(dir)
        let csv = try KilnBinary.run(["query", "--db", db, "--dataset", "web", "--where", "status = 404", "--limit", "3", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "timestamp,status,duration_ms,path")
        #expect(lines.count == 4)
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("2024-05-01T12:00:") && $0.contains(",404,") })
        let table = try KilnBinary.run(["query", "--db", db, "--dataset", "web", "--where", "status = 404", "--limit", "3"])
        #expect(table.status == 0, "\(table.stderr)")
        let rows = table.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first?.hasPrefix("timestamp") == true && rows.first?.contains("duration_ms") == true, "\(table.stdout)")
        #expect(!table.stdout.contains("{"), "no JSON lines: \(table.stdout)")
        #expect(rows.count == 5, "header, rule, three events: \(table.stdout)")
    }
}
