import Engine
import Foundation

/// Reading and writing the two files of a checkpoint (ARCHITECTURE.md "Checkpoints"):
///
/// - `model.safetensors`: the weights as F32 tensors named by the model's parameter table
///   (PyTorch `state_dict` names), and `CheckpointMetadata` in `__metadata__`. Python's
///   `safetensors` and PyTorch load it as is.
/// - `optimizer.safetensors`: AdamW's moments as `exp_avg.NAME` and `exp_avg_sq.NAME` (PyTorch's
///   state names), and in `__metadata__` the format `cadenza-optimizer/1`, the AdamW step count
///   and the training step. There is no random-generator state to keep: training batches are
///   a function of (seed, step) and the models have no dropout, so (weights, moments, step)
///   resume a run exactly.
///
/// Writes are atomic (`AtomicFileWriter`). Reads treat the files as hostile: `SafeTensorsFile`
/// checks every offset, `CheckpointMetadata` every field, `ParameterTable.read` every name and
/// shape; failures are `CadenzaError.badInput` naming the file and the field or byte.
public enum Checkpoint {
    public static let modelFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let optimizerFormat = "cadenza-optimizer/1"
    /// Checkpoints larger than this are refused (a medium model is about 100 MB).
    public static let maximumBytes = 16 << 30

    /// A loaded model with its metadata.
    public struct Loaded {
        public let metadata: CheckpointMetadata
        public let model: any LanguageModel
        /// How the weights were stored: fp32 (training), fp16 (a compact shipped model) or
        /// int8 (`cadenza quantize`; generation then runs int8 matrix products).
        public let storage: Storage
        /// The model card (Markdown) in `__metadata__.model_card`, when the checkpoint has one.
        public var card: String? = nil
        /// The `model.safetensors` it came from.
        public let path: String
        /// An int8 checkpoint's matrices as stored, by parameter offset (empty otherwise).
        public var quantized: [Int: QuantizedMatrix] = [:]
        /// True when `quantized` matrices were not written into `model.parameters` (a load
        /// with `deferDequantization`): their ranges hold zeros until the caller expands them
        /// (`QuantizedMatrix.dequantized(into:)`, as `GenerationModel.model` does).
        public var deferred = false
    }

    /// How a checkpoint's weights are stored (`__metadata__.storage`; absent means fp32).
    public enum Storage: String, Sendable {
        case fp32, fp16, int8
    }

    /// Writes `model.safetensors` at `path`. Refuses (as `writeFailed`) weights that are not all
    /// finite, so a diverged model never replaces a good checkpoint.
    public static func writeModel(_ model: any LanguageModel, metadata: CheckpointMetadata, to path: String,
                                  storage: Storage = .fp32, card: String? = nil) throws(CadenzaError) {
        guard allFinite(model.parameters) else {
            throw .writeFailed(file: path, problem: "the weights hold NaN or infinity", hint: "training diverged; the previous checkpoint is kept")
        }
        var writer = SafeTensorsWriter()
        writer.metadata = metadata.strings()
        switch storage {
        case .fp32: model.parameterTable.write(model.parameters.pointer, into: &writer, as: .f32)
        case .fp16: model.parameterTable.write(model.parameters.pointer, into: &writer, as: .f16)
        case .int8: model.parameterTable.writeQuantized(model.parameters.pointer, into: &writer)
        }
        if storage != .fp32 { writer.metadata["storage"] = storage.rawValue }
        if let card { writer.metadata["model_card"] = card }
        try AtomicFileWriter.write(writer.bytes(), to: path)
    }

    /// Reads `model.safetensors` at `path` (or `path/model.safetensors`, or the latest
    /// checkpoint of a training output folder; see `resolve`) into a new model.
    /// With `deferDequantization`, an int8 checkpoint's matrices are not expanded to fp32
    /// (see `Loaded.deferred`): generation reads them as int8 and never needs it.
    public static func readModel(_ path: String, deferDequantization: Bool = false) throws(CadenzaError) -> Loaded {
        let file = try resolve(path)
        return try readModel(open(file), file: file, deferDequantization: deferDequantization)
    }

    /// Reads a model from checkpoint bytes already in memory (the embedded default model);
    /// `name` stands for the file in error messages.
    public static func readModel(bytes: [UInt8], name: String, deferDequantization: Bool = false) throws(CadenzaError) -> Loaded {
        let safetensors: SafeTensorsFile
        do {
            safetensors = try SafeTensorsFile(bytes: bytes)
        } catch {
            throw .badInput(file: name, location: "byte \(error.offset)", problem: error.reason, hint: "the file is damaged or not a safetensors file")
        }
        return try readModel(safetensors, file: name, deferDequantization: deferDequantization)
    }

    static func readModel(_ safetensors: SafeTensorsFile, file: String, deferDequantization: Bool = false) throws(CadenzaError) -> Loaded {
        let metadata = try CheckpointMetadata(strings: safetensors.metadata, file: file)
        let storageName = safetensors.metadata["storage"] ?? Storage.fp32.rawValue
        guard let storage = Storage(rawValue: storageName) else {
            throw .badInput(file: file, location: "__metadata__.storage", problem: "is \"\(storageName)\", expected fp32, fp16 or int8", hint: "the checkpoint comes from a newer Cadenza or is damaged")
        }
        let model = metadata.model.makeModel(seed: nil)  // every tensor is read below
        let quantized: [Int: QuantizedMatrix]
        do {
            quantized = try model.parameterTable.read(from: safetensors, into: model.parameters.pointer, dequantize: !deferDequantization)
        } catch {
            throw badTensors(file, error)
        }
        // int8 values times scales checked when read (finite, at most max/128) are finite: a
        // deferred load checks only the rest, without touching the matrices' untouched pages.
        let unread = deferDequantization ? Set(quantized.keys) : []
        for entry in model.parameterTable.entries where !unread.contains(entry.offset) {
            guard allFinite(model.parameters.pointer + entry.offset, count: entry.count) else {
                throw .badInput(file: file, location: entry.name, problem: "the weights hold NaN or infinity", hint: "use an earlier checkpoint")
            }
        }
        return Loaded(metadata: metadata, model: model, storage: storage, card: safetensors.metadata["model_card"], path: file,
                      quantized: quantized, deferred: deferDequantization && !quantized.isEmpty)
    }

    /// Writes AdamW's moments and step, and the training step, to `path`.
    public static func writeOptimizer(_ optimizer: AdamW, trainingStep: Int, to path: String) throws(CadenzaError) {
        var writer = SafeTensorsWriter()
        writer.metadata = ["format": optimizerFormat, "adamw_step": String(optimizer.step), "training_step": String(trainingStep)]
        optimizer.parameterTable.write(optimizer.firstMoment.pointer, into: &writer, as: .f32, prefix: "exp_avg.")
        optimizer.parameterTable.write(optimizer.secondMoment.pointer, into: &writer, as: .f32, prefix: "exp_avg_sq.")
        try AtomicFileWriter.write(writer.bytes(), to: path)
    }

    /// Restores `optimizer` (moments and step) from `path`, which must belong to a model with
    /// the optimizer's parameter table at training step `trainingStep`.
    public static func readOptimizer(_ path: String, into optimizer: AdamW, trainingStep: Int) throws(CadenzaError) {
        let file = try open(path)
        func bad(_ key: String, _ problem: String) -> CadenzaError {
            .badInput(file: path, location: "__metadata__.\(key)", problem: problem, hint: "the optimizer state is damaged; resume from another checkpoint or use --init-from to restart the optimizer")
        }
        guard file.metadata["format"] == optimizerFormat else { throw bad("format", "is not \(optimizerFormat)") }
        guard let text = file.metadata["adamw_step"], let step = Int(text), step >= 0 else { throw bad("adamw_step", "is not a step count") }
        guard file.metadata["training_step"] == String(trainingStep) else {
            throw bad("training_step", "is \(file.metadata["training_step"] ?? "missing"), but model.safetensors is at step \(trainingStep)")
        }
        do {
            try optimizer.parameterTable.read(from: file, into: optimizer.firstMoment.pointer, prefix: "exp_avg.")
            try optimizer.parameterTable.read(from: file, into: optimizer.secondMoment.pointer, prefix: "exp_avg_sq.")
        } catch {
            throw badTensors(path, error)
        }
        guard file.tensors.count == 2 * optimizer.parameterTable.entries.count else {
            throw .badInput(file: path, location: nil, problem: "holds \(file.tensors.count) tensors, expected \(2 * optimizer.parameterTable.entries.count)", hint: "the optimizer state belongs to another model")
        }
        optimizer.step = step
    }

    /// The `model.safetensors` that `path` names: the file itself, `path/model.safetensors`, or
    /// the latest checkpoint of a training output folder (its `latest` pointer).
    public static func resolve(_ path: String) throws(CadenzaError) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .badInput(file: path, location: nil, problem: "does not exist", hint: "name a checkpoint folder (OUT/step-000500), its model.safetensors, or a training output folder")
        }
        guard isFolder.boolValue else { return path }
        if FileManager.default.fileExists(atPath: path + "/" + modelFile) { return path + "/" + modelFile }
        if let latest = try CheckpointFolder(path).latest() { return latest + "/" + modelFile }
        throw .badInput(file: path, location: nil, problem: "holds no \(modelFile) and no `latest` pointer", hint: "name a checkpoint folder such as OUT/step-000500")
    }

    static func open(_ path: String) throws(CadenzaError) -> SafeTensorsFile {
        let bytes = try InputFile.read(path, maximumBytes: maximumBytes)
        do {
            return try SafeTensorsFile(bytes: bytes)
        } catch {
            throw .badInput(file: path, location: "byte \(error.offset)", problem: error.reason, hint: "the file is damaged or not a safetensors file; use another checkpoint")
        }
    }

    static func badTensors(_ path: String, _ error: SafeTensorsError) -> CadenzaError {
        .badInput(file: path, location: "byte \(error.offset)", problem: error.reason, hint: "the tensors do not match the model the metadata describes")
    }

    static func allFinite(_ buffer: FloatBuffer) -> Bool {
        allFinite(buffer.pointer, count: buffer.count)
    }

    static func allFinite(_ values: UnsafePointer<Float>, count: Int) -> Bool {
        for i in 0..<count where !values[i].isFinite { return false }
        return true
    }
}
