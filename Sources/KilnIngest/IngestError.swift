/// Why one line (or record) was rejected. Decoders throw it; ``IngestDecoder`` turns it into a
/// ``Rejection`` carrying the line number.
struct IngestError: Error, Equatable {
    /// The kind of failure.
    enum Code: Equatable {
        case malformed, invalidUTF8, lineTooLong, tooDeep, numberOutOfRange, notAnObject, tooManyCells, badTime
    }

    /// The kind of failure.
    var code: Code
    /// The reason shown to the user, naming what and where.
    var message: String

    static func malformed(_ what: String, column: Int) -> IngestError {
        IngestError(code: .malformed, message: "\(what) (column \(column))")
    }

    static func unterminatedString(column: Int) -> IngestError {
        IngestError(code: .malformed, message: "unterminated string starting at column \(column)")
    }

    static func invalidUTF8(column: Int) -> IngestError {
        IngestError(code: .invalidUTF8, message: "invalid UTF-8 (column \(column))")
    }

    /// A CSV or TSV header that is not valid UTF-8: no row of the input is read without it.
    static func invalidHeader(column: Int) -> IngestError {
        IngestError(code: .invalidUTF8, message: "the header row is not valid UTF-8 (column \(column)): no row of this input is read; fix or re-encode the header")
    }

    static func lineTooLong(_ length: Int?) -> IngestError {
        let size = length.map { "\($0) bytes" } ?? "more than \(IngestDecoder.maxLineBytes) bytes"
        return IngestError(code: .lineTooLong, message: "line too long: \(size), the limit is 1 MiB (\(IngestDecoder.maxLineBytes) bytes)")
    }

    static func tooDeep(column: Int) -> IngestError {
        IngestError(code: .tooDeep, message: "nesting deeper than \(JSONLineDecoder.maxDepth) levels (column \(column))")
    }

    static func numberOutOfRange(_ text: String, column: Int) -> IngestError {
        IngestError(code: .numberOutOfRange, message: "number out of range: \(text) (column \(column))")
    }

    static func notAnObject(found: String) -> IngestError {
        IngestError(code: .notAnObject, message: "expected a JSON object at the top level, found \(found)")
    }

    static func tooManyCells(_ cells: Int, header: Int) -> IngestError {
        IngestError(code: .tooManyCells, message: "row has \(cells) cells but the header has \(header) columns")
    }

    static func badTime(_ text: String, _ why: String) -> IngestError {
        IngestError(code: .badTime, message: "invalid time \"\(text)\": \(why)")
    }

    /// The time field `name` holds something that is not a time.
    static func badTime(field name: String, _ error: IngestError) -> IngestError {
        IngestError(code: .badTime, message: "time field \"\(name)\": \(error.message)")
    }
}
