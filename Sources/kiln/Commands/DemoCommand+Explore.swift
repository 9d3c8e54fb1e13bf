extension DemoCommand {
    /// Whether this build has the explorer.
    static let canExplore = false

    static func explore(db: String, selection: [String]) throws {}
}
