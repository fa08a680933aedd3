// a (N), b (N), output (N) = a + b: any shape, elementwise

import CKernels

/// Residual connection: the sum of two equally shaped tensors.
public enum Residual {
    /// Writes output = a + b. `output` may alias `a` or `b`.
    public static func forward(
        output: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int
    ) {
        cdz_add(count, a, b, output, MatrixMultiply.threads)
    }

    /// Accumulates aGradient += outputGradient and bGradient += outputGradient. Neither may
    /// alias `outputGradient`: the models get the same effect for free by letting the residual
    /// stream's gradient buffer flow through unchanged, and say so where they do.
    public static func backward(
        aGradient: UnsafeMutablePointer<Float>, bGradient: UnsafeMutablePointer<Float>,
        outputGradient: UnsafePointer<Float>, count: Int
    ) {
        for i in 0..<count {
            aGradient[i] += outputGradient[i]
            bGradient[i] += outputGradient[i]
        }
    }
}
