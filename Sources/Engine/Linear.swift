// input (B, T, C), weight (OC, C), bias (OC), output (B, T, OC)
//
// PyTorch `nn.Linear(C, OC)`: output = input · weightᵀ + bias, weight in PyTorch's (out, in)
// layout so that checkpoints exchange without transposes.

import CKernels

/// Fully connected layer; all products go through `MatrixMultiply.gemm`.
public enum Linear {
    /// Writes output = input · weightᵀ + bias (no bias when `bias` is nil).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        batchSize B: Int, sequenceLength T: Int, inputChannels C: Int, outputChannels OC: Int
    ) {
        let N = B * T
        if let bias {
            for n in 0..<N { (output + n * OC).update(from: bias, count: OC) }
        }
        MatrixMultiply.gemm(
            transA: false, transB: true, M: N, N: OC, K: C, alpha: 1,
            a: input, lda: C, b: weight, ldb: C, beta: bias == nil ? 0 : 1, c: output, ldc: OC)
    }

    /// Accumulates inputGradient += outputGradient · weight (skipped when nil),
    /// weightGradient += outputGradientᵀ · input, biasGradient += Σ_rows outputGradient.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>?, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        batchSize B: Int, sequenceLength T: Int, inputChannels C: Int, outputChannels OC: Int
    ) {
        let N = B * T
        if let inputGradient {
            MatrixMultiply.gemm(
                transA: false, transB: false, M: N, N: C, K: OC, alpha: 1,
                a: outputGradient, lda: OC, b: weight, ldb: C, beta: 1, c: inputGradient, ldc: C)
        }
        MatrixMultiply.gemm(
            transA: true, transB: false, M: OC, N: C, K: N, alpha: 1,
            a: outputGradient, lda: OC, b: input, ldb: C, beta: 1, c: weightGradient, ldc: C)
        if let biasGradient {
            cdz_sum_rows(N, OC, outputGradient, biasGradient, MatrixMultiply.threads)
        }
    }
}
