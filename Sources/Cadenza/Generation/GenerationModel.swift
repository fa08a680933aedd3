import CadenzaModelData
import Engine
import Foundation
import Tokenization

/// A trained model ready to generate: weights, the tokenizer it was trained with, its genre
/// names and its id. Loading is the slow part; a `Generator` then makes decoders from it.
public final class GenerationModel: @unchecked Sendable {
    public let metadata: CheckpointMetadata
    /// The model with every weight in fp32; an int8 checkpoint's matrices are expanded on
    /// the first use of this property (generation itself never needs them).
    public var model: any LanguageModel {
        lock.withLock {
            for (offset, matrix) in pending { matrix.dequantized(into: loadedModel.parameters.pointer + offset) }
            pending = [:]
        }
        return loadedModel
    }
    public var vocabularySize: Int { loadedModel.vocabularySize }
    public let storage: Checkpoint.Storage
    public let tokenizer: Tokenizer
    /// "cdz-" and 16 hex digits: a hash of the weights as loaded (fp32 bit patterns), so the
    /// same weights in fp32 and fp16 files differ, and any change to a weight changes it.
    public let identifier: String
    /// Where it came from: a file path, or "default" for the embedded model.
    public let source: String
    /// Its model card (Markdown), when the checkpoint carries one.
    public let card: String?
    private let quantizedMatrices = QuantizedMatrixCache()
    private let loadedModel: any LanguageModel
    /// int8 matrices whose fp32 range of `loadedModel.parameters` is still zero: the ones the
    /// decoders take as int8 (a deferred load; 20 MB of fresh pages and a fifth of the first
    /// note for transformer-small).
    private var pending: [Int: QuantizedMatrix] = [:]
    private let lock = NSLock()

    /// Genre names by slot (slot 0 is `unconditional`).
    public var genres: [String] { metadata.genres }

    public init(_ loaded: Checkpoint.Loaded, source: String) throws(CadenzaError) {
        metadata = loaded.metadata
        loadedModel = loaded.model
        storage = loaded.storage
        do {
            tokenizer = try Tokenizer(checking: loaded.metadata.tokenizer)
        } catch {
            throw .badInput(file: loaded.path, location: "__metadata__.tokenizer", problem: "\(error)", hint: "the checkpoint's tokenizer config is damaged")
        }
        guard loadedModel.vocabularySize >= tokenizer.vocabulary.size else {
            throw .badInput(file: loaded.path, location: "__metadata__.model", problem: "vocabulary \(loadedModel.vocabularySize) is smaller than the tokenizer's \(tokenizer.vocabulary.size)", hint: "the checkpoint's configs do not belong together")
        }
        if loaded.deferred {
            // Everything the decoders read in fp32 (embeddings above all) is expanded now.
            let decoderMatrices = Set(Self.decoderMatrixOffsets(loadedModel))
            for (offset, matrix) in loaded.quantized {
                if decoderMatrices.contains(offset) { pending[offset] = matrix } else {
                    matrix.dequantized(into: loadedModel.parameters.pointer + offset)
                }
            }
        }
        identifier = Self.identifier(of: loadedModel.parameters, pending: pending)
        self.source = source
        card = loaded.card
        // An int8 checkpoint's matrices serve the decoders as stored: quantizing their
        // dequantized values again would give the same matrices, slower.
        for (offset, matrix) in loaded.quantized {
            quantizedMatrices.insert(matrix, for: UnsafePointer(loadedModel.parameters.pointer + offset))
        }
    }

    /// Offsets of the weight matrices a decoder of `model` multiplies by (and so takes from
    /// the int8 cache when the model is int8).
    static func decoderMatrixOffsets(_ model: any LanguageModel) -> [Int] {
        switch model {
        case let transformer as TransformerModel: return TransformerDecoder.matrixOffsets(transformer.layout)
        case let lstm as LSTMAttentionModel: return LSTMAttentionDecoder.matrixOffsets(lstm.layout)
        default: return []
        }
    }

    /// Loads a checkpoint file or training folder (see `Checkpoint.resolve`).
    public static func load(_ path: String) throws(CadenzaError) -> GenerationModel {
        try GenerationModel(Checkpoint.readModel(path, deferDequantization: true), source: path)
    }

    /// "transformer small, fp32" style description.
    public var description: String { metadata.model.summary + ", " + storage.rawValue }

    /// Checks a request against this model (genre, ranges, instruments, meter, key) without
    /// generating, so a server can answer a bad request before it takes a generation slot.
    public func check(_ request: GenerationRequest) throws(CadenzaError) {
        _ = try ResolvedRequest(request, tokenizer: tokenizer, genres: genres)
    }

    /// A fresh decoder (its own cache), int8 when the checkpoint is int8 or `int8` is asked.
    /// Every int8 decoder of this model shares one quantized copy of each matrix (guided
    /// sampling runs two decoders; a server pools several), made on first use.
    public func makeDecoder(int8: Bool = false) -> any IncrementalDecoder {
        let quantized = int8 || storage == .int8
        let shared: QuantizedMatrix.Provider = { [quantizedMatrices] in quantizedMatrices.matrix($0, rows: $1, columns: $2) }
        switch loadedModel {
        case let transformer as TransformerModel: return TransformerDecoder(model: transformer, int8: quantized, quantized: shared)
        case let lstm as LSTMAttentionModel: return LSTMAttentionDecoder(model: lstm, int8: quantized, quantized: shared)
        default: preconditionFailure("unknown model type \(type(of: loadedModel))")
        }
    }

    /// FNV-1a over the 32-bit words of every fp32 weight: a stable id, not a security hash.
    /// `pending` matrices count as their dequantized values, made a row at a time.
    static func identifier(of parameters: FloatBuffer, pending: [Int: QuantizedMatrix] = [:]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ values: UnsafePointer<Float>, _ count: Int) {
            for i in 0..<count { hash = (hash ^ UInt64(values[i].bitPattern)) &* 0x0000_0100_0000_01b3 }
        }
        var next = 0
        let row = FloatBuffer(count: pending.values.map(\.columns).max() ?? 0)
        for (offset, matrix) in pending.sorted(by: { $0.key < $1.key }) {
            mix(parameters.pointer + next, offset - next)
            for i in 0..<matrix.rows {
                matrix.dequantizedRow(i, into: row.pointer)
                mix(row.pointer, matrix.columns)
            }
            next = offset + matrix.rows * matrix.columns
        }
        mix(parameters.pointer + next, parameters.count - next)
        return "cdz-" + String(hash, radix: 16).leftPadded(to: 16)
    }
}

/// Quantized matrices by the address of their fp32 weights (which a loaded model never moves
/// or changes).
final class QuantizedMatrixCache: @unchecked Sendable {
    private let lock = NSLock()
    private var matrices: [UnsafePointer<Float>: QuantizedMatrix] = [:]

    func insert(_ matrix: QuantizedMatrix, for weights: UnsafePointer<Float>) {
        lock.withLock { matrices[weights] = matrix }
    }

    func matrix(_ weights: UnsafePointer<Float>, rows: Int, columns: Int) -> QuantizedMatrix {
        lock.withLock {
            if let known = matrices[weights], known.rows == rows, known.columns == columns { return known }
            let made = QuantizedMatrix(quantizing: weights, rows: rows, columns: columns)
            matrices[weights] = made
            return made
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}


extension GenerationModel {
    /// The default model linked into this build (Sources/CadenzaModelData/default.safetensors),
    /// or nil when the build has none. Loaded once per process.
    public static func embedded() throws(CadenzaError) -> GenerationModel? {
        try EmbeddedModel.shared.get()
    }

    /// A model as `--model` names it: `default` for the embedded model, else a checkpoint path.
    public static func named(_ name: String) throws(CadenzaError) -> GenerationModel {
        guard name == "default" else { return try load(name) }
        guard let model = try embedded() else {
            throw .invalidSetting(field: "model", problem: "this build has no embedded default model",
                                  hint: "pass --model with a checkpoint from `cadenza train`")
        }
        return model
    }
}

/// Loads the embedded model on first use and keeps it (its weights are read-only afterwards).
private final class EmbeddedModel: @unchecked Sendable {
    static let shared = EmbeddedModel()
    private let lock = NSLock()
    private var loaded: Result<GenerationModel?, CadenzaError>?

    func get() throws(CadenzaError) -> GenerationModel? {
        lock.lock()
        defer { lock.unlock() }
        if loaded == nil {
            var length = 0
            guard let base = cdz_default_model(&length), length > 0 else {
                loaded = .success(nil)
                return nil
            }
            let bytes = Array(UnsafeBufferPointer(start: base, count: length))
            do {
                loaded = .success(try GenerationModel(Checkpoint.readModel(bytes: bytes, name: "default model", deferDequantization: true),
                                                       source: "default"))
            } catch {
                loaded = .failure(error)
            }
        }
        return try loaded!.get()
    }
}
