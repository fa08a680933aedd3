import Engine
import Foundation
import Tokenization

/// What a checkpoint's `__metadata__` holds besides the tensors. Each field is stored under its
/// own key as a JSON string (safetensors metadata is string → string), so Python reads them with
/// `json.loads(f.metadata()["model"])`:
///
/// | key | value |
/// |---|---|
/// | `format` | `cadenza-checkpoint/1` (plain text) |
/// | `cadenza_version` | the release that wrote it (plain text) |
/// | `model` | `ModelConfiguration` JSON |
/// | `tokenizer` | the dataset's `TokenizerConfig.canonicalJSON` |
/// | `training` | `TrainingState` JSON: all options, step, seed |
/// | `genres` | JSON array of genre names by slot |
/// | `data` | `DataSummary` JSON: sources, licences, counts, tokenizer fingerprint |
/// | `metrics` | `TrainingMetrics` JSON: last train and validation loss |
public struct CheckpointMetadata: Sendable, Equatable {
    public static let format = "cadenza-checkpoint/1"

    public var model: ModelConfiguration
    public var tokenizer: TokenizerConfig
    public var training: TrainingState
    public var genres: [String]
    public var data: DataSummary
    public var metrics: TrainingMetrics
    public var cadenzaVersion: String = CadenzaVersion.string

    public init(model: ModelConfiguration, tokenizer: TokenizerConfig, training: TrainingState, data: DataSummary, metrics: TrainingMetrics) {
        self.model = model
        self.tokenizer = tokenizer
        self.training = training
        self.genres = tokenizer.genres
        self.data = data
        self.metrics = metrics
    }

    /// The run that produced the weights and how far it got.
    public struct TrainingState: Sendable, Equatable, Codable {
        public var options: TrainingOptions
        /// Optimizer updates done (the `NNNNNN` of `step-NNNNNN`).
        public var step: Int
        /// The run's seed (also in `options`; repeated for readers that look for it).
        public var seed: UInt64
        /// Tokens trained on so far, B · T · step.
        public var tokensSeen: Int

        public init(options: TrainingOptions, step: Int) {
            self.options = options
            self.step = step
            self.seed = options.seed
            self.tokensSeen = options.batchSize * options.sequenceLength * step
        }
    }

    /// The dataset in brief: enough to say what a model learned from and under which licences.
    public struct DataSummary: Sendable, Equatable, Codable {
        public var datasetFormat: String
        public var tokenizerFingerprint: String
        public var sources: [DatasetManifest.SourceSummary]
        /// Files, documents and tokens per split ("train", "validation").
        public var splits: [String: Counts]
        public var files: DatasetManifest.FileCounts

        public struct Counts: Sendable, Equatable, Codable {
            public var files: Int
            public var documents: Int
            public var tokens: Int
        }

        public init(manifest: DatasetManifest) {
            datasetFormat = manifest.format
            tokenizerFingerprint = manifest.tokenizerFingerprint
            sources = manifest.sources
            splits = manifest.splits.mapValues { Counts(files: $0.files, documents: $0.documents, tokens: $0.tokens) }
            files = manifest.files
        }
    }

    /// The latest losses (mean cross-entropy in nats per token); nil before the first.
    public struct TrainingMetrics: Sendable, Equatable, Codable {
        public var trainLoss: Double?
        public var validationLoss: Double?
        /// The step of `validationLoss`.
        public var validationStep: Int?

        public init(trainLoss: Double? = nil, validationLoss: Double? = nil, validationStep: Int? = nil) {
            self.trainLoss = trainLoss
            self.validationLoss = validationLoss
            self.validationStep = validationStep
        }
    }

    /// The metadata as safetensors string pairs.
    public func strings() -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Plain value types with finite numbers: encoding cannot fail.
        func json(_ value: some Encodable) -> String { String(decoding: try! encoder.encode(value), as: UTF8.self) }
        return [
            "format": Self.format,
            "cadenza_version": cadenzaVersion,
            "model": json(model),
            "tokenizer": tokenizer.canonicalJSON,
            "training": json(training),
            "genres": json(genres),
            "data": json(data),
            "metrics": json(metrics),
        ]
    }

    /// Reads and checks the metadata of checkpoint `file`: the format, every JSON field, the
    /// model's sizes (within `ModelConfiguration.Limits`) and their fit with the tokenizer.
    public init(strings: [String: String], file: String) throws(CadenzaError) {
        func bad(_ key: String, _ problem: String) -> CadenzaError {
            .badInput(file: file, location: "__metadata__.\(key)", problem: problem, hint: "not a Cadenza checkpoint, or a damaged one; train again or use another checkpoint")
        }
        func field(_ key: String) throws(CadenzaError) -> String {
            guard let value = strings[key] else { throw bad(key, "is missing") }
            return value
        }
        func decode<T: Decodable>(_ type: T.Type, _ key: String) throws(CadenzaError) -> T {
            let text = try field(key)
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw bad(key, "is not valid: \(Self.describe(error))")
            }
        }
        let format = try field("format")
        guard format == Self.format else { throw bad("format", "is \"\(format.prefix(80))\"; this Cadenza reads \(Self.format)") }
        cadenzaVersion = try field("cadenza_version")
        model = try decode(ModelConfiguration.self, "model")
        do {
            tokenizer = try TokenizerConfig(json: Array(try field("tokenizer").utf8))
        } catch let error as CadenzaError {
            throw error
        } catch {
            throw bad("tokenizer", "is not a usable tokenizer config: \(error)")
        }
        training = try decode(TrainingState.self, "training")
        genres = try decode([String].self, "genres")
        data = try decode(DataSummary.self, "data")
        metrics = try decode(TrainingMetrics.self, "metrics")
        let vocabulary = Vocabulary.size(of: tokenizer)
        guard model.vocabularySize >= vocabulary else {
            throw bad("model", "vocabularySize \(model.vocabularySize) is smaller than the tokenizer's \(vocabulary) ids")
        }
        guard model.genreCount >= tokenizer.genreSlots else {
            throw bad("model", "genreCount \(model.genreCount) is smaller than the tokenizer's \(tokenizer.genreSlots) genre slots")
        }
        guard genres == tokenizer.genres else { throw bad("genres", "differ from the tokenizer config's genres") }
        guard training.options.model == model else { throw bad("training", "options.model differs from the model entry") }
        guard training.step >= 0 else { throw bad("training", "step \(training.step) is negative") }
    }

    /// A decoding error in one line, with the JSON path of the offending field.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return (keys.isEmpty ? "" : "at \(keys): ") + context.debugDescription
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c)
        case .keyNotFound(let key, let c): return path(c) + " (missing key \"\(key.stringValue)\")"
        @unknown default: return "\(error)"
        }
    }
}
