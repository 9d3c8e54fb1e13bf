import Foundation
import KilnHTTP
import Testing

/// `HTTPPost` against a real server on loopback: a socket that answers with canned bytes.
@Suite struct HTTPPostTests {
    /// A TCP socket bound to a free port of 127.0.0.1 (not listening yet), and that port.
    static func loopbackSocket() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Accepts one connection on 127.0.0.1, reads one request (head and Content-Length body),
    /// then writes `reply` (or nothing, holding the connection open, when nil).
    final class OneShotServer: @unchecked Sendable {
        let port: Int
        private let fd: Int32
        private let done = DispatchSemaphore(value: 0)
        private(set) var request: [UInt8] = []

        init(reply: String?) throws {
            let (sock, bound) = HTTPPostTests.loopbackSocket()
            guard listen(sock, 1) == 0 else {
                close(sock)
                throw TestError("cannot listen: errno \(errno)")
            }
            fd = sock
            port = bound
            let listener = fd
            Thread.detachNewThread { [self] in
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 65536)
                while !Self.complete(request) {
                    let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    request += buffer[0..<n]
                }
                if let reply {
                    _ = Array(reply.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(client)
                } else {
                    sleep(5)
                    close(client)
                }
                done.signal()
            }
        }

        deinit { close(fd) }

        func waitRequest() -> String {
            _ = done.wait(timeout: .now() + 10)
            return String(decoding: request, as: UTF8.self)
        }

        static func complete(_ bytes: [UInt8]) -> Bool {
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { return false }
            let head = text[..<end.lowerBound].lowercased()
            let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length
        }
    }

    @Test func postsTheBodyAndAssemblesAChunkedAnswer() throws {
        let server = try OneShotServer(reply: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n")
        let body = Array("SELECT 1 FORMAT JSON".utf8)
        let response = try HTTPPost.send(host: "127.0.0.1", port: server.port, target: "/?database=kiln&query=a%20b",
                                         headers: [("Authorization", "Basic a2lsbjpw")], body: body, timeout: 10)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello, world")
        let request = server.waitRequest()
        #expect(request.hasPrefix("POST /?database=kiln&query=a%20b HTTP/1.1\r\n"), "\(request)")
        #expect(request.contains("Authorization: Basic a2lsbjpw\r\n"))
        #expect(request.contains("Content-Length: \(body.count)\r\n"))
        #expect(request.hasSuffix("\r\n\r\nSELECT 1 FORMAT JSON"))
    }

    @Test func anErrorStatusComesBackWithItsBody() throws {
        let server = try OneShotServer(reply: "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 9\r\n\r\nCode: 60.")
        let response = try HTTPPost.send(host: "127.0.0.1", port: server.port, target: "/", body: [], timeout: 10)
        #expect(response.status == 500)
        #expect(String(decoding: response.body, as: UTF8.self) == "Code: 60.")
    }

    @Test func aClosedPortFailsAtOnce() throws {
        // A port bound on loopback that nobody listens on: connecting is refused.
        let (sock, port) = Self.loopbackSocket()
        defer { close(sock) }
        let started = Date()
        #expect {
            _ = try HTTPPost.send(host: "127.0.0.1", port: port, target: "/", body: [], timeout: 10)
        } throws: { error in
            "\(error)".contains("refused")
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aServerThatHangsUpBeforeAnsweringFails() throws {
        let server = try OneShotServer(reply: "")
        #expect {
            _ = try HTTPPost.send(host: "127.0.0.1", port: server.port, target: "/", body: [], timeout: 10)
        } throws: { error in
            "\(error)" == "the server closed the connection before answering"
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let server = try OneShotServer(reply: nil)
        let started = Date()
        #expect {
            _ = try HTTPPost.send(host: "127.0.0.1", port: server.port, target: "/", body: Array("x".utf8), timeout: 1)
        } throws: { error in
            "\(error)" == "no answer within 1 s"
        }
        #expect(Date().timeIntervalSince(started) < 4)
    }
}
