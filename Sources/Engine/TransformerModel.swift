// tokens (B, T), genres (B) → logits (B, T, V)
//
// The reference `GPT` of models.py: token + genre + learned position embeddings, L pre-LN
// blocks, a final LayerNorm, an untied linear head. Parameter names and order are PyTorch's
// `state_dict`: tok, genre, pos, blocks.{l}.…, lnf, head.

/// Sizes of a `transformer` model.
public struct TransformerConfiguration: Sendable, Equatable {
    /// Token ids, 0..<vocabularySize.
    public var vocabularySize: Int
    /// Genre embedding slots (16 in the presets; ids 0..<genreCount).
    public var genreCount: Int
    /// Longest sequence, the rows of the positional embedding.
    public var contextLength: Int
    public var layers: Int
    /// Model width d; must be divisible by `heads`.
    public var channels: Int
    public var heads: Int
    /// Width of the MLP's hidden layer.
    public var feedForwardChannels: Int

    public init(vocabularySize: Int = 512, genreCount: Int = 16, contextLength: Int = 512,
                layers: Int, channels: Int, heads: Int, feedForwardChannels: Int) {
        precondition(channels % heads == 0, "channels \(channels) not divisible by heads \(heads)")
        self.vocabularySize = vocabularySize
        self.genreCount = genreCount
        self.contextLength = contextLength
        self.layers = layers
        self.channels = channels
        self.heads = heads
        self.feedForwardChannels = feedForwardChannels
    }

    /// models.py `small`: 6 layers, d 256, 8 heads, FFN 1024, context 512 (5,136,896 parameters).
    public static let small = TransformerConfiguration(layers: 6, channels: 256, heads: 8, feedForwardChannels: 1024)
    /// models.py `medium`: 8 layers, d 512, 8 heads, FFN 2048, context 512 (26,015,232 parameters).
    public static let medium = TransformerConfiguration(layers: 8, channels: 512, heads: 8, feedForwardChannels: 2048)
}

/// Decoder-only transformer with explicit forward and backward.
public final class TransformerModel: LanguageModel {
    /// Where each tensor of a configuration lives; building it allocates nothing large, so
    /// parameter counts can be checked without a model.
    public struct Layout: Sendable {
        public let table: ParameterTable
        let tok, genre, pos: Int
        let blocks: [TransformerBlock.Parameters]
        let lnf, head: (weight: Int, bias: Int)

        public init(_ c: TransformerConfiguration) {
            var table = ParameterTable()
            tok = table.addEmbedding("tok", rows: c.vocabularySize, channels: c.channels)
            genre = table.addEmbedding("genre", rows: c.genreCount, channels: c.channels)
            pos = table.addEmbedding("pos", rows: c.contextLength, channels: c.channels)
            blocks = (0..<c.layers).map {
                TransformerBlock.Parameters(registeringIn: &table, prefix: "blocks.\($0)", channels: c.channels,
                                            feedForwardChannels: c.feedForwardChannels)
            }
            lnf = table.addLayerNorm("lnf", channels: c.channels)
            head = table.addLinear("head", inputs: c.channels, outputs: c.vocabularySize)
            self.table = table
        }
    }

    /// Everything forward keeps for backward, plus backward's buffers, for one (B, T).
    final class Activations {
        let shape: TransformerBlock.Shape
        let embedded: FloatBuffer                           // block 0's input, (B, T, C)
        let blockOutputs: [FloatBuffer]                     // (B, T, C) each
        let blocks: [TransformerBlock.Activations]
        let scratch: TransformerBlock.Scratch
        let normalized, normalizedMean, normalizedReciprocalStd: FloatBuffer
        let logits, logitGradients: FloatBuffer             // (B, T, V)
        let residualGradient, normalizedGradient: FloatBuffer // (B, T, C)

        init(_ shape: TransformerBlock.Shape, layers: Int, vocabularySize V: Int) {
            self.shape = shape
            let N = shape.batchSize * shape.sequenceLength, C = shape.channels
            embedded = FloatBuffer(count: N * C)
            blockOutputs = (0..<layers).map { _ in FloatBuffer(count: N * C) }
            blocks = (0..<layers).map { _ in TransformerBlock.Activations(shape) }
            scratch = TransformerBlock.Scratch(shape)
            (normalized, normalizedMean, normalizedReciprocalStd) = (FloatBuffer(count: N * C), FloatBuffer(count: N), FloatBuffer(count: N))
            (logits, logitGradients) = (FloatBuffer(count: N * V), FloatBuffer(count: N * V))
            (residualGradient, normalizedGradient) = (FloatBuffer(count: N * C), FloatBuffer(count: N * C))
        }
    }

    public let configuration: TransformerConfiguration
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
    public init(configuration: TransformerConfiguration, seed: UInt64?) {
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
        precondition(T >= 1 && T <= c.contextLength, "sequence length \(T) outside 1...\(c.contextLength)")
        precondition(tokens.count == B * T && genres.count == B && (targets?.count ?? B * T) == B * T, "input sizes do not match (B, T)")
        let shape = TransformerBlock.Shape(batchSize: B, sequenceLength: T, channels: c.channels, heads: c.heads,
                                           feedForwardChannels: c.feedForwardChannels)
        if activations?.shape != shape { activations = Activations(shape, layers: c.layers, vocabularySize: c.vocabularySize) }
        let a = activations!, w = UnsafePointer(parameters.pointer), p = layout
        (self.tokens, self.genres, self.targets) = (tokens, genres, targets)
        let (C, V) = (c.channels, c.vocabularySize)

        TokenEmbedding.forward(output: a.embedded.pointer, tokens: tokens, weight: w + p.tok,
                               batchSize: B, sequenceLength: T, channels: C, vocabularySize: V)
        GenreConditioning.forward(output: a.embedded.pointer, genres: genres, weight: w + p.genre,
                                  batchSize: B, sequenceLength: T, channels: C, genreCount: c.genreCount)
        PositionalEmbedding.forward(output: a.embedded.pointer, weight: w + p.pos, batchSize: B, sequenceLength: T, channels: C)
        for l in 0..<c.layers {
            TransformerBlock.forward(output: a.blockOutputs[l].pointer, input: blockInput(l, a), parameters: w, layout: p.blocks[l],
                                     shape: shape, activations: a.blocks[l], scratch: a.scratch)
        }
        LayerNorm.forward(output: a.normalized.pointer, mean: a.normalizedMean.pointer,
                          reciprocalStandardDeviation: a.normalizedReciprocalStd.pointer,
                          input: a.blockOutputs[c.layers - 1].pointer, weight: w + p.lnf.weight, bias: w + p.lnf.bias,
                          batchSize: B, sequenceLength: T, channels: C)
        Linear.forward(output: a.logits.pointer, input: a.normalized.pointer, weight: w + p.head.weight, bias: w + p.head.bias,
                       batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: V)
        guard let targets else { return nil }
        // The loss and its logit gradients in one pass, ready for backward.
        return CrossEntropy.forwardBackward(logitGradients: a.logitGradients.pointer, logits: a.logits.pointer, targets: targets,
                                            batchSize: B, sequenceLength: T, vocabularySize: V, ignoredTarget: ignoredTarget).loss
    }

    public func backward() {
        guard let a = activations, targets != nil else { preconditionFailure("backward needs a forward with targets") }
        let c = configuration, shape = a.shape, w = UnsafePointer(parameters.pointer), g = gradients.pointer, p = layout
        let (B, T, C, V) = (shape.batchSize, shape.sequenceLength, c.channels, c.vocabularySize)
        a.residualGradient.zero()
        a.normalizedGradient.zero()

        Linear.backward(inputGradient: a.normalizedGradient.pointer, weightGradient: g + p.head.weight, biasGradient: g + p.head.bias,
                        outputGradient: a.logitGradients.pointer, input: a.normalized.pointer, weight: w + p.head.weight,
                        batchSize: B, sequenceLength: T, inputChannels: C, outputChannels: V)
        LayerNorm.backward(inputGradient: a.residualGradient.pointer, weightGradient: g + p.lnf.weight, biasGradient: g + p.lnf.bias,
                           outputGradient: a.normalizedGradient.pointer, input: a.blockOutputs[c.layers - 1].pointer,
                           weight: w + p.lnf.weight, mean: a.normalizedMean.pointer,
                           reciprocalStandardDeviation: a.normalizedReciprocalStd.pointer,
                           batchSize: B, sequenceLength: T, channels: C)
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            TransformerBlock.backward(residualGradient: a.residualGradient.pointer, gradients: g, input: blockInput(l, a),
                                      parameters: w, layout: p.blocks[l], shape: shape, activations: a.blocks[l], scratch: a.scratch)
        }
        // residualGradient is now ∂loss/∂embedded; the three embeddings add, so each gets all of it.
        PositionalEmbedding.backward(weightGradient: g + p.pos, outputGradient: a.residualGradient.pointer,
                                     batchSize: B, sequenceLength: T, channels: C)
        GenreConditioning.backward(weightGradient: g + p.genre, outputGradient: a.residualGradient.pointer, genres: genres,
                                   batchSize: B, sequenceLength: T, channels: C)
        TokenEmbedding.backward(weightGradient: g + p.tok, outputGradient: a.residualGradient.pointer, tokens: tokens,
                                batchSize: B, sequenceLength: T, channels: C)
    }

    private func blockInput(_ l: Int, _ a: Activations) -> UnsafePointer<Float> {
        UnsafePointer(l == 0 ? a.embedded.pointer : a.blockOutputs[l - 1].pointer)
    }
}
