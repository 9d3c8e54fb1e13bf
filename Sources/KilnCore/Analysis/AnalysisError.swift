/// An error from the analysis library: a bad filter, calculation or ordering, or a query that
/// cannot run.
///
/// `description` shows what a user should see. For text that failed to parse it is three lines:
/// the text, a caret under the position where parsing stopped, and the reason:
///
/// ```
/// duration_ms >=
///               ^
/// expected a value after ">="
/// ```
public struct AnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public enum Code: String, Sendable, Equatable {
        /// A filter expression did not parse.
        case badFilter
        /// A calculation (`P99(duration_ms)`) did not parse.
        case badCalculation
        /// An `--order-by` term did not parse or names nothing in the query.
        case badOrder
        /// The query is well formed but cannot run as asked (too many time buckets, ...).
        case badQuery
    }

    /// The kind of problem.
    public var code: Code
    /// The reason, in words (`expected a value after ">="`).
    public var message: String
    /// The text that was being parsed, when there was one.
    public var context: String?
    /// The character offset in `context` where parsing stopped.
    public var position: Int?

    /// Makes an error.
    public init(code: Code, message: String, context: String? = nil, position: Int? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.position = position
    }

    /// The text, a caret line under the position, and the reason; or only the reason.
    public var description: String {
        guard let context else { return message }
        guard let position else { return context + "\n" + message }
        let caret = String(repeating: " ", count: max(0, min(position, context.count))) + "^"
        return context + "\n" + caret + "\n" + message
    }

    static func filter(_ message: String, in text: String, at position: Int) -> AnalysisError {
        AnalysisError(code: .badFilter, message: message, context: text, position: position)
    }

    static func calculation(_ message: String, in text: String, at position: Int) -> AnalysisError {
        AnalysisError(code: .badCalculation, message: message, context: text, position: position)
    }

    static func order(_ message: String, in text: String, at position: Int?) -> AnalysisError {
        AnalysisError(code: .badOrder, message: message, context: text, position: position)
    }

    static func query(_ message: String) -> AnalysisError {
        AnalysisError(code: .badQuery, message: message)
    }
}
