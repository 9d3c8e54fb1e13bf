import KilnCore

/// Why a generator could not be made from its options.
public struct GeneratorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Code: Sendable, Equatable {
        case unknownScenario, invalidEventCount, invalidWindow, invalidEnd
    }

    /// The kind of problem.
    public let code: Code
    /// A sentence for the user, naming the option and the cause.
    public let message: String
    /// The offending input as given.
    public let context: String

    /// The message.
    public var description: String { message }

    static func unknownScenario(_ name: String) -> GeneratorError {
        let known = Scenarios.all.map(\.name).joined(separator: ", ")
        return GeneratorError(code: .unknownScenario,
                              message: "unknown scenario \"\(name)\"; known scenarios: \(known)", context: name)
    }

    static func invalidEventCount(_ count: Int) -> GeneratorError {
        GeneratorError(code: .invalidEventCount,
                       message: "event count must be 0 or more, got \(count)", context: String(count))
    }

    static func invalidWindow(_ window: Int64) -> GeneratorError {
        GeneratorError(code: .invalidWindow,
                       message: "time window must be at least 1 second, got \(window) ns", context: String(window))
    }

    static func invalidEnd(_ end: Int64, window: Int64) -> GeneratorError {
        GeneratorError(code: .invalidEnd,
                       message: "end time \(end) ns leaves no room for a \(DurationText.format(window)) window after 1970-01-01",
                       context: String(end))
    }
}
