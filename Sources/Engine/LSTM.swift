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
        for t in 0..<T {
            // The recurrent half: (B, H) · W_hhᵀ into row t of every sequence (stride T · 4H).
            if t > 0 {
                MatrixMultiply.gemm(
                    transA: false, transB: true, M: B, N: G, K: H, alpha: 1,
                    a: output + (t - 1) * H, lda: T * H, b: weightHiddenHidden, ldb: H,
                    beta: 1, c: gates + t * G, ldc: T * G)
            } else if let initialHidden {
                MatrixMultiply.gemm(
                    transA: false, transB: true, M: B, N: G, K: H, alpha: 1,
                    a: initialHidden, lda: H, b: weightHiddenHidden, ldb: H,
                    beta: 1, c: gates, ldc: T * G)
            }
            for b in 0..<B {
                let n = b * T + t
                let gate = gates + n * G, c = cells + n * H, h = output + n * H
                let previousCell: UnsafePointer<Float>? = t > 0 ? UnsafePointer(cells + (n - 1) * H) : initialCell.map { $0 + b * H }
                for u in 0..<H {
                    let i = Math.sigmoid(gate[u])
                    let f = Math.sigmoid(gate[H + u])
                    let g = Math.tanh(gate[2 * H + u])
                    let o = Math.sigmoid(gate[3 * H + u])
                    gate[u] = i
                    gate[H + u] = f
                    gate[2 * H + u] = g
                    gate[3 * H + u] = o
                    c[u] = f * (previousCell?[u] ?? 0) + i * g
                    h[u] = o * Math.tanh(c[u])
                }
            }
        }
    }

    /// Backpropagation through time. Accumulates into the four parameter gradients and into
    /// inputGradient (skipped when nil); the initial state gets no gradient (training windows
    /// start from zeros). Pass the same initial state as forward. Allocates its (B, T, 4H)
    /// gate-gradient scratch per call: one allocation per step, none per element.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>?,
        weightInputHiddenGradient: UnsafeMutablePointer<Float>, weightHiddenHiddenGradient: UnsafeMutablePointer<Float>,
        biasInputHiddenGradient: UnsafeMutablePointer<Float>, biasHiddenHiddenGradient: UnsafeMutablePointer<Float>,
        outputGradient: UnsafePointer<Float>,
        output: UnsafePointer<Float>, cells: UnsafePointer<Float>, gates: UnsafePointer<Float>, input: UnsafePointer<Float>,
        weightInputHidden: UnsafePointer<Float>, weightHiddenHidden: UnsafePointer<Float>,
        initialHidden: UnsafePointer<Float>? = nil, initialCell: UnsafePointer<Float>? = nil,
        batchSize B: Int, sequenceLength T: Int, inputSize I: Int, hiddenSize H: Int
    ) {
        let G = 4 * H
        // Pre-activation gradients of every step, kept for the weight products after the loop,
        // and the gradients carried from step t to step t - 1.
        let gateGradients = FloatBuffer(count: B * T * G)
        let hiddenCarry = FloatBuffer(count: B * H), cellCarry = FloatBuffer(count: B * H)
        let dgates = gateGradients.pointer, dhNext = hiddenCarry.pointer, dcNext = cellCarry.pointer
        for t in stride(from: T - 1, through: 0, by: -1) {
            for b in 0..<B {
                let n = b * T + t
                let gate = gates + n * G, dgate = dgates + n * G
                let c = cells + n * H, dout = outputGradient + n * H
                let previousCell: UnsafePointer<Float>? = t > 0 ? cells + (n - 1) * H : initialCell.map { $0 + b * H }
                let dh = dhNext + b * H, dc = dcNext + b * H
                for u in 0..<H {
                    let i = gate[u], f = gate[H + u], g = gate[2 * H + u], o = gate[3 * H + u]
                    let tanhC = Math.tanh(c[u])
                    let dhTotal = dout[u] + dh[u]
                    let dcTotal = dc[u] + dhTotal * o * (1 - tanhC * tanhC)
                    let di = dcTotal * g, df = dcTotal * (previousCell?[u] ?? 0)
                    let dg = dcTotal * i, dO = dhTotal * tanhC
                    dc[u] = dcTotal * f
                    dgate[u] = di * i * (1 - i)
                    dgate[H + u] = df * f * (1 - f)
                    dgate[2 * H + u] = dg * (1 - g * g)
                    dgate[3 * H + u] = dO * o * (1 - o)
                }
            }
            // dh_{t-1} = dgates_t · W_hh, overwriting the carry consumed above.
            if t > 0 {
                MatrixMultiply.gemm(
                    transA: false, transB: false, M: B, N: H, K: G, alpha: 1,
                    a: dgates + t * G, lda: T * G, b: weightHiddenHidden, ldb: H, beta: 0, c: dhNext, ldc: H)
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
        for n in 0..<(B * T) {
            let dgate = dgates + n * G
            for o in 0..<G {
                biasInputHiddenGradient[o] += dgate[o]
                biasHiddenHiddenGradient[o] += dgate[o]
            }
        }
        if let inputGradient {
            MatrixMultiply.gemm(
                transA: false, transB: false, M: B * T, N: I, K: G, alpha: 1,
                a: dgates, lda: G, b: weightInputHidden, ldb: I, beta: 1, c: inputGradient, ldc: I)
        }
    }
}
