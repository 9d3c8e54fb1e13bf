import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends SQL to one ClickHouse server over its HTTP interface (Foundation's `URLSession`) and
/// waits for the answer.
///
/// Reads ask the server to finish the query before answering (`wait_end_of_query=1`), so a
/// failure anywhere in the cluster (a lost shard) is an HTTP error, never a truncated body
/// passed off as a whole answer.
public final class ClickHouseClient: @unchecked Sendable {
    /// Where requests go (the password only ever leaves in the Authorization header).
    public let url: ClickHouseURL
    /// Seconds a request may take before it fails.
    public var timeout: TimeInterval
    private let session: URLSession

    /// A client of the server of `url`.
    public init(url: ClickHouseURL, timeout: TimeInterval = 120) {
        self.url = url
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration, delegate: RefuseChallenges(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Runs `sql` with `settings` as query parameters; returns the response body.
    /// - Throws: ``ClickHouseError`` `.unavailable` when the server cannot be reached, `.server`
    ///   with ClickHouse's message (and the shard it names) when the query fails.
    @discardableResult
    public func execute(_ sql: String, body: Data? = nil, settings: [String: String] = [:], database: Bool = true) throws -> Data {
        SQLLog.record(sql, body: body)
        var components = URLComponents()
        components.scheme = "http"
        components.host = url.host
        components.port = url.port
        components.path = "/"
        var items: [URLQueryItem] = []
        if database { items.append(URLQueryItem(name: "database", value: url.database)) }
        for (k, v) in settings.sorted(by: { $0.key < $1.key }) { items.append(URLQueryItem(name: k, value: v)) }
        // With a body, the SQL travels as the `query` parameter and the body is the data.
        if body != nil { items.append(URLQueryItem(name: "query", value: sql)) }
        components.queryItems = items
        guard let endpoint = components.url else { throw ClickHouseError.badURL("cannot make an HTTP address of \(url.address)") }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.timeoutInterval = timeout
        request.httpBody = body ?? Data(sql.utf8)
        if url.user != nil || url.password != nil {
            let credentials = Data("\(url.user ?? "default"):\(url.password ?? "")".utf8).base64EncodedString()
            request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        }
        let box = ResponseBox()
        let task = session.dataTask(with: request) { data, response, error in
            box.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
        }
        task.resume()
        guard box.wait(seconds: timeout + 2) else {
            task.cancel()
            throw ClickHouseError.unavailable(url.address, "no answer within \(Int(timeout)) s")
        }
        if let error = box.error {
            let code = (error as NSError).code
            // Only an authentication challenge is cancelled while the task runs (see RefuseChallenges).
            if code == NSURLErrorCancelled || code == NSURLErrorUserCancelledAuthentication {
                throw ClickHouseError.server(url.address, "refused the user or password (HTTP 401); check ?user=U&password=P")
            }
            throw ClickHouseError.unavailable(url.address, scrub((error as NSError).localizedDescription))
        }
        let data = box.data ?? Data()
        guard box.status == 200 else {
            throw ClickHouseError.server(url.address, Self.summary(scrub(String(decoding: data, as: UTF8.self))))
        }
        return data
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

/// The answer of one request, handed from URLSession's thread to the waiting caller.
private final class ResponseBox: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private(set) var data: Data?
    private(set) var status: Int?
    private(set) var error: Error?

    func set(data: Data?, status: Int?, error: Error?) {
        self.data = data
        self.status = status
        self.error = error
        done.signal()
    }

    func wait(seconds: TimeInterval) -> Bool { done.wait(timeout: .now() + seconds) == .success }
}

/// Answers every authentication challenge by cancelling the task.
///
/// ClickHouse answers a wrong user or password with 401 and `WWW-Authenticate: Basic`. Without
/// a delegate answering that challenge, swift-corelibs-foundation's URLSession leaves the task
/// suspended until it times out (swiftlang/swift-corelibs-foundation#5456), so a wrong password
/// took two minutes to report. The credentials already travel in the request; there is nothing
/// else to offer.
private final class RefuseChallenges: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        completionHandler(.cancelAuthenticationChallenge, nil)
    }
}
