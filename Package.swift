// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Kiln",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kiln", targets: ["kiln"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // OTLP over gRPC: the core and its HTTP/2 transport; messages stay raw bytes, so neither
        // swift-protobuf nor generated code is needed.
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        // Already needed by the two above; named for the HTTP client (KilnHTTP).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // System libraries: the only places C is imported.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Pure values and algorithms: events, the in-memory column table, filters, queries,
        // heatmaps, BubbleUp. No I/O, no C modules.
        .target(name: "KilnCore"),
        // Decoders for files, pipes and request bodies: JSON lines, CSV/TSV, logfmt, access logs,
        // OTLP and Zipkin (pure).
        .target(name: "KilnIngest", dependencies: ["KilnCore", "CZlib"]),
        // Simulated web-shop traces with known incidents (pure, deterministic).
        .target(name: "KilnGenerate", dependencies: ["KilnCore"]),
        // The event store: dictionary-coded column chunks inside one SQLite file.
        .target(name: "KilnStore", dependencies: ["KilnCore", "CSQLite"]),
        // Kiln on a ClickHouse server or cluster: the EventBackend answering by SQL, and the
        // writer; talks to it over HTTP (KilnHTTP).
        .target(name: "KilnClickHouse", dependencies: ["KilnCore", "KilnHTTP"]),
        // One HTTP POST and its answer, http or https, on SwiftNIO: ClickHouse and alert webhooks.
        .target(
            name: "KilnHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Screen grid, cells, roles, themes, keys; CursesTerminal is the only ncurses user.
        .target(name: "KilnTerminal", dependencies: ["KilnCore", "CNcurses"]),
        // The explorer: state, update, render (pure) plus its run loop.
        .target(name: "KilnExplorer", dependencies: ["KilnCore", "KilnTerminal", "KilnStore"]),
        // The ingest endpoints (Honeycomb, OTLP/HTTP, OTLP/gRPC, Zipkin): decoders -> store. Its own
        // target, since its server libraries take minutes to build.
        .target(
            name: "KilnServer",
            dependencies: [
                "KilnCore", "KilnStore", "KilnIngest", "KilnHTTP", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]
        ),
        // The command line: wiring only.
        .executableTarget(
            name: "kiln",
            dependencies: [
                "KilnCore", "KilnIngest", "KilnGenerate", "KilnStore", "KilnTerminal", "KilnExplorer", "KilnServer", "KilnClickHouse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "KilnCoreTests", dependencies: ["KilnCore"]),
        .testTarget(name: "KilnIngestTests", dependencies: ["KilnIngest", "KilnCore"]),
        .testTarget(name: "KilnGenerateTests", dependencies: ["KilnGenerate", "KilnCore"]),
        .testTarget(name: "KilnStoreTests", dependencies: ["KilnStore", "KilnCore", "KilnIngest"]),
        .testTarget(name: "KilnTerminalTests", dependencies: ["KilnTerminal", "KilnCore"]),
        .testTarget(name: "KilnExplorerTests", dependencies: ["KilnExplorer", "KilnTerminal", "KilnCore", "KilnStore"], exclude: ["Snapshots"]),
        .testTarget(name: "KilnServerTests", dependencies: ["KilnServer", "KilnStore", "KilnCore", "KilnIngest", "KilnHTTP",
                                                           .product(name: "GRPCCore", package: "grpc-swift-2")]),
        .testTarget(name: "KilnClickHouseTests", dependencies: ["KilnClickHouse", "KilnCore"]),
        .testTarget(name: "KilnCLITests", dependencies: ["kiln", "KilnCore", "KilnStore", "KilnClickHouse"]),
    ]
)
