extension Marker {
    /// The service and version an automatic deploy marker names (`cart 3.6.0`); nil for other
    /// markers. A marker without a service names only the version.
    public var deployTarget: (service: String?, version: String)? {
        guard automatic, type == "deploy", !message.isEmpty else { return nil }
        guard let space = message.lastIndex(of: " ") else { return (nil, message) }
        return (String(message[..<space]), String(message[message.index(after: space)...]))
    }
}
