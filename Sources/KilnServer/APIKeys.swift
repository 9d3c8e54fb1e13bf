/// The API keys a server accepts; empty means no key is needed (loopback only).
///
/// A request shows its key in `X-Honeycomb-Team` (libhoney, and OTLP exporters configured with
/// `x-honeycomb-team=KEY`), `Authorization: Bearer KEY` or `X-API-Key`. Keys are compared in
/// constant time: every byte of every configured key is looked at whatever the candidate is.
public struct APIKeys: Sendable, Equatable {
    private let keys: [[UInt8]]

    /// Keys as given (surrounding white space removed, empty ones dropped).
    public init(_ keys: [String]) {
        self.keys = keys.map { Array($0.trimmingSpaces().utf8) }.filter { !$0.isEmpty }
    }

    /// True when at least one key is configured.
    public var isRequired: Bool { !keys.isEmpty }

    /// The number of keys.
    public var count: Int { keys.count }

    /// Reads a keys file: one key per line; blank lines and lines starting with `#` are skipped.
    public static func parseFile(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { String($0).trimmingSpaces() }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// True when `candidate` is one of the keys.
    /// - Complexity: O(total length of the keys + keys × candidate length), independent of
    ///   where a mismatch is.
    public func accepts(_ candidate: String) -> Bool {
        let c = Array(candidate.trimmingSpaces().utf8)
        var found: UInt8 = 0
        for key in keys {
            found |= Self.equal(key, c)
        }
        return found != 0
    }

    /// 1 when equal, 0 otherwise, looking at every byte of `key`.
    private static func equal(_ key: [UInt8], _ candidate: [UInt8]) -> UInt8 {
        var diff = UInt64(truncatingIfNeeded: key.count ^ candidate.count)
        for i in 0..<key.count {
            let c = i < candidate.count ? candidate[i] : 0
            diff |= UInt64(key[i] ^ c)
        }
        return diff == 0 ? 1 : 0
    }

    /// The key a request carries in `header(name)` (names lowercase), if any.
    static func candidate(_ header: (String) -> String?) -> String? {
        if let team = header("x-honeycomb-team"), !team.isEmpty { return team }
        if let auth = header("authorization") {
            let t = auth.trimmingSpaces()
            if t.lowercased().hasPrefix("bearer ") { return String(t.dropFirst(7)) }
            return t
        }
        if let key = header("x-api-key"), !key.isEmpty { return key }
        return nil
    }
}
