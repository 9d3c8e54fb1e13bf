/// Where a ClickHouse-backed Kiln keeps its events:
/// `clickhouse://HOST:PORT/DATABASE?cluster=NAME&user=U&password=P`.
///
/// PORT is ClickHouse's HTTP interface (8123 unless given). With `cluster=`, Kiln writes and
/// reads through a Distributed table over that cluster's shards; without it, one server.
/// `shards=HOST:PORT,HOST:PORT` optionally names each shard's HTTP address, used only to create
/// the per-shard tables and to drop old days from them (by default each shard host of
/// `system.clusters` at PORT).
/// The password is kept out of ``description`` and every message.
public struct ClickHouseURL: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// HTTP port.
    public var port: Int
    /// Database holding Kiln's tables.
    public var database: String
    /// Cluster name from `remote_servers`, or nil for one server.
    public var cluster: String?
    /// User name (ClickHouse's `default` when nil).
    public var user: String?
    /// Password; never shown.
    public var password: String?
    /// HTTP addresses of the shards, for creating per-shard tables and dropping old days.
    public var shards: [String]

    /// True when `text` is meant as a ClickHouse URL rather than a path.
    public static func isURL(_ text: String) -> Bool { text.lowercased().hasPrefix("clickhouse://") }

    /// Parses the URL.
    /// - Throws: ``ClickHouseError`` naming the part that is wrong (the password is never quoted).
    public static func parse(_ text: String) throws(ClickHouseError) -> ClickHouseURL {
        let scheme = "clickhouse://"
        guard isURL(text) else { throw .badURL("expected clickhouse://HOST:PORT/DATABASE") }
        var rest = Substring(text.dropFirst(scheme.count))
        var query = ""
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw .badURL("expected /DATABASE after the host (clickhouse://HOST:PORT/DATABASE)") }
        let authority = rest[..<slash]
        let database = String(rest[rest.index(after: slash)...])
        guard !database.isEmpty else { throw .badURL("expected a database name after the host (clickhouse://HOST:PORT/DATABASE)") }
        guard database.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw .badURL("database name \"\(database)\" may hold only letters, digits and _")
        }
        var host = String(authority), port = 8123
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .badURL("unclosed [ in the host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = try parsePort(String(after.dropFirst())) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = try parsePort(String(authority[authority.index(after: colon)...]))
        }
        guard !host.isEmpty else { throw .badURL("expected a host (clickhouse://HOST:PORT/DATABASE)") }
        guard !host.contains("@") else { throw .badURL("give the user and password as ?user=U&password=P, not in the host") }
        var url = ClickHouseURL(host: host, port: port, database: database, cluster: nil, user: nil, password: nil, shards: [])
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
            switch key {
            case "cluster": url.cluster = value.isEmpty ? nil : value
            case "user": url.user = value
            case "password": url.password = value
            case "shards": url.shards = value.split(separator: ",").map(String.init)
            default: throw .badURL("unknown parameter \"\(key)\" (known: cluster, user, password, shards)")
            }
        }
        if let cluster = url.cluster, !cluster.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            throw .badURL("cluster name \"\(cluster)\" may hold only letters, digits, _ and -")
        }
        return url
    }

    private static func parsePort(_ text: String) throws(ClickHouseError) -> Int {
        guard let p = Int(text), (1...65535).contains(p) else { throw .badURL("port \"\(text)\" is not a number from 1 to 65535") }
        return p
    }

    private static func percentDecoded(_ s: String) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else if b == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The HTTP address `host:port` (IPv6 in brackets).
    public var address: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The URL without its password: what messages show.
    public var description: String {
        var out = "clickhouse://\(address)/\(database)"
        var params: [String] = []
        if let cluster { params.append("cluster=\(cluster)") }
        if let user { params.append("user=\(user)") }
        if password != nil { params.append("password=***") }
        if !params.isEmpty { out += "?" + params.joined(separator: "&") }
        return out
    }

    /// The same server at another HTTP address (a shard).
    func at(address: String) -> ClickHouseURL {
        var copy = self
        if let colon = address.lastIndex(of: ":"), let p = Int(address[address.index(after: colon)...]) {
            copy.host = String(address[..<colon]).trimmingCharacters(in: ["[", "]"])
            copy.port = p
        } else {
            copy.host = address
        }
        return copy
    }
}
