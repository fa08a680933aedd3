import Foundation
import Tokenization

/// `manifest.json` of a built dataset: what went in, what came out, what was skipped and why.
/// It holds no timestamps or machine paths of the output, so a rerun over the same input writes
/// the same bytes.
public struct DatasetManifest: Codable, Sendable, Equatable {
    public static let currentFormat = "cadenza-dataset/1"

    public var format = DatasetManifest.currentFormat
    /// The tokenizer the shards were written with; training checks it.
    public var tokenizer: TokenizerConfig
    /// `TokenizerConfig.fingerprint` as 16 hex digits (also in every shard header).
    public var tokenizerFingerprint: String
    public var options: Options
    public var splits: [String: SplitSummary]
    /// Files seen, parsed, skipped, removed as duplicates.
    public var files: FileCounts
    /// Tokens per quarter-note beat over the kept original pieces (before augmentation).
    public var tokensPerBeat: Double
    /// Sources and licences of the kept files, from `--manifest` (or "unknown").
    public var sources: [SourceSummary]
    public var skipped: [SkippedFile]
    public var originalityIndex: OriginalityIndexSummary

    public struct Options: Codable, Sendable, Equatable {
        public var validationFraction: Double
        public var transpositions: [Int]
        public var minimumNotes: Int
        public var maximumFileBytes: Int
        /// "folders", "labels CSV" or "unlabelled".
        public var labelling: String
        /// "group" when a manifest gave groups, else "content hash" (per file without a group).
        public var splitKey: String
    }

    public struct SplitSummary: Codable, Sendable, Equatable {
        public var files = 0
        public var documents = 0
        public var tokens = 0
        public var notes = 0
        public var seconds = 0.0
        public var genres: [String: GenreSummary] = [:]
        public var shards: [ShardSummary] = []
    }

    public struct GenreSummary: Codable, Sendable, Equatable {
        public var files = 0
        public var documents = 0
        public var tokens = 0
        public var notes = 0
    }

    public struct ShardSummary: Codable, Sendable, Equatable {
        public var file: String
        public var documents: Int
        public var tokens: Int
    }

    public struct FileCounts: Codable, Sendable, Equatable {
        public var found = 0
        public var kept = 0
        public var skipped = 0
        public var duplicates = 0
    }

    public struct SourceSummary: Codable, Sendable, Equatable {
        public var source: String
        public var license: String
        public var files: Int
    }

    public struct SkippedFile: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    public struct OriginalityIndexSummary: Codable, Sendable, Equatable {
        public var file: String
        public var windows: Int
        public var noteGrams: Int
    }

    /// Reads `manifest.json` from a dataset folder.
    public static func load(from folder: String) throws(CadenzaError) -> DatasetManifest {
        let path = folder + "/manifest.json"
        guard FileManager.default.fileExists(atPath: path) else {
            throw .badInput(file: folder, location: nil, problem: "is not a Cadenza dataset (it has no manifest.json)", hint: "build one with `cadenza dataset build --input MIDI_FOLDER -o \(folder)`")
        }
        let bytes = try InputFile.read(path, maximumBytes: 1 << 30)
        do {
            let manifest = try JSONDecoder().decode(DatasetManifest.self, from: Data(bytes))
            guard manifest.format == currentFormat else {
                throw CadenzaError.badInput(file: path, location: "field format", problem: "dataset format \(manifest.format); this Cadenza reads \(currentFormat)", hint: "rebuild with `cadenza dataset build`")
            }
            return manifest
        } catch let error as CadenzaError {
            throw error
        } catch {
            throw .badInput(file: path, location: nil, problem: "not a dataset manifest: \(error)", hint: "rebuild with `cadenza dataset build`")
        }
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types cannot fail.
        return Array(try! encoder.encode(self)) + [0x0A]
    }
}
