import Engine
import Tokenization

/// One trained style classifier: a `StyleClassifierModel` over one `ClassifierView`, with the
/// metadata that names its classes and its tokenizer. `StyleClassifier` pairs the two views.
///
/// The file is safetensors: F32 tensors named by the model's parameter table (tok.weight,
/// pos.weight, blocks.N.…, lnf, head; readable by Python's `safetensors`) and
/// `StyleClassifierMetadata` in `__metadata__`. Writes are atomic; reads treat the file as
/// hostile (offsets, metadata, sizes, tensor names and shapes, finite weights), and every
/// failure is a `CadenzaError.badInput` that names the file.
///
/// Not thread-safe: the model keeps its activations between calls. Use one per thread or task.
public final class ViewClassifier {
    /// Set once more after evaluation, to store the measured metrics with the weights.
    public internal(set) var metadata: StyleClassifierMetadata
    public let model: StyleClassifierModel
    public let tokenizer: Tokenizer
    /// The file it was read from, or a name for one trained in memory; errors name it.
    public let source: String
    /// Windows per forward pass when scoring a piece.
    static let windowsPerPass = 16

    public var view: ClassifierView { metadata.view }
    /// Class names by output index: genres, then `corrupted`.
    public var classes: [String] { metadata.classes }
    /// Tokens per window, W.
    public var windowTokens: Int { metadata.model.contextLength }

    /// Pairs a model with its metadata; their configurations must agree.
    public init(model: StyleClassifierModel, metadata: StyleClassifierMetadata, source: String) {
        precondition(model.configuration == metadata.model, "the metadata describes another model")
        self.source = source
        self.model = model
        self.metadata = metadata
        self.tokenizer = Tokenizer(config: metadata.tokenizer)
    }

    /// Reads a classifier file.
    public static func load(_ path: String) throws(CadenzaError) -> ViewClassifier {
        try load(bytes: InputFile.read(path, maximumBytes: Checkpoint.maximumBytes), name: path)
    }

    /// Reads a classifier from bytes in memory; `name` stands for the file in error messages.
    public static func load(bytes: [UInt8], name: String) throws(CadenzaError) -> ViewClassifier {
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(bytes: bytes)
        } catch {
            throw .badInput(file: name, location: "byte \(error.offset)", problem: error.reason, hint: "the file is damaged or not a safetensors file; train the classifier again")
        }
        let metadata = try StyleClassifierMetadata(strings: file.metadata, file: name)
        let model = StyleClassifierModel(configuration: metadata.model, seed: nil)  // every tensor is read below
        do {
            try model.parameterTable.read(from: file, into: model.parameters.pointer)
        } catch {
            throw .badInput(file: name, location: "byte \(error.offset)", problem: error.reason, hint: "the tensors do not match the classifier the metadata describes")
        }
        guard Checkpoint.allFinite(model.parameters) else {
            throw .badInput(file: name, location: nil, problem: "the weights hold NaN or infinity", hint: "train the classifier again")
        }
        return ViewClassifier(model: model, metadata: metadata, source: name)
    }

    /// Writes the classifier to `path` atomically; refuses weights that are not all finite.
    public func write(to path: String) throws(CadenzaError) {
        guard Checkpoint.allFinite(model.parameters) else {
            throw .writeFailed(file: path, problem: "the weights hold NaN or infinity", hint: "training diverged; lower the learning rate")
        }
        var writer = SafeTensorsWriter()
        writer.metadata = metadata.strings()
        model.parameterTable.write(model.parameters.pointer, into: &writer, as: .f32)
        try AtomicFileWriter.write(writer.bytes(), to: path)
    }

    /// Mean class probabilities (by `classes`, summing to 1) over the windows of a token sequence
    /// of this classifier's tokenizer: a whole piece (`BOS … EOS`) or any part of one. The
    /// sequence is viewed, cut into windows of W (`ClassifierSampler.windows`, at most
    /// `maximumWindows`, evenly spread), and each window's probabilities count equally.
    public func probabilities(tokens: [Int], maximumWindows: Int = 16) throws(CadenzaError) -> [Double] {
        let size = tokenizer.vocabulary.size
        if let stranger = tokens.firstIndex(where: { !(0..<size).contains($0) }) {
            throw .invalidSetting(field: "tokens", problem: "id \(tokens[stranger]) at index \(stranger) is outside the vocabulary 0..<\(size)",
                                  hint: "pass ids of the tokenizer the classifier was trained with")
        }
        let viewed = view.apply(tokens, vocabulary: tokenizer.vocabulary).map(Int32.init)
        guard !viewed.isEmpty else {
            throw .invalidSetting(field: "tokens", problem: "hold nothing the \(view) classifier reads (no bars, notes or tempo)",
                                  hint: "pass a piece with notes")
        }
        return probabilities(viewed: viewed, maximumWindows: maximumWindows)
    }

    /// Mean class probabilities over the windows of ids already in this classifier's view
    /// (non-empty).
    func probabilities(viewed: [Int32], maximumWindows: Int) -> [Double] {
        probabilities(viewedPieces: [viewed], maximumWindows: maximumWindows)[0]
    }

    /// `probabilities(viewed:)` of many pieces at once: their windows go through the model in
    /// batches of `windowsPerPass` regardless of which piece they belong to, so short pieces do
    /// not make small batches (a window shorter than W is padded; padding changes nothing, see
    /// `StyleClassifierModel`). `progress` gets the number of pieces finished so far.
    func probabilities(viewedPieces: [[Int32]], maximumWindows: Int, progress: (Int) -> Void = { _ in }) -> [[Double]] {
        let K = classes.count, W = windowTokens, pad = Int32(model.configuration.paddingToken)
        var windows: [(piece: Int, ids: ArraySlice<Int32>)] = []
        for (piece, ids) in viewedPieces.enumerated() {
            let cut = ClassifierSampler.windows(of: ids, windowTokens: W, maximumWindows: maximumWindows)
            precondition(!cut.isEmpty, "nothing to classify in piece \(piece)")
            windows += cut.map { (piece, $0) }
        }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: K), count: viewedPieces.count)
        var counts = [Int](repeating: 0, count: viewedPieces.count)
        var start = 0
        while start < windows.count {
            let chunk = windows[start..<min(windows.count, start + Self.windowsPerPass)]
            // A lone window runs at its own length; in a batch, short windows are padded to W.
            let T = chunk.count == 1 ? chunk.first!.ids.count : W
            let tokens = chunk.flatMap { $0.ids + repeatElement(pad, count: T - $0.ids.count) }
            model.forward(tokens: tokens, labels: nil, batchSize: chunk.count, sequenceLength: T)
            let p = model.probabilities()
            for (row, window) in chunk.enumerated() {
                for k in 0..<K { sums[window.piece][k] += Double(p[row * K + k]) }
                counts[window.piece] += 1
            }
            start += chunk.count
            progress(start == windows.count ? viewedPieces.count : windows[start].piece)
        }
        return zip(sums, counts).map { sum, count in sum.map { $0 / Double(count) } }
    }
}
