// swift-tools-version:6.0
import PackageDescription

// Layers (see ARCHITECTURE.md): dependencies point down only.
//   0  MusicScore
//   1  MIDIFormats, Tokenization        (import MusicScore)
//   2  Cadenza                          (everything below)
//   3  CadenzaCLI (product `cadenza`)   (Cadenza + ArgumentParser)
let package = Package(
    name: "Cadenza",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cadenza", targets: ["CadenzaCLI"]),
        .library(name: "Cadenza", targets: ["Cadenza"]),
        .library(name: "MusicScore", targets: ["MusicScore"]),
        .library(name: "MIDIFormats", targets: ["MIDIFormats"]),
        .library(name: "Tokenization", targets: ["Tokenization"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        .testTarget(name: "MusicScoreTests", dependencies: ["MusicScore"]),
        .testTarget(name: "MIDIFormatsTests", dependencies: ["MIDIFormats", "MusicScore"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "MusicScore", "MIDIFormats"]),
        .testTarget(name: "CadenzaTests", dependencies: ["Cadenza", "Tokenization", "MusicScore", "MIDIFormats"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "CKernelsTests", dependencies: ["CKernels"]),
        // Runs the built `cadenza` executable, so it depends on it.
        .testTarget(name: "CadenzaCLITests", dependencies: ["CadenzaCLI"]),
    ],
    swiftLanguageModes: [.v6],
    cLanguageStandard: .c2x
)
