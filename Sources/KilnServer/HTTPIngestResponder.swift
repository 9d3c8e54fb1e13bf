import KilnIngest
import Foundation
import Hummingbird
import KilnCore

/// The Hummingbird side of the server: checks the key, routes, reads and decompresses the body
/// within the limits and the body deadline, then lets ``IngestService`` answer.
struct HTTPIngestResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let service: IngestService

    func respond(to request: Request, context: Context) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            if let old = headers[name] { headers[name] = old + ", " + field.value } else { headers[name] = field.value }
        }
        let contentType = headers["content-type"]
        var route: IngestRoute?
        do throws(ServerError) {
            try service.authorize { headers[$0] }
            let matched = try IngestRoute.match(method: request.method.rawValue, path: request.uri.path)
            route = matched
            try service.checkContentType(matched, contentType)
            var body: [UInt8] = []
            if request.method == .post {
                if let length = headers["content-length"].flatMap({ Int($0.trimmingSpaces()) }), length > service.limits.maxBodyBytes {
                    throw ServerError.tooLarge("the request body (Content-Length \(length))", limit: service.limits.maxBodyBytes)
                }
                body = try await readBody(request, encoding: headers["content-encoding"])
            }
            let large = body.count >= MemoryRelease.largeBody
            if large { service.memoryRelease.begin(bytes: body.count) }
            defer { if large { service.memoryRelease.end() } }
            let reply = await service.handle(matched, IngestRequest(headers: headers, body: body))
            return Self.response(reply, head: request.method == .head)
        } catch {
            return Self.response(service.errorReply(error, route: route, contentType: contentType), head: request.method == .head)
        }
    }

    /// The whole body, decompressed, within the size limits and the body deadline.
    private func readBody(_ request: Request, encoding: String?) async throws(ServerError) -> [UInt8] {
        let decoder = try BodyDecoder(encoding: encoding, limits: service.limits)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(service.limits.bodyTimeoutSeconds) * 1_000_000_000
        do {
            for try await chunk in request.body {
                guard DispatchTime.now().uptimeNanoseconds <= deadline else {
                    throw ServerError(code: .timeout, message: "the request body took longer than \(service.limits.bodyTimeoutSeconds) s to arrive")
                }
                try chunk.withUnsafeReadableBytes { (b) throws(ServerError) in try decoder.feed(b) }
            }
        } catch let e as ServerError {
            throw e
        } catch {
            throw ServerError.malformed("the request body could not be read: \(error)")
        }
        return try decoder.finish()
    }

    static func response(_ reply: IngestReply, head: Bool) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = reply.contentType
        for (name, value) in reply.headers where name == "Retry-After" {
            fields[.retryAfter] = value
        }
        let body = head || reply.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
        if head { fields[.contentLength] = String(reply.body.count) }
        return Response(status: HTTPResponse.Status(code: reply.status), headers: fields, body: body)
    }
}
