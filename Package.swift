// swift-tools-version:6.0
import PackageDescription

// Layers (see ARCHITECTURE.md): dependencies point down only.
//   0  MusicScore
//   1  MIDIFormats, Tokenization        (import MusicScore)
//   2  Cadenza                          (everything below)
//   3  CadenzaCLI (product `cadenza`)   (Cadenza + ArgumentParser)
//      CadenzaServer                    (Cadenza + Hummingbird; the HTTP API and the web studio)
//      CadenzaServerCLI (product `cadenza-server`, started by `cadenza serve`): a product of its own
//      so that the first command's release build stays free of SwiftNIO.
let package = Package(
    name: "Cadenza",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cadenza", targets: ["CadenzaCLI"]),
        .executable(name: "cadenza-server", targets: ["CadenzaServerCLI"]),
        .library(name: "Cadenza", targets: ["Cadenza"]),
        .library(name: "MusicScore", targets: ["MusicScore"]),
        .library(name: "MIDIFormats", targets: ["MIDIFormats"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0"),
    ],
    targets: [
        .target(name: "MusicScore"),
        .target(name: "MIDIFormats", dependencies: ["MusicScore"]),
        .target(name: "Tokenization", dependencies: ["MusicScore"]),
        .target(name: "Cadenza", dependencies: ["MusicScore", "MIDIFormats", "Tokenization", "Engine", "CadenzaModelData"]),
        // The embedded default model: default.safetensors linked in as data (#embed).
        .target(name: "CadenzaModelData", exclude: ["default.safetensors"]),
        // The hot loops (GEMM, GEMV, bf16 and int8): per-CPU variants chosen at run time,
        // no unsafe flags (see Scripts/kernels/README.md).
        .target(
            name: "CKernels",
            linkerSettings: [.linkedLibrary("m"), .linkedLibrary("pthread", .when(platforms: [.linux]))]
        ),
        .target(name: "Engine", dependencies: ["CKernels"]),
        .executableTarget(
            name: "CadenzaCLI",
            dependencies: ["Cadenza", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "CadenzaServer",
            dependencies: [
                "Cadenza",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [
                .embedInCode("Web/index.html"), .embedInCode("Web/studio.js"), .embedInCode("Web/studio.css"),
                .embedInCode("Web/openapi.json"),
            ]
        ),
        .executableTarget(
            name: "CadenzaServerCLI",
            dependencies: ["CadenzaServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "MusicScoreTests", dependencies: ["MusicScore"]),
        .testTarget(name: "MIDIFormatsTests", dependencies: ["MIDIFormats", "MusicScore"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "MusicScore", "MIDIFormats"]),
        .testTarget(name: "CadenzaTests", dependencies: ["Cadenza", "Tokenization", "MusicScore", "MIDIFormats"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        // Runs the built `cadenza` executable, so it depends on it.
        .testTarget(name: "CadenzaCLITests", dependencies: ["CadenzaCLI"]),
        .testTarget(
            name: "CadenzaServerTests",
            dependencies: [
                "CadenzaServer", "Cadenza", "MIDIFormats", "MusicScore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6],
    cLanguageStandard: .c2x
)
