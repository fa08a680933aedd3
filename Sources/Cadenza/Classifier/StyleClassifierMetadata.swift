import Engine
import Foundation
import MusicScore
import Tokenization

/// What a style-classifier file's `__metadata__` holds besides the tensors, each under its own
/// key as a string (JSON where structured), as `CheckpointMetadata` does for generators:
///
/// | key | value |
/// |---|---|
/// | `format` | `cadenza-classifier/1` |
/// | `cadenza_version` | the release that wrote it |
/// | `view` | `all-tokens` or `instrument-blind` (`ClassifierView`) |
/// | `model` | `StyleClassifierConfiguration` JSON |
/// | `classes` | JSON array of class names, by output index: genres, then `corrupted` |
/// | `tokenizer` | the dataset's `TokenizerConfig.canonicalJSON` |
/// | `tokenizer_fingerprint` | `TokenizerConfig.fingerprint`, 16 hex digits |
/// | `training` | `TrainingRecord` JSON |
/// | `data` | `CheckpointMetadata.DataSummary` JSON: sources, licences, counts |
/// | `metrics` | `Metrics` JSON: accuracy on the validation split |
public struct StyleClassifierMetadata: Sendable, Equatable {
    public static let format = "cadenza-classifier/1"

    public var view: ClassifierView
    public var model: StyleClassifierConfiguration
    public var classes: [String]
    public var tokenizer: TokenizerConfig
    public var training: TrainingRecord
    public var data: CheckpointMetadata.DataSummary
    public var metrics: Metrics
    public var cadenzaVersion: String = CadenzaVersion.string

    public init(view: ClassifierView, model: StyleClassifierConfiguration, classes: [String], tokenizer: TokenizerConfig,
                training: TrainingRecord, data: CheckpointMetadata.DataSummary, metrics: Metrics = Metrics()) {
        self.view = view
        self.model = model
        self.classes = classes
        self.tokenizer = tokenizer
        self.training = training
        self.data = data
        self.metrics = metrics
    }

    /// How the weights were trained.
    public struct TrainingRecord: Sendable, Equatable, Codable {
        public var steps: Int
        public var batchSize: Int
        public var learningRate: Float
        public var warmupSteps: Int
        public var seed: UInt64
        /// Mean loss (nats per window) of the last 50 steps.
        public var finalLoss: Double?
        /// Wall-clock seconds of the training steps.
        public var seconds: Double

        public init(steps: Int, batchSize: Int, learningRate: Float, warmupSteps: Int, seed: UInt64, finalLoss: Double?, seconds: Double) {
            (self.steps, self.batchSize, self.learningRate, self.warmupSteps, self.seed, self.finalLoss, self.seconds) =
                (steps, batchSize, learningRate, warmupSteps, seed, finalLoss, seconds)
        }
    }

    /// Measured on the held-out real pieces of the validation split (nil before evaluation).
    public struct Metrics: Sendable, Equatable, Codable {
        public var validationPieces: Int?
        /// Share of pieces whose most probable class is their genre, 0...1.
        public var accuracy: Double?
        /// Mean over genres of the per-genre accuracy, 0...1.
        public var balancedAccuracy: Double?
        /// Share of corrupted validation pieces judged `corrupted`, 0...1.
        public var corruptedDetection: Double?

        public init(validationPieces: Int? = nil, accuracy: Double? = nil, balancedAccuracy: Double? = nil, corruptedDetection: Double? = nil) {
            (self.validationPieces, self.accuracy, self.balancedAccuracy, self.corruptedDetection) =
                (validationPieces, accuracy, balancedAccuracy, corruptedDetection)
        }
    }

    /// Bounds on sizes read from a file, checked before anything is allocated.
    public enum Limits {
        public static let vocabularySize = 1...65_536
        public static let classCount = 2...256
        public static let contextLength = 1...8_192
        public static let layers = 1...64
        public static let channels = 1...4_096
        public static let feedForwardChannels = 1...16_384
        /// Parameters (floats) at most: 1 GB of F32.
        public static let parameters = 1 << 28
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
            "view": view.rawValue,
            "model": json(model),
            "classes": json(classes),
            "tokenizer": tokenizer.canonicalJSON,
            "tokenizer_fingerprint": StableHasher.hex(tokenizer.fingerprint),
            "training": json(training),
            "data": json(data),
            "metrics": json(metrics),
        ]
    }

    /// Reads and checks the metadata of classifier `file`: the format, every field, the sizes
    /// (within `Limits`) and their fit with the tokenizer and the classes.
    public init(strings: [String: String], file: String) throws(CadenzaError) {
        func bad(_ key: String, _ problem: String) -> CadenzaError {
            .badInput(file: file, location: "__metadata__.\(key)", problem: problem,
                      hint: "not a Cadenza style classifier, or a damaged one; train one with `cadenza train-classifier`")
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
                throw bad(key, "is not valid: \(CheckpointMetadata.describe(error))")
            }
        }
        let format = try field("format")
        guard format == Self.format else { throw bad("format", "is \"\(format.prefix(80))\"; this Cadenza reads \(Self.format)") }
        cadenzaVersion = try field("cadenza_version")
        let viewName = try field("view")
        guard let view = ClassifierView(rawValue: viewName) else {
            throw bad("view", "is \"\(viewName.prefix(80))\", expected all-tokens or instrument-blind")
        }
        self.view = view
        do {
            tokenizer = try TokenizerConfig(json: Array(try field("tokenizer").utf8))
        } catch let error as CadenzaError {
            throw error
        } catch {
            throw bad("tokenizer", "is not a usable tokenizer config: \(error)")
        }
        guard try field("tokenizer_fingerprint") == StableHasher.hex(tokenizer.fingerprint) else {
            throw bad("tokenizer_fingerprint", "does not match the tokenizer config stored beside it")
        }
        model = try decode(StyleClassifierConfiguration.self, "model")
        classes = try decode([String].self, "classes")
        training = try decode(TrainingRecord.self, "training")
        data = try decode(CheckpointMetadata.DataSummary.self, "data")
        metrics = try decode(Metrics.self, "metrics")

        let m = model, vocabulary = Vocabulary.size(of: tokenizer)
        let sizes: [(String, Int, ClosedRange<Int>)] = [
            ("vocabularySize", m.vocabularySize, Limits.vocabularySize), ("classCount", m.classCount, Limits.classCount),
            ("contextLength", m.contextLength, Limits.contextLength), ("layers", m.layers, Limits.layers),
            ("channels", m.channels, Limits.channels), ("heads", m.heads, 1...max(1, m.channels)),
            ("feedForwardChannels", m.feedForwardChannels, Limits.feedForwardChannels),
        ]
        for (name, value, range) in sizes where !range.contains(value) {
            throw bad("model", "\(name) \(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        guard m.channels % m.heads == 0 else { throw bad("model", "channels \(m.channels) are not divisible by heads \(m.heads)") }
        // Within the limits above these products cannot overflow.
        let perBlock = 4 * m.channels * m.channels + 2 * m.channels * m.feedForwardChannels
        let total = (m.vocabularySize + m.contextLength) * m.channels + m.layers * perBlock + m.classCount * m.channels
        guard total <= Limits.parameters else { throw bad("model", "holds about \(total) parameters, more than \(Limits.parameters)") }
        guard m.vocabularySize >= vocabulary else {
            throw bad("model", "vocabularySize \(m.vocabularySize) is smaller than the tokenizer's \(vocabulary) ids")
        }
        guard (0..<m.vocabularySize).contains(m.paddingToken) else { throw bad("model", "paddingToken \(m.paddingToken) is not a token id") }
        guard classes.count == m.classCount else { throw bad("classes", "lists \(classes.count) classes, the model has \(m.classCount) outputs") }
        guard classes.last == ClassifierCorpus.corruptedClass else { throw bad("classes", "must end with \"\(ClassifierCorpus.corruptedClass)\"") }
        guard Set(classes).count == classes.count else { throw bad("classes", "repeat a name") }
        for genre in classes.dropLast() where tokenizer.genreSlot(named: genre) == nil || genre == tokenizer.genres.first {
            throw bad("classes", "\"\(genre.prefix(80))\" is not a genre of the tokenizer config")
        }
        guard training.steps >= 0, training.batchSize >= 1 else { throw bad("training", "steps or batchSize out of range") }
    }
}
