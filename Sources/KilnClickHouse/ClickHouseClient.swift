import Foundation
import KilnHTTP

/// Sends SQL to one ClickHouse server over its HTTP interface (``HTTPPost``) and waits for the
/// answer.
///
/// Reads ask the server to finish the query before answering (`wait_end_of_query=1`), so a
/// failure anywhere in the cluster (a lost shard) is an HTTP error, never a truncated body
/// passed off as a whole answer.
public final class ClickHouseClient: @unchecked Sendable {
    /// Where requests go (the password only ever leaves in the Authorization header).
    public let url: ClickHouseURL
    /// Seconds a request may take before it fails.
    public var timeout: TimeInterval

    /// A client of the server of `url`.
    public init(url: ClickHouseURL, timeout: TimeInterval = 120) {
        self.url = url
        self.timeout = timeout
    }

    /// Runs `sql` with `settings` as query parameters; returns the response body.
    /// - Throws: ``ClickHouseError`` `.unavailable` when the server cannot be reached, `.server`
    ///   with ClickHouse's message (and the shard it names) when the query fails.
    @discardableResult
    public func execute(_ sql: String, body: Data? = nil, settings: [String: String] = [:], database: Bool = true) throws -> Data {
        SQLLog.record(sql, body: body)
        var components = URLComponents()
        components.path = "/"
        var items: [URLQueryItem] = []
        if database { items.append(URLQueryItem(name: "database", value: url.database)) }
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) { items.append(URLQueryItem(name: k, value: v)) }
        // With a body, the SQL travels as the `query` parameter and the body is the data.
        if body != nil { items.append(URLQueryItem(name: "query", value: sql)) }
        components.queryItems = items.isEmpty ? nil : items
        let target = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        var headers: [(String, String)] = []
        if url.user != nil || url.password != nil {
            let credentials = Data("\(url.user ?? "default"):\(url.password ?? "")".utf8).base64EncodedString()
            headers.append(("Authorization", "Basic \(credentials)"))
        }
        let response: HTTPPost.Response
        do {
            response = try HTTPPost.send(host: url.host, port: url.port, target: target, headers: headers,
                                         body: Array(body ?? Data(sql.utf8)), timeout: timeout)
        } catch {
            throw ClickHouseError.unavailable(url.address, scrub("\(error)"))
        }
        if response.status == 401 {
            throw ClickHouseError.server(url.address, "refused the user or password (HTTP 401); check ?user=U&password=P")
        }
        guard response.status == 200 else {
            throw ClickHouseError.server(url.address, Self.summary(scrub(String(decoding: response.body, as: UTF8.self))))
        }
        return Data(response.body)
    }

    /// The response of `sql` as text.
    public func text(_ sql: String, settings: [String: String] = [:]) throws -> String {
        String(decoding: try execute(sql, settings: settings), as: UTF8.self)
    }

    /// Removes the password from text that may echo it.
    func scrub(_ text: String) -> String {
        guard let password = url.password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }

    /// ClickHouse's message shortened to its first exception, plus the shard it names when a
    /// remote server could not be reached.
    static func summary(_ body: String) -> String {
        var text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        if let r = text.range(of: ", e.what() = ") { text = String(text[..<r.lowerBound]) }
        text = text.replacingOccurrences(of: "e.displayText() = ", with: "")
        let firstLine = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? text
        // A lost shard: "Connection refused (127.0.0.1:9000)" and the like name its address.
        let unreachable = [("Connection refused (", "connection refused"), ("Timeout exceeded while reading from socket (", "timed out"),
                           ("Network is unreachable (", "network unreachable"), ("Connection reset by peer (", "connection reset"),
                           ("connect timed out: ", "connect timed out")]
        var code = ""
        if let r = text.range(of: "Code: ") { code = String(text[r.upperBound...].prefix { $0.isNumber }) }
        for (marker, why) in unreachable {
            guard let r = body.range(of: marker) else { continue }
            let address = body[r.upperBound...].prefix { $0 != ")" && $0 != "," && $0 != "\n" && $0 != " " }
            if !address.isEmpty { return "shard \(address) is unreachable: \(why)" + (code.isEmpty ? "" : " (ClickHouse error \(code))") }
        }
        return firstLine
    }
}

/// With `KILN_CLICKHOUSE_SQL_LOG=FILE`, every statement sent is appended to FILE as a JSON line
/// `{"sql": ..., "body": base64 of the data sent with it}` (statements hold no password): how the tests replay each statement shape on
/// current ClickHouse.
enum SQLLog {
    static let path: String? = ProcessInfo.processInfo.environment["KILN_CLICKHOUSE_SQL_LOG"].flatMap { $0.isEmpty ? nil : $0 }
    private static let lock = NSLock()

    static func record(_ sql: String, body: Data?) {
        guard let path else { return }
        var record = ["sql": sql]
        if let body { record["body"] = body.base64EncodedString() }
        guard let data = try? JSONSerialization.data(withJSONObject: record) else { return }
        lock.lock()
        defer { lock.unlock() }
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        handle.seekToEndOfFile()
        handle.write(data + Data([0x0A]))
        handle.closeFile()
    }
}
