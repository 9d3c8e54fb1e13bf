/// A version of a service, as automatic deploy markers record it.
public struct DeployKey: Hashable, Sendable {
    public var service: String
    public var version: String

    public init(service: String, version: String) {
        self.service = service
        self.version = version
    }

    /// The marker's text: "storefront 8.5.0", or the version alone without a service.
    public var message: String { service.isEmpty ? version : service + " " + version }
}

extension RawBatch {
    /// The earliest time of each (service, version) among the batch's events that have
    /// `versionField` (the service is `serviceField`, empty when absent); what the embedded
    /// store and ClickHouse both record deploy markers from.
    /// - Complexity: O(records)
    public func firstDeploys(versionField: String, serviceField: String) -> [DeployKey: Int64] {
        guard let versionName = names.firstIndex(of: versionField) else { return [:] }
        let serviceName = names.firstIndex(of: serviceField)
        var first: [DeployKey: Int64] = [:]
        for row in 0..<count {
            var service = "", version: String?
            for r in rowStarts[row]..<rowStarts[row + 1] {
                let name = Int(recordNames[r])
                if name == versionName { version = value(record: r).text }
                else if name == serviceName { service = value(record: r).text }
            }
            guard let version else { continue }
            let key = DeployKey(service: service, version: version), t = timestamps[row]
            if let seen = first[key], seen <= t { continue }
            first[key] = t
        }
        return first
    }
}
