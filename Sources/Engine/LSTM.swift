// input (B, T, I), weightInputHidden (4H, I), weightHiddenHidden (4H, H),
// biasInputHidden (4H), biasHiddenHidden (4H),
// output h (B, T, H), cells c (B, T, H), gates (B, T, 4H)
//
// One layer of PyTorch's `nn.LSTM(I, H, batch_first=True)`, same gate order (i, f, g, o) and
// parameter names/shapes (`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`):
//   [i f g o] = [σ σ tanh σ](W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
// A stack is layers called in turn, layer k's output the input of layer k + 1.
// Forward caches the activated gates and the cells; backward is backpropagation through time.
// Per time step the matrix products are cdz_sgemm and the elementwise cell (σ, tanh, the
// state update and its backward) is one cdz_lstm_cell_* call covering all B sequences.

import CKernels

/// One LSTM layer over a whole sequence.
public enum LSTM {
    /// Runs the layer from the state (initialHidden, initialCell), each (B, H); nil means zeros
    /// (training windows). Generation carries state by passing the previous call's last time
    /// step (output[:, T-1], cells[:, T-1]) as the next initial state.
    public static func forward(
        output: UnsafeMutablePointer<Float>, cells: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>,
        weightInputHidden: UnsafePointer<Float>, weightHiddenHidden: UnsafePointer<Float>,
        biasInputHidden: UnsafePointer<Float>, biasHiddenHidden: UnsafePointer<Float>,
        initialHidden: UnsafePointer<Float>? = nil, initialCell: UnsafePointer<Float>? = nil,
        batchSize B: Int, sequenceLength T: Int, inputSize I: Int, hiddenSize H: Int
    ) {
        let G = 4 * H
        // The input half of every pre-activation at once: one (B·T, 4H) product.
        for n in 0..<(B * T) {
            let row = gates + n * G
            for o in 0..<G { row[o] = biasInputHidden[o] + biasHiddenHidden[o] }
        }
        MatrixMultiply.gemm(
            transA: false, transB: true, M: B * T, N: G, K: I, alpha: 1,
            a: input, lda: I, b: weightInputHidden, ldb: I, beta: 1, c: gates, ldc: G)
        // W_hhᵀ packed once for the T − 1 small products below.
        let recurrent = T > 1 ? PackedMatrix(transB: true, K: H, N: G, b: weightHiddenHidden, ldb: H) : nil
        for t in 0..<T {
            // The recurrent half: (B, H) · W_hhᵀ into row t of every sequence (stride T · 4H).
            if t > 0, let recurrent {
                recurrent.multiply(transA: false, M: B, alpha: 1, a: output + (t - 1) * H, lda: T * H,
                                   beta: 1, c: gates + t * G, ldc: T * G)
            } else if let initialHidden {
                MatrixMultiply.gemm(
                    transA: false, transB: true, M: B, N: G, K: H, alpha: 1,
                    a: initialHidden, lda: H, b: weightHiddenHidden, ldb: H,
                    beta: 1, c: gates, ldc: T * G)
            }
            // The gate nonlinearities and the new state of all B sequences (`cdz_lstm_cell_forward`,
            // vectorized σ and tanh); row b of step t is at b·T + t, hence the strides.
            let previousCell: UnsafePointer<Float>? = t > 0 ? UnsafePointer(cells + (t - 1) * H) : initialCell
            cdz_lstm_cell_forward(
                B, H, gates + t * G, T * G, previousCell, t > 0 ? T * H : H,
                cells + t * H, T * H, output + t * H, T * H, MatrixMultiply.threads)
        }
    }

    /// Backpropagation through time. Accumulates into the four parameter gradients and into
    /// inputGradient (skipped when nil); the initial state gets no gradient (training windows
    /// start from zeros). Pass the same initial state as forward. `gateScratch`, when given,
    /// holds the (B, T, 4H) gate gradients (a model passes one buffer for every layer and step;
    /// it need not be zeroed: every element is written before it is read); without it, and for
    /// the two (B, H) carries and the 4H bias sum, the call allocates: a few allocations per
    /// step, none per element or time step.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>?,
        weightInputHiddenGradient: UnsafeMutablePointer<Float>, weightHiddenHiddenGradient: UnsafeMutablePointer<Float>,
        biasInputHiddenGradient: UnsafeMutablePointer<Float>, biasHiddenHiddenGradient: UnsafeMutablePointer<Float>,
        outputGradient: UnsafePointer<Float>,
        output: UnsafePointer<Float>, cells: UnsafePointer<Float>, gates: UnsafePointer<Float>, input: UnsafePointer<Float>,
        weightInputHidden: UnsafePointer<Float>, weightHiddenHidden: UnsafePointer<Float>,
        initialHidden: UnsafePointer<Float>? = nil, initialCell: UnsafePointer<Float>? = nil,
        gateScratch: UnsafeMutablePointer<Float>? = nil,
        batchSize B: Int, sequenceLength T: Int, inputSize I: Int, hiddenSize H: Int
    ) {
        let G = 4 * H
        // Pre-activation gradients of every step, kept for the weight products after the loop,
        // and the gradients carried from step t to step t - 1.
        let ownScratch = gateScratch == nil ? FloatBuffer(count: B * T * G) : nil
        let hiddenCarry = FloatBuffer(count: B * H), cellCarry = FloatBuffer(count: B * H)
        let dgates = gateScratch ?? ownScratch!.pointer, dhNext = hiddenCarry.pointer, dcNext = cellCarry.pointer
        // dh_t = the output's gradient at t + the carry dgates_{t+1} · W_hh, formed in place:
        // the output's rows are copied in and the product added to them (beta 1).
        func loadOutputGradient(step t: Int) {
            for b in 0..<B { (dhNext + b * H).update(from: outputGradient + (b * T + t) * H, count: H) }
        }
        loadOutputGradient(step: T - 1)
        // W_hh packed once for the T − 1 small products dh_{t-1} += dgates_t · W_hh.
        let recurrent = T > 1 ? PackedMatrix(transB: false, K: G, N: H, b: weightHiddenHidden, ldb: H) : nil
        for t in stride(from: T - 1, through: 0, by: -1) {
            // Pre-activation gradients of step t and dc_{t-1} = dc_t ⊙ f (`cdz_lstm_cell_backward`).
            let previousCell: UnsafePointer<Float>? = t > 0 ? cells + (t - 1) * H : initialCell
            cdz_lstm_cell_backward(
                B, H, gates + t * G, T * G, cells + t * H, T * H, previousCell, t > 0 ? T * H : H,
                dhNext, dcNext, dgates + t * G, T * G, MatrixMultiply.threads)
            if t > 0, let recurrent {
                loadOutputGradient(step: t - 1)
                recurrent.multiply(transA: false, M: B, alpha: 1, a: dgates + t * G, lda: T * G,
                                   beta: 1, c: dhNext, ldc: H)
            }
        }
        // dW_hh += Σ_t dgates_tᵀ · h_{t-1}, one product per sequence (its rows are contiguous).
        for b in 0..<B where T > 1 {
            MatrixMultiply.gemm(
                transA: true, transB: false, M: G, N: H, K: T - 1, alpha: 1,
                a: dgates + (b * T + 1) * G, lda: G, b: output + b * T * H, ldb: H,
                beta: 1, c: weightHiddenHiddenGradient, ldc: H)
        }
        if let initialHidden {
            MatrixMultiply.gemm(
                transA: true, transB: false, M: G, N: H, K: B, alpha: 1,
                a: dgates, lda: T * G, b: initialHidden, ldb: H, beta: 1, c: weightHiddenHiddenGradient, ldc: H)
        }
        MatrixMultiply.gemm(
            transA: true, transB: false, M: G, N: I, K: B * T, alpha: 1,
            a: dgates, lda: G, b: input, ldb: I, beta: 1, c: weightInputHiddenGradient, ldc: I)
        // Both biases get Σ_n dgates_n: summed once (threaded, `cdz_sum_rows`), added twice.
        let biasGradient = FloatBuffer(count: G)
        cdz_sum_rows(B * T, G, dgates, biasGradient.pointer, MatrixMultiply.threads)
        cdz_add(G, biasInputHiddenGradient, biasGradient.pointer, biasInputHiddenGradient, 1)
        cdz_add(G, biasHiddenHiddenGradient, biasGradient.pointer, biasHiddenHiddenGradient, 1)
        if let inputGradient {
            MatrixMultiply.gemm(
                transA: false, transB: false, M: B * T, N: I, K: G, alpha: 1,
                a: dgates, lda: G, b: weightInputHidden, ldb: I, beta: 1, c: inputGradient, ldc: I)
        }
    }
}
