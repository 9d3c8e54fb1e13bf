import KilnIngest
import Foundation

/// The numeric addresses a `--listen` host stands for, looked up once so that the address
/// checked is the address bound: a name whose text looks local (`127.attacker.test`) may
/// resolve to `0.0.0.0`.
enum ListenAddress {
    /// The numeric addresses `host` resolves to for a TCP listener, in resolver order.
    static func resolve(_ host: String) throws(ServerError) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0, let list else {
            throw ServerError(code: .invalidArgument, message: "--listen \(host): cannot resolve the name (\(String(cString: gai_strerror(rc))))")
        }
        defer { freeaddrinfo(list) }
        var out: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = list
        while let n = node {
            if let text = numeric(n.pointee.ai_addr, length: n.pointee.ai_addrlen), !out.contains(text) { out.append(text) }
            node = n.pointee.ai_next
        }
        guard !out.isEmpty else { throw ServerError(code: .invalidArgument, message: "--listen \(host): the name has no address") }
        return out
    }

    /// True for an address only this machine can reach: 127.0.0.0/8, ::1, or ::ffff:127.x.y.z.
    static func isLoopback(_ numeric: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, numeric, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, numeric, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        return mapped && bytes[12] == 127
    }

    private static func numeric(_ address: UnsafeMutablePointer<sockaddr>?, length: socklen_t) -> String? {
        guard let address else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return String(cString: buffer)
    }
}
