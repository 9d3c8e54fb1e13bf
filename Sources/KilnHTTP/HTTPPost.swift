#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTP/1.1 POST and its whole answer, waited for: how Kiln talks to ClickHouse's HTTP
/// interface and delivers SLO alerts to webhooks (http or https).
///
/// Built on SwiftNIO and NIOSSL, which the ingest server links anyway. Foundation's
/// `URLSession` did this before; it needs FoundationNetworking, whose libcurl and some thirty
/// shared libraries every `kiln` process then loaded at start: about 6 ms of each command's
/// run (a short `kiln bubbleup` takes 90 ms).
public enum HTTPPost {
    /// The server's answer.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    /// Why a request got no answer: the connection failed, or the time ran out.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// POSTs `body` to `host:port` at `target` (path and query, already encoded) and waits at
    /// most `timeout` seconds for the whole answer. `headers` go as given, after Host,
    /// Content-Length and `Connection: close`.
    public static func send(host: String, port: Int, target: String, headers: [(String, String)] = [], body: [UInt8],
                            tls: Bool = false, timeout: Double) throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let answer = loop.makePromise(of: Response.self)
        let limit = TimeAmount.nanoseconds(Int64(max(0.001, timeout) * 1e9))
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(limit)
            .channelInitializer { channel in
                do {
                    if tls {
                        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                        let name = isAddress(host) ? nil : host
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(Collector(answer))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            answer.fail(error)
            throw Failure(description: describe(error))
        }
        let timer = loop.scheduleTask(in: limit) {
            answer.fail(Failure(description: "no answer within \(Int(timeout.rounded())) s"))
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target)
        head.headers.add(name: "Host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            return try answer.futureResult.wait()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: describe(error))
        }
    }

    /// True for an IPv4 or IPv6 address literal (no TLS server name for those).
    static func isAddress(_ host: String) -> Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// A short reason for a connection error (NIO's texts name the system call).
    static func describe(_ error: Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return describe(first.error) }
            if e.dnsAAAAError != nil || e.dnsAError != nil { return "cannot resolve \(e.host)" }
            return "cannot connect to \(e.host):\(e.port)"
        }
        if let e = error as? IOError { return String(cString: strerror(e.errnoCode)).lowercased() }
        if error is ChannelError { return "connection failed (\(error))" }
        if let e = error as? NIOSSLError { return "TLS failed: \(e)" }
        return "\(error)"
    }
}

/// Gathers one response's status and body; fails the answer if the connection ends first.
private final class Collector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    private let answer: EventLoopPromise<HTTPPost.Response>
    private var response = HTTPPost.Response(status: 0, body: [])
    private var done = false

    init(_ answer: EventLoopPromise<HTTPPost.Response>) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response.status = Int(head.status.code)
        case .body(var buffer):
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { response.body += bytes }
        case .end:
            finish(.success(response))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(HTTPPost.Failure(description: "the server closed the connection before answering")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(HTTPPost.Failure(description: HTTPPost.describe(error))))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<HTTPPost.Response, Error>) {
        guard !done else { return }
        done = true
        answer.completeWith(result)
    }
}
