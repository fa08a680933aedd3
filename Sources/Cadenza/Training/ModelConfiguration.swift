import Engine
import Foundation

/// Which network and at what size: the `model` entry of a checkpoint's metadata and the part of
/// `TrainingOptions` that fixes the parameter table.
///
/// JSON is flat, e.g. `{"architecture":"transformer","vocabularySize":512,"genreCount":16,
/// "contextLength":512,"layers":6,"channels":256,"heads":8,"feedForwardChannels":1024}` or
/// `{"architecture":"lstm-attention","vocabularySize":512,"genreCount":16,"embeddingSize":256,
/// "hiddenSize":512,"layers":2}`. Decoding checks every size against `limits` before anything is
/// allocated, because checkpoints are hostile input.
public enum ModelConfiguration: Sendable, Equatable {
    case transformer(TransformerConfiguration)
    case lstmAttention(LSTMAttentionConfiguration)

    /// The `--arch` names.
    public enum Architecture: String, Sendable, Codable, CaseIterable {
        case transformer
        case lstmAttention = "lstm-attention"
    }

    /// The `--preset` names.
    public enum Preset: String, Sendable, Codable, CaseIterable {
        case small, medium
    }

    /// Size limits a configuration must respect: far above every preset, low enough that a
    /// hostile file cannot request terabytes.
    public enum Limits {
        public static let vocabularySize = 1...65_536
        public static let genreCount = 1...4_096
        public static let contextLength = 1...65_536
        public static let layers = 1...128
        public static let channels = 1...16_384
        public static let heads = 1...256
        /// At most 2³¹ parameters (8 GB of fp32).
        public static let parameterCount = 1...(1 << 31)
    }

    /// A preset of an architecture (CONVENTIONS.md "Presets").
    public init(architecture: Architecture, preset: Preset) {
        switch (architecture, preset) {
        case (.transformer, .small): self = .transformer(.small)
        case (.transformer, .medium): self = .transformer(.medium)
        case (.lstmAttention, .small): self = .lstmAttention(.small)
        case (.lstmAttention, .medium): self = .lstmAttention(.medium)
        }
    }

    public var architecture: Architecture {
        switch self {
        case .transformer: .transformer
        case .lstmAttention: .lstmAttention
        }
    }

    public var vocabularySize: Int {
        switch self {
        case .transformer(let c): c.vocabularySize
        case .lstmAttention(let c): c.vocabularySize
        }
    }

    public var genreCount: Int {
        switch self {
        case .transformer(let c): c.genreCount
        case .lstmAttention(let c): c.genreCount
        }
    }

    /// Longest training or generation window; nil for the LSTM, which has no positional table.
    public var contextLength: Int? {
        if case .transformer(let c) = self { return c.contextLength }
        return nil
    }

    /// The parameter table, built without allocating the parameters.
    public var parameterTable: ParameterTable {
        switch self {
        case .transformer(let c): TransformerModel.Layout(c).table
        case .lstmAttention(let c): LSTMAttentionModel.Layout(c).table
        }
    }

    /// A model with PyTorch-default initial weights drawn from `seed` (nil: zeros, to be loaded).
    public func makeModel(seed: UInt64?) -> any LanguageModel {
        switch self {
        case .transformer(let c): TransformerModel(configuration: c, seed: seed)
        case .lstmAttention(let c): LSTMAttentionModel(configuration: c, seed: seed)
        }
    }

    /// One line for humans: "transformer (6 layers, 256 channels, 8 heads; 5.14M parameters)".
    public var summary: String {
        let millions = String(format: "%.2fM", Double(parameterTable.count) / 1e6)
        switch self {
        case .transformer(let c):
            return "transformer (\(c.layers) layers, \(c.channels) channels, \(c.heads) heads, context \(c.contextLength); \(millions) parameters)"
        case .lstmAttention(let c):
            return "lstm-attention (embedding \(c.embeddingSize), \(c.layers)-layer LSTM \(c.hiddenSize); \(millions) parameters)"
        }
    }
}

extension ModelConfiguration: Codable {
    enum CodingKeys: String, CodingKey {
        case architecture, vocabularySize, genreCount, contextLength, layers, channels, heads, feedForwardChannels
        case embeddingSize, hiddenSize
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func sized(_ key: CodingKeys, _ range: ClosedRange<Int>) throws -> Int {
            let value = try c.decode(Int.self, forKey: key)
            guard range.contains(value) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(key.stringValue) \(value) is outside \(range)")
            }
            return value
        }
        let vocabulary = try sized(.vocabularySize, Limits.vocabularySize)
        let genres = try sized(.genreCount, Limits.genreCount)
        let layers = try sized(.layers, Limits.layers)
        switch try c.decode(Architecture.self, forKey: .architecture) {
        case .transformer:
            let channels = try sized(.channels, Limits.channels)
            let heads = try sized(.heads, Limits.heads)
            guard channels % heads == 0 else {
                throw DecodingError.dataCorruptedError(forKey: .heads, in: c, debugDescription: "channels \(channels) are not divisible by heads \(heads)")
            }
            self = .transformer(TransformerConfiguration(
                vocabularySize: vocabulary, genreCount: genres, contextLength: try sized(.contextLength, Limits.contextLength),
                layers: layers, channels: channels, heads: heads, feedForwardChannels: try sized(.feedForwardChannels, 1...65_536)))
        case .lstmAttention:
            self = .lstmAttention(LSTMAttentionConfiguration(
                vocabularySize: vocabulary, genreCount: genres, embeddingSize: try sized(.embeddingSize, Limits.channels),
                hiddenSize: try sized(.hiddenSize, Limits.channels), layers: layers))
        }
        guard Limits.parameterCount.contains(parameterCount) else {
            throw DecodingError.dataCorruptedError(forKey: .layers, in: c, debugDescription: "the model would have \(parameterCount) parameters, more than \(Limits.parameterCount.upperBound)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(genreCount, forKey: .genreCount)
        switch self {
        case .transformer(let m):
            try c.encode(m.contextLength, forKey: .contextLength)
            try c.encode(m.layers, forKey: .layers)
            try c.encode(m.channels, forKey: .channels)
            try c.encode(m.heads, forKey: .heads)
            try c.encode(m.feedForwardChannels, forKey: .feedForwardChannels)
        case .lstmAttention(let m):
            try c.encode(m.embeddingSize, forKey: .embeddingSize)
            try c.encode(m.hiddenSize, forKey: .hiddenSize)
            try c.encode(m.layers, forKey: .layers)
        }
    }

    /// Parameters, computed in overflow-safe arithmetic from the sizes (the table would trap on
    /// absurd ones).
    var parameterCount: Int {
        func product(_ values: Int...) -> Int {
            values.reduce(1) { a, b in
                let (p, overflow) = a.multipliedReportingOverflow(by: b)
                return overflow ? Int.max / 4 : p
            }
        }
        switch self {
        case .transformer(let m):
            let (V, G, P, d, F, L) = (m.vocabularySize, m.genreCount, m.contextLength, m.channels, m.feedForwardChannels, m.layers)
            let block = product(4, d, d) + product(2, F, d) + 9 * d + F
            return min(Int.max / 4, product(V + G + P + V, d) + product(L, block) + 2 * d + V)
        case .lstmAttention(let m):
            let (V, G, E, H, L) = (m.vocabularySize, m.genreCount, m.embeddingSize, m.hiddenSize, m.layers)
            let lstm = product(4, H, E + H) + product(L - 1, 4, H, 2 * H) + product(L, 8, H)
            return min(Int.max / 4, product(V + G, E) + lstm + product(4, H, H + 1) + product(V, H) + V)
        }
    }
}
