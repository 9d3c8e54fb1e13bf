/// An error of the ingest server: what went wrong, where, and the HTTP status it answers with.
///
/// Decoders throw it for bad input (4xx), the store path for overload (503) and failures (500).
/// The message is what the client reads: it names the place (`event 3`, `span 2 of scope 0`,
/// `byte 181`) and the cause.
public struct ServerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A short machine-readable reason.
    public enum Code: Sendable, Equatable {
        case malformed, unsupportedMediaType, unsupportedEncoding, tooLarge, tooMany, unauthorized
        case notFound, methodNotAllowed, overloaded, timeout, storeFailure, invalidArgument
    }

    /// The reason.
    public var code: Code
    /// What the client reads.
    public var message: String
    /// Seconds after which a retry may succeed (503 only).
    public var retryAfter: Int?

    /// The text shown to users.
    public var description: String { message }

    /// The HTTP status code this error answers with.
    public var status: Int {
        switch code {
        case .malformed, .invalidArgument: return 400
        case .unauthorized: return 401
        case .notFound: return 404
        case .methodNotAllowed: return 405
        case .timeout: return 408
        case .tooLarge, .tooMany: return 413
        case .unsupportedMediaType, .unsupportedEncoding: return 415
        case .storeFailure: return 500
        case .overloaded: return 503
        }
    }

    /// Makes an error.
    public init(code: Code, message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    package static func malformed(_ what: String) -> ServerError { ServerError(code: .malformed, message: what) }

    package static func tooLarge(_ what: String, limit: Int) -> ServerError {
        ServerError(code: .tooLarge, message: "\(what) is larger than the limit of \(limit) bytes")
    }

    package static func tooMany(_ what: String, limit: Int) -> ServerError {
        ServerError(code: .tooMany, message: "\(what): more than the limit of \(limit)")
    }

    package static func overloaded(_ why: String, retryAfter: Int = 1) -> ServerError {
        ServerError(code: .overloaded, message: why, retryAfter: retryAfter)
    }
}
