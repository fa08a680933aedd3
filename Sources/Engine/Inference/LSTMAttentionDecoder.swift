import CKernels

// token, genre → logits (V), one position at a time: the LSTM's (h, c) per layer carried from
// step to step, and the attention's keys and values cached (context, H).
//
// The same arithmetic as `LSTMAttentionModel.forward` for one sequence: gates = W_ih·x + b_ih
// + W_hh·h + b_hh (i, f, g, o), c = f·c + i·g, h = o·tanh c; then hidden + o(attention).

/// Incremental inference for an `LSTMAttentionModel`, in fp32 or with int8 matrices.
public final class LSTMAttentionDecoder: IncrementalDecoder {
    public let configuration: LSTMAttentionConfiguration
    public var vocabularySize: Int { configuration.vocabularySize }
    /// The attention's cache length; the recurrence itself has no limit, but the model was
    /// trained on windows this long.
    public let contextLength: Int
    public private(set) var position = 0

    private let model: LSTMAttentionModel
    private struct RecurrentMatrices {
        let inputHidden, hiddenHidden: InferenceMatrix
    }
    private let recurrent: [RecurrentMatrices]
    private let query, key, value, output, head: InferenceMatrix
    private let hiddenStates: [FloatBuffer], cellStates: [FloatBuffer]  // (H) per layer
    private let keys, values: FloatBuffer                             // (context, H)
    private let x, gates, recurrentGates, q, attended, projected, scores, logits: FloatBuffer
    private let previousCell: FloatBuffer                              // (H): the cell kernel reads the old state apart from the new

    /// `quantized`: as for `TransformerDecoder`, a shared source of int8 matrices.
    public init(model: LSTMAttentionModel, int8: Bool = false, contextLength: Int = 512, quantized: QuantizedMatrix.Provider? = nil) {
        let c = model.configuration, w = UnsafePointer(model.parameters.pointer)
        (self.model, configuration, self.contextLength) = (model, c, contextLength)
        func matrix(_ offset: Int, rows: Int, columns: Int) -> InferenceMatrix {
            int8 ? .int8(quantized?(w + offset, rows, columns) ?? QuantizedMatrix(quantizing: w + offset, rows: rows, columns: columns))
                : .float(w + offset, rows: rows, columns: columns)
        }
        let (E, H, V) = (c.embeddingSize, c.hiddenSize, c.vocabularySize)
        recurrent = model.layout.recurrent.map { r in
            RecurrentMatrices(inputHidden: matrix(r.weightInputHidden, rows: 4 * H, columns: r.inputSize),
                              hiddenHidden: matrix(r.weightHiddenHidden, rows: 4 * H, columns: H))
        }
        let a = model.layout.attention
        query = matrix(a.query.weight, rows: H, columns: H)
        key = matrix(a.key.weight, rows: H, columns: H)
        value = matrix(a.value.weight, rows: H, columns: H)
        output = matrix(a.output.weight, rows: H, columns: H)
        head = matrix(model.layout.head.weight, rows: V, columns: H)
        hiddenStates = (0..<c.layers).map { _ in FloatBuffer(count: H) }
        cellStates = (0..<c.layers).map { _ in FloatBuffer(count: H) }
        (keys, values) = (FloatBuffer(count: contextLength * H), FloatBuffer(count: contextLength * H))
        (x, gates, recurrentGates) = (FloatBuffer(count: max(E, H)), FloatBuffer(count: 4 * H), FloatBuffer(count: 4 * H))
        previousCell = FloatBuffer(count: H)
        (q, attended, projected) = (FloatBuffer(count: H), FloatBuffer(count: H), FloatBuffer(count: H))
        (scores, logits) = (FloatBuffer(count: contextLength), FloatBuffer(count: V))
    }

    /// Offsets of the matrices `init` multiplies by (each layer's W_ih and W_hh, the
    /// attention's four, the head): with int8 their fp32 values are never read.
    public static func matrixOffsets(_ layout: LSTMAttentionModel.Layout) -> [Int] {
        let a = layout.attention
        return layout.recurrent.flatMap { [$0.weightInputHidden, $0.weightHiddenHidden] }
            + [a.query.weight, a.key.weight, a.value.weight, a.output.weight, layout.head.weight]
    }

    public func reset() {
        position = 0
        for buffer in hiddenStates + cellStates { buffer.zero() }
    }

    public func step(token: Int, genre: Int) -> UnsafeBufferPointer<Float> {
        let c = configuration, p = model.layout, w = UnsafePointer(model.parameters.pointer)
        let (E, H, t) = (c.embeddingSize, c.hiddenSize, position)
        precondition(t < contextLength, "decoder is full: reset and feed a shorter window")
        precondition(token >= 0 && token < c.vocabularySize && genre >= 0 && genre < c.genreCount, "token or genre out of range")
        for i in 0..<E { x.pointer[i] = w[p.tok + token * E + i] + w[p.genre + genre * E + i] }
        for (k, r) in p.recurrent.enumerated() {
            let m = recurrent[k], h = hiddenStates[k].pointer, cell = cellStates[k].pointer
            m.inputHidden.multiply(x.pointer, into: gates.pointer, bias: w + r.biasInputHidden)
            m.hiddenHidden.multiply(h, into: recurrentGates.pointer, bias: w + r.biasHiddenHidden)
            // The training cell kernel on one sequence; it wants the old state in rows of its own.
            cdz_add(4 * H, gates.pointer, recurrentGates.pointer, gates.pointer, 1)
            previousCell.pointer.update(from: cell, count: H)
            cdz_lstm_cell_forward(1, H, gates.pointer, 4 * H, previousCell.pointer, H, cell, H, h, H, 1)
            x.pointer.update(from: h, count: H)  // the next layer's input
        }
        let hidden = hiddenStates[c.layers - 1].pointer
        query.multiply(hidden, into: q.pointer, bias: w + p.attention.query.bias)
        key.multiply(hidden, into: keys.pointer + t * H, bias: w + p.attention.key.bias)
        value.multiply(hidden, into: values.pointer + t * H, bias: w + p.attention.value.bias)
        cdz_attention_decode(t + 1, 1, H, q.pointer, keys.pointer, values.pointer, H, attended.pointer, scores.pointer, MatrixMultiply.threads)
        output.multiply(attended.pointer, into: projected.pointer, bias: w + p.attention.output.bias)
        for i in 0..<H { projected.pointer[i] += hidden[i] }
        head.multiply(projected.pointer, into: logits.pointer, bias: w + p.head.bias)
        position += 1
        return UnsafeBufferPointer(logits.buffer)
    }
}
