import CKernels

// token, genre → logits (V), one position at a time, with a head-major KV cache per layer.
//
// The same arithmetic as `TransformerModel.forward` for one sequence, reorganized per token:
// each Linear is a matrix-vector product and attention is one query against the cached keys
// and values of every earlier position.

/// Incremental inference for a `TransformerModel`, in fp32 or with int8 matrices.
public final class TransformerDecoder: IncrementalDecoder {
    public let configuration: TransformerConfiguration
    public var vocabularySize: Int { configuration.vocabularySize }
    public var contextLength: Int { configuration.contextLength }
    public private(set) var position = 0

    private let model: TransformerModel  // keeps the fp32 parameters alive (embeddings, norms, biases)
    private struct BlockMatrices {
        let qkv, proj, fc1, fc2: InferenceMatrix
    }
    private let blocks: [BlockMatrices]
    private let head: InferenceMatrix
    private let cache: KeyValueCache  // fp32, or fp16 beside int8 matrices
    private let x, normalized, attended, projected, qkv, hidden, activated, scores, logits, statistics: FloatBuffer

    /// A decoder over `model`'s current weights. With `int8`, every matrix (the head included)
    /// is quantized per row once here and the KV cache is fp16; embeddings, LayerNorms and
    /// biases stay fp32.
    /// `quantized`, when given, supplies the int8 form of a weight matrix (rows × columns at a
    /// pointer into the parameters) so that decoders of one model can share one quantized copy.
    public init(model: TransformerModel, int8: Bool = false, quantized: QuantizedMatrix.Provider? = nil) {
        let c = model.configuration, w = UnsafePointer(model.parameters.pointer)
        (self.model, configuration) = (model, c)
        func matrix(_ offset: Int, rows: Int, columns: Int) -> InferenceMatrix {
            int8 ? .int8(quantized?(w + offset, rows, columns) ?? QuantizedMatrix(quantizing: w + offset, rows: rows, columns: columns))
                : .float(w + offset, rows: rows, columns: columns)
        }
        let (C, F) = (c.channels, c.feedForwardChannels)
        blocks = model.layout.blocks.map { p in
            BlockMatrices(qkv: matrix(p.qkv.weight, rows: 3 * C, columns: C), proj: matrix(p.proj.weight, rows: C, columns: C),
                          fc1: matrix(p.fc1.weight, rows: F, columns: C), fc2: matrix(p.fc2.weight, rows: C, columns: F))
        }
        head = matrix(model.layout.head.weight, rows: c.vocabularySize, columns: C)
        cache = KeyValueCache(precision: int8 ? .float16 : .float32, layers: c.layers, heads: c.heads, headSize: C / c.heads,
                              context: c.contextLength)
        (x, normalized, attended, projected) = (FloatBuffer(count: C), FloatBuffer(count: C), FloatBuffer(count: C), FloatBuffer(count: C))
        (qkv, hidden, activated) = (FloatBuffer(count: 3 * C), FloatBuffer(count: F), FloatBuffer(count: F))
        (scores, logits, statistics) = (FloatBuffer(count: c.contextLength), FloatBuffer(count: c.vocabularySize), FloatBuffer(count: 2))
    }

    /// Offsets of the matrices `init` multiplies by (QKV, projection, MLP per block, head):
    /// with int8 they come from the quantized provider and their fp32 values are never read.
    public static func matrixOffsets(_ layout: TransformerModel.Layout) -> [Int] {
        layout.blocks.flatMap { [$0.qkv.weight, $0.proj.weight, $0.fc1.weight, $0.fc2.weight] } + [layout.head.weight]
    }

    public func reset() { position = 0 }

    public func step(token: Int, genre: Int) -> UnsafeBufferPointer<Float> {
        let c = configuration, p = model.layout, w = UnsafePointer(model.parameters.pointer)
        let (C, F, t) = (c.channels, c.feedForwardChannels, position)
        precondition(t < c.contextLength, "decoder is full: reset and feed a shorter window")
        precondition(token >= 0 && token < c.vocabularySize && genre >= 0 && genre < c.genreCount, "token or genre out of range")
        let h = x.pointer
        for i in 0..<C { h[i] = w[p.tok + token * C + i] + w[p.genre + genre * C + i] + w[p.pos + t * C + i] }
        for (l, block) in p.blocks.enumerated() {
            let m = blocks[l]
            layerNorm(h, block.ln1, w)
            m.qkv.multiply(normalized.pointer, into: qkv.pointer, bias: w + block.qkv.bias)
            cache.store(layer: l, position: t, key: qkv.pointer + C, value: qkv.pointer + 2 * C)
            cache.attend(layer: l, length: t + 1, query: qkv.pointer, output: attended.pointer, scores: scores.pointer,
                         threads: MatrixMultiply.threads)
            m.proj.multiply(attended.pointer, into: projected.pointer, bias: w + block.proj.bias)
            for i in 0..<C { h[i] += projected.pointer[i] }
            layerNorm(h, block.ln2, w)
            m.fc1.multiply(normalized.pointer, into: hidden.pointer, bias: w + block.fc1.bias)
            GELU.forward(output: activated.pointer, input: hidden.pointer, count: F)
            m.fc2.multiply(activated.pointer, into: projected.pointer, bias: w + block.fc2.bias)
            for i in 0..<C { h[i] += projected.pointer[i] }
        }
        layerNorm(h, p.lnf, w)
        head.multiply(normalized.pointer, into: logits.pointer, bias: w + p.head.bias)
        position += 1
        return UnsafeBufferPointer(logits.buffer)
    }

    private func layerNorm(_ input: UnsafePointer<Float>, _ norm: (weight: Int, bias: Int), _ w: UnsafePointer<Float>) {
        LayerNorm.forward(output: normalized.pointer, mean: statistics.pointer, reciprocalStandardDeviation: statistics.pointer + 1,
                          input: input, weight: w + norm.weight, bias: w + norm.bias,
                          batchSize: 1, sequenceLength: 1, channels: configuration.channels)
    }
}
