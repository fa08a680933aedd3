// tokens (B, T), genres (B) → logits (B, T, V)
//
// The reference `LSTMAttn` of models.py: token + genre embeddings (E), a stacked LSTM (H),
// single-head causal attention over its outputs with a residual, a linear head. Parameter
// names and order are PyTorch's `state_dict`: tok, genre, lstm.{weight_ih,weight_hh,bias_ih,
// bias_hh}_l{k}, q, k, v, o, head.

/// Sizes of an `lstm-attention` model.
public struct LSTMAttentionConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    /// Genre embedding slots (16 in the presets).
    public var genreCount: Int
    /// Embedding width E, the first LSTM layer's input.
    public var embeddingSize: Int
    /// LSTM hidden width H, also the attention's width.
    public var hiddenSize: Int
    public var layers: Int

    public init(vocabularySize: Int = 512, genreCount: Int = 16, embeddingSize: Int, hiddenSize: Int, layers: Int) {
        self.vocabularySize = vocabularySize
        self.genreCount = genreCount
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.layers = layers
    }

    /// models.py `lstm`: embedding 256, 2-layer LSTM 512 (5,126,656 parameters).
    public static let small = LSTMAttentionConfiguration(embeddingSize: 256, hiddenSize: 512, layers: 2)
    /// CONVENTIONS.md: embedding 512, 3-layer LSTM 1024, attention 1024 (28,086,784 parameters).
    public static let medium = LSTMAttentionConfiguration(embeddingSize: 512, hiddenSize: 1024, layers: 3)
}

/// Embedding → stacked LSTM → causal attention → head, with explicit forward and backward.
public final class LSTMAttentionModel: LanguageModel {
    /// Offsets of one LSTM layer's four tensors.
    struct RecurrentLayer: Sendable {
        let weightInputHidden, weightHiddenHidden, biasInputHidden, biasHiddenHidden: Int
        let inputSize: Int
    }

    /// Where each tensor of a configuration lives; allocates nothing large.
    public struct Layout: Sendable {
        public let table: ParameterTable
        let tok, genre: Int
        let recurrent: [RecurrentLayer]
        let attention: LSTMAttention.Parameters
        let head: (weight: Int, bias: Int)

        public init(_ c: LSTMAttentionConfiguration) {
            var table = ParameterTable()
            let H = c.hiddenSize
            tok = table.addEmbedding("tok", rows: c.vocabularySize, channels: c.embeddingSize)
            genre = table.addEmbedding("genre", rows: c.genreCount, channels: c.embeddingSize)
            // nn.LSTM initialises every tensor U(−1/√H, 1/√H).
            let uniform = ParameterTable.Initialization.uniform(bound: 1 / Float(H).squareRoot())
            recurrent = (0..<c.layers).map { k in
                let I = k == 0 ? c.embeddingSize : H
                return RecurrentLayer(
                    weightInputHidden: table.add("lstm.weight_ih_l\(k)", shape: [4 * H, I], decays: true, initialization: uniform),
                    weightHiddenHidden: table.add("lstm.weight_hh_l\(k)", shape: [4 * H, H], decays: true, initialization: uniform),
                    biasInputHidden: table.add("lstm.bias_ih_l\(k)", shape: [4 * H], decays: false, initialization: uniform),
                    biasHiddenHidden: table.add("lstm.bias_hh_l\(k)", shape: [4 * H], decays: false, initialization: uniform),
                    inputSize: I)
            }
            attention = LSTMAttention.Parameters(registeringIn: &table, hiddenSize: H)
            head = table.addLinear("head", inputs: H, outputs: c.vocabularySize)
            self.table = table
        }
    }

    /// Everything forward keeps for backward, plus backward's buffers, for one (B, T).
    final class Activations {
        let batchSize: Int, sequenceLength: Int
        let embedded: FloatBuffer                                  // (B, T, E)
        let outputs, cells, gates: [FloatBuffer]                   // per layer: (B, T, H), (B, T, H), (B, T, 4H)
        let attention: LSTMAttention.Activations
        let attended: FloatBuffer                                  // h + o(attention), (B, T, H)
        let logits, logitGradients: FloatBuffer                    // (B, T, V)
        let attendedGradient, embeddedGradient: FloatBuffer
        let hiddenGradients: (FloatBuffer, FloatBuffer)            // ping-pong between LSTM layers, (B, T, H)
        let gateGradients: FloatBuffer                             // LSTM.backward's scratch, (B, T, 4H)

        init(batchSize B: Int, sequenceLength T: Int, _ c: LSTMAttentionConfiguration) {
            (batchSize, sequenceLength) = (B, T)
            let (N, E, H, V) = (B * T, c.embeddingSize, c.hiddenSize, c.vocabularySize)
            embedded = FloatBuffer(count: N * E)
            outputs = (0..<c.layers).map { _ in FloatBuffer(count: N * H) }
            cells = (0..<c.layers).map { _ in FloatBuffer(count: N * H) }
            gates = (0..<c.layers).map { _ in FloatBuffer(count: N * 4 * H) }
            attention = LSTMAttention.Activations(batchSize: B, sequenceLength: T, hiddenSize: H)
            attended = FloatBuffer(count: N * H)
            (logits, logitGradients) = (FloatBuffer(count: N * V), FloatBuffer(count: N * V))
            (attendedGradient, embeddedGradient) = (FloatBuffer(count: N * H), FloatBuffer(count: N * E))
            hiddenGradients = (FloatBuffer(count: N * H), FloatBuffer(count: N * H))
            gateGradients = FloatBuffer(count: N * 4 * H)
        }
    }

    public let configuration: LSTMAttentionConfiguration
    public let layout: Layout
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public var parameterTable: ParameterTable { layout.table }
    public var vocabularySize: Int { configuration.vocabularySize }

    private var activations: Activations?
    private var tokens: [Int32] = [], genres: [Int32] = [], targets: [Int32]?

    /// A model with PyTorch-default initial weights drawn from `seed`; with a nil seed the
    /// weights stay zero, for a checkpoint that is about to overwrite them all (loading skips
    /// drawing millions of random numbers).
    public init(configuration: LSTMAttentionConfiguration, seed: UInt64?) {
        self.configuration = configuration
        layout = Layout(configuration)
        parameters = FloatBuffer(count: layout.table.count)
        gradients = FloatBuffer(count: layout.table.count)
        if let seed {
            var generator = SeededGenerator(seed: seed)
            layout.table.initialize(parameters.pointer, generator: &generator)
        }
    }

    public var logits: UnsafeBufferPointer<Float> {
        guard let activations else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(activations.logits.buffer)
    }

    @discardableResult
    public func forward(tokens: [Int32], genres: [Int32], targets: [Int32]?, ignoredTarget: Int32? = nil,
                        batchSize B: Int, sequenceLength T: Int) -> Float? {
        let c = configuration
        precondition(T >= 1, "sequence length must be at least 1")
        precondition(tokens.count == B * T && genres.count == B && (targets?.count ?? B * T) == B * T, "input sizes do not match (B, T)")
        if activations?.batchSize != B || activations?.sequenceLength != T {
            activations = Activations(batchSize: B, sequenceLength: T, c)
        }
        let a = activations!, w = UnsafePointer(parameters.pointer), p = layout
        (self.tokens, self.genres, self.targets) = (tokens, genres, targets)
        let (E, H, V) = (c.embeddingSize, c.hiddenSize, c.vocabularySize)

        TokenEmbedding.forward(output: a.embedded.pointer, tokens: tokens, weight: w + p.tok,
                               batchSize: B, sequenceLength: T, channels: E, vocabularySize: V)
        GenreConditioning.forward(output: a.embedded.pointer, genres: genres, weight: w + p.genre,
                                  batchSize: B, sequenceLength: T, channels: E, genreCount: c.genreCount)
        for (k, r) in p.recurrent.enumerated() {
            LSTM.forward(output: a.outputs[k].pointer, cells: a.cells[k].pointer, gates: a.gates[k].pointer,
                         input: k == 0 ? a.embedded.pointer : a.outputs[k - 1].pointer,
                         weightInputHidden: w + r.weightInputHidden, weightHiddenHidden: w + r.weightHiddenHidden,
                         biasInputHidden: w + r.biasInputHidden, biasHiddenHidden: w + r.biasHiddenHidden,
                         batchSize: B, sequenceLength: T, inputSize: r.inputSize, hiddenSize: H)
        }
        LSTMAttention.forward(output: a.attended.pointer, hidden: a.outputs[c.layers - 1].pointer,
                              parameters: w, layout: p.attention, activations: a.attention)
        Linear.forward(output: a.logits.pointer, input: a.attended.pointer, weight: w + p.head.weight, bias: w + p.head.bias,
                       batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: V)
        guard let targets else { return nil }
        return CrossEntropy.forwardBackward(logitGradients: a.logitGradients.pointer, logits: a.logits.pointer, targets: targets,
                                            batchSize: B, sequenceLength: T, vocabularySize: V, ignoredTarget: ignoredTarget).loss
    }

    public func backward() {
        guard let a = activations, targets != nil else { preconditionFailure("backward needs a forward with targets") }
        let c = configuration, w = UnsafePointer(parameters.pointer), g = gradients.pointer, p = layout
        let (B, T, E, H, V) = (a.batchSize, a.sequenceLength, c.embeddingSize, c.hiddenSize, c.vocabularySize)
        a.attendedGradient.zero()

        Linear.backward(inputGradient: a.attendedGradient.pointer, weightGradient: g + p.head.weight, biasGradient: g + p.head.bias,
                        outputGradient: a.logitGradients.pointer, input: a.attended.pointer, weight: w + p.head.weight,
                        batchSize: B, sequenceLength: T, inputChannels: H, outputChannels: V)
        var outputGradient = a.hiddenGradients.0, inputGradient = a.hiddenGradients.1
        outputGradient.zero()
        LSTMAttention.backward(hiddenGradient: outputGradient.pointer, gradients: g, outputGradient: a.attendedGradient.pointer,
                               hidden: a.outputs[c.layers - 1].pointer, parameters: w, layout: p.attention, activations: a.attention)
        for k in stride(from: c.layers - 1, through: 0, by: -1) {
            let r = p.recurrent[k]
            let dinput = k == 0 ? a.embeddedGradient : inputGradient
            dinput.zero()
            LSTM.backward(inputGradient: dinput.pointer,
                          weightInputHiddenGradient: g + r.weightInputHidden, weightHiddenHiddenGradient: g + r.weightHiddenHidden,
                          biasInputHiddenGradient: g + r.biasInputHidden, biasHiddenHiddenGradient: g + r.biasHiddenHidden,
                          outputGradient: outputGradient.pointer, output: a.outputs[k].pointer, cells: a.cells[k].pointer,
                          gates: a.gates[k].pointer, input: k == 0 ? a.embedded.pointer : a.outputs[k - 1].pointer,
                          weightInputHidden: w + r.weightInputHidden, weightHiddenHidden: w + r.weightHiddenHidden,
                          gateScratch: a.gateGradients.pointer,
                          batchSize: B, sequenceLength: T, inputSize: r.inputSize, hiddenSize: H)
            swap(&outputGradient, &inputGradient)
        }
        GenreConditioning.backward(weightGradient: g + p.genre, outputGradient: a.embeddedGradient.pointer, genres: genres,
                                   batchSize: B, sequenceLength: T, channels: E)
        TokenEmbedding.backward(weightGradient: g + p.tok, outputGradient: a.embeddedGradient.pointer, tokens: tokens,
                                batchSize: B, sequenceLength: T, channels: E)
    }
}
