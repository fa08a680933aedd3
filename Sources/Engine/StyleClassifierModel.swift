// tokens (B, T) → logits (B, K); labels (B) → mean cross-entropy
//
// The discriminator of ARCHITECTURE.md: a non-causal encoder over token windows, pooled, with a
// class head. Token + learned position embeddings, L pre-LN `EncoderBlock`s, mean pooling over
// each window's real positions, a LayerNorm on the pooled vector (ViT's `fc_norm` after global
// average pooling), a linear head to K classes, softmax cross-entropy. Parameter names follow
// the transformer's state_dict style: tok, pos, blocks.{l}.…, lnf, head.
//
// Padding: a window shorter than T is filled up with `paddingToken` at its end. Its length is
// the position of its first padding token; nothing at or after it reaches the logits (see
// `EncoderBlock` and `MeanPooling`).

/// Sizes of a style classifier.
public struct StyleClassifierConfiguration: Sendable, Equatable, Codable {
    /// Token ids, 0..<vocabularySize.
    public var vocabularySize: Int
    /// Output classes K (≥ 2).
    public var classCount: Int
    /// Longest window in tokens, the rows of the positional embedding.
    public var contextLength: Int
    /// Encoder blocks L (≥ 1).
    public var layers: Int
    /// Model width d; must be divisible by `heads`.
    public var channels: Int
    public var heads: Int
    /// Width of the MLP's hidden layer.
    public var feedForwardChannels: Int
    /// The id that pads a short window at its end (Cadenza's PAD is 0).
    public var paddingToken: Int

    /// The defaults are the shipped classifier's: 2 blocks, d 128, 4 heads, FFN 512, windows of
    /// 256 tokens; 496,007 parameters for 7 classes.
    public init(vocabularySize: Int = 512, classCount: Int, contextLength: Int = 256, layers: Int = 2,
                channels: Int = 128, heads: Int = 4, feedForwardChannels: Int = 512, paddingToken: Int = 0) {
        precondition(classCount >= 2 && layers >= 1 && contextLength >= 1 && channels >= 1 && feedForwardChannels >= 1,
                     "invalid classifier sizes")
        precondition(heads >= 1 && channels % heads == 0, "channels \(channels) not divisible by heads \(heads)")
        self.vocabularySize = vocabularySize
        self.classCount = classCount
        self.contextLength = contextLength
        self.layers = layers
        self.channels = channels
        self.heads = heads
        self.feedForwardChannels = feedForwardChannels
        self.paddingToken = paddingToken
    }
}

/// Encoder classifier with explicit forward and backward.
public final class StyleClassifierModel {
    /// Where each tensor lives; building it allocates nothing large.
    public struct Layout: Sendable {
        public let table: ParameterTable
        let tok, pos: Int
        let blocks: [EncoderBlock.Parameters]
        let lnf, head: (weight: Int, bias: Int)

        public init(_ c: StyleClassifierConfiguration) {
            var table = ParameterTable()
            tok = table.addEmbedding("tok", rows: c.vocabularySize, channels: c.channels)
            pos = table.addEmbedding("pos", rows: c.contextLength, channels: c.channels)
            blocks = (0..<c.layers).map {
                EncoderBlock.Parameters(registeringIn: &table, prefix: "blocks.\($0)", channels: c.channels,
                                        feedForwardChannels: c.feedForwardChannels)
            }
            lnf = table.addLayerNorm("lnf", channels: c.channels)
            head = table.addLinear("head", inputs: c.channels, outputs: c.classCount)
            self.table = table
        }
    }

    /// Everything forward keeps for backward, plus backward's buffers, for one (B, T).
    final class Activations {
        let shape: EncoderBlock.Shape
        let embedded: FloatBuffer                              // block 0's input, (B, T, C)
        let blockOutputs: [FloatBuffer]                        // (B, T, C) each
        let blocks: [EncoderBlock.Activations]
        let scratch: EncoderBlock.Scratch
        let pooled, normalized: FloatBuffer                    // (B, C)
        let normalizedMean, normalizedReciprocalStd: FloatBuffer // (B)
        let logits, logitGradients: FloatBuffer                // (B, K)
        let pooledGradient, normalizedGradient: FloatBuffer    // (B, C)
        let residualGradient: FloatBuffer                      // (B, T, C)

        init(_ shape: EncoderBlock.Shape, layers: Int, classCount K: Int) {
            self.shape = shape
            let (B, C) = (shape.batchSize, shape.channels), N = B * shape.sequenceLength
            embedded = FloatBuffer(count: N * C)
            blockOutputs = (0..<layers).map { _ in FloatBuffer(count: N * C) }
            blocks = (0..<layers).map { _ in EncoderBlock.Activations(shape) }
            scratch = EncoderBlock.Scratch(shape)
            (pooled, normalized) = (FloatBuffer(count: B * C), FloatBuffer(count: B * C))
            (normalizedMean, normalizedReciprocalStd) = (FloatBuffer(count: B), FloatBuffer(count: B))
            (logits, logitGradients) = (FloatBuffer(count: B * K), FloatBuffer(count: B * K))
            (pooledGradient, normalizedGradient) = (FloatBuffer(count: B * C), FloatBuffer(count: B * C))
            residualGradient = FloatBuffer(count: N * C)
        }
    }

    public let configuration: StyleClassifierConfiguration
    public let layout: Layout
    /// All parameters, `parameterTable.count` floats.
    public let parameters: FloatBuffer
    /// ∂loss/∂parameters in the same layout, accumulated by `backward`.
    public let gradients: FloatBuffer
    public var parameterTable: ParameterTable { layout.table }
    /// Number of scalar parameters.
    public var parameterCount: Int { layout.table.count }

    private var activations: Activations?
    private var tokens: [Int32] = [], labels: [Int32]?, rowLengths: [Int] = []

    /// A model with PyTorch-default initial weights drawn from `seed`; with a nil seed the
    /// weights stay zero, for a checkpoint that is about to overwrite them all (loading skips
    /// drawing millions of random numbers).
    public init(configuration: StyleClassifierConfiguration, seed: UInt64?) {
        self.configuration = configuration
        layout = Layout(configuration)
        parameters = FloatBuffer(count: layout.table.count)
        gradients = FloatBuffer(count: layout.table.count)
        if let seed {
            var generator = SeededGenerator(seed: seed)
            layout.table.initialize(parameters.pointer, generator: &generator)
        }
    }

    /// The last forward's logits, (B, K) row-major.
    public var logits: UnsafeBufferPointer<Float> {
        guard let activations else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(activations.logits.buffer)
    }

    /// The last forward's class probabilities, softmax of each logit row, (B, K) row-major.
    public func probabilities() -> [Float] {
        let K = configuration.classCount, z = logits
        var out = [Float](repeating: 0, count: z.count)
        for row in stride(from: 0, to: z.count, by: K) {
            var maximum = -Float.infinity
            for k in 0..<K { maximum = max(maximum, z[row + k]) }
            var sum: Float = 0
            for k in 0..<K { out[row + k] = Math.exp(z[row + k] - maximum); sum += out[row + k] }
            for k in 0..<K { out[row + k] /= sum }
        }
        return out
    }

    /// Each row's length: the position of its first padding token, T when it has none.
    public func validLengths(of tokens: [Int32], batchSize B: Int, sequenceLength T: Int) -> [Int] {
        let pad = Int32(configuration.paddingToken)
        return (0..<B).map { b in (0..<T).first { tokens[b * T + $0] == pad } ?? T }
    }

    /// Runs the model over `batchSize` windows of `sequenceLength` tokens ((B, T) ids, padded at
    /// their ends with `paddingToken`). With `labels` (B class ids in 0..<K) it returns the mean
    /// cross-entropy over the windows and prepares `backward`; without, it returns nil and only
    /// the logits are computed.
    @discardableResult
    public func forward(tokens: [Int32], labels: [Int32]?, batchSize B: Int, sequenceLength T: Int) -> Float? {
        let c = configuration
        precondition(T >= 1 && T <= c.contextLength, "window length \(T) outside 1...\(c.contextLength)")
        precondition(tokens.count == B * T && (labels?.count ?? B) == B, "input sizes do not match (B, T)")
        let shape = EncoderBlock.Shape(batchSize: B, sequenceLength: T, channels: c.channels, heads: c.heads,
                                       feedForwardChannels: c.feedForwardChannels)
        if activations?.shape != shape { activations = Activations(shape, layers: c.layers, classCount: c.classCount) }
        let a = activations!, w = UnsafePointer(parameters.pointer), p = layout
        let lengths = validLengths(of: tokens, batchSize: B, sequenceLength: T)
        (self.tokens, self.labels, self.rowLengths) = (tokens, labels, lengths)
        let (C, K) = (c.channels, c.classCount)

        TokenEmbedding.forward(output: a.embedded.pointer, tokens: tokens, weight: w + p.tok,
                               batchSize: B, sequenceLength: T, channels: C, vocabularySize: c.vocabularySize)
        PositionalEmbedding.forward(output: a.embedded.pointer, weight: w + p.pos, batchSize: B, sequenceLength: T, channels: C)
        for l in 0..<c.layers {
            EncoderBlock.forward(output: a.blockOutputs[l].pointer, input: blockInput(l, a), lengths: lengths, parameters: w,
                                 layout: p.blocks[l], shape: shape, activations: a.blocks[l], scratch: a.scratch)
        }
        MeanPooling.forward(output: a.pooled.pointer, input: a.blockOutputs[c.layers - 1].pointer, lengths: lengths,
                            batchSize: B, sequenceLength: T, channels: C)
        LayerNorm.forward(output: a.normalized.pointer, mean: a.normalizedMean.pointer,
                          reciprocalStandardDeviation: a.normalizedReciprocalStd.pointer,
                          input: a.pooled.pointer, weight: w + p.lnf.weight, bias: w + p.lnf.bias,
                          batchSize: B, sequenceLength: 1, channels: C)
        Linear.forward(output: a.logits.pointer, input: a.normalized.pointer, weight: w + p.head.weight, bias: w + p.head.bias,
                       batchSize: B, sequenceLength: 1, inputChannels: C, outputChannels: K)
        guard let labels else { return nil }
        // One "position" per window: the pooled logits against the window's class.
        return CrossEntropy.forwardBackward(logitGradients: a.logitGradients.pointer, logits: a.logits.pointer, targets: labels,
                                            batchSize: B, sequenceLength: 1, vocabularySize: K).loss
    }

    /// Accumulates ∂loss/∂parameters of the last forward (which must have had labels).
    public func backward() {
        guard let a = activations, labels != nil else { preconditionFailure("backward needs a forward with labels") }
        let c = configuration, shape = a.shape, w = UnsafePointer(parameters.pointer), g = gradients.pointer, p = layout
        let (B, T, C, K) = (shape.batchSize, shape.sequenceLength, c.channels, c.classCount)
        for buffer in [a.residualGradient, a.pooledGradient, a.normalizedGradient] { buffer.zero() }

        Linear.backward(inputGradient: a.normalizedGradient.pointer, weightGradient: g + p.head.weight, biasGradient: g + p.head.bias,
                        outputGradient: a.logitGradients.pointer, input: a.normalized.pointer, weight: w + p.head.weight,
                        batchSize: B, sequenceLength: 1, inputChannels: C, outputChannels: K)
        LayerNorm.backward(inputGradient: a.pooledGradient.pointer, weightGradient: g + p.lnf.weight, biasGradient: g + p.lnf.bias,
                           outputGradient: a.normalizedGradient.pointer, input: a.pooled.pointer, weight: w + p.lnf.weight,
                           mean: a.normalizedMean.pointer, reciprocalStandardDeviation: a.normalizedReciprocalStd.pointer,
                           batchSize: B, sequenceLength: 1, channels: C)
        MeanPooling.backward(inputGradient: a.residualGradient.pointer, outputGradient: a.pooledGradient.pointer, lengths: rowLengths,
                             batchSize: B, sequenceLength: T, channels: C)
        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            EncoderBlock.backward(residualGradient: a.residualGradient.pointer, gradients: g, input: blockInput(l, a), lengths: rowLengths,
                                  parameters: w, layout: p.blocks[l], shape: shape, activations: a.blocks[l], scratch: a.scratch)
        }
        // residualGradient is now ∂loss/∂embedded; the two embeddings add, so each gets all of it.
        PositionalEmbedding.backward(weightGradient: g + p.pos, outputGradient: a.residualGradient.pointer,
                                     batchSize: B, sequenceLength: T, channels: C)
        TokenEmbedding.backward(weightGradient: g + p.tok, outputGradient: a.residualGradient.pointer, tokens: tokens,
                                batchSize: B, sequenceLength: T, channels: C)
    }

    /// Sets every gradient to zero; call once per optimizer step.
    public func zeroGradients() {
        gradients.zero()
    }

    private func blockInput(_ l: Int, _ a: Activations) -> UnsafePointer<Float> {
        UnsafePointer(l == 0 ? a.embedded.pointer : a.blockOutputs[l - 1].pointer)
    }
}
