// input (N), output (N): any shape, elementwise
//
// The exact form, PyTorch's `F.gelu` default (approximate='none'): x · Φ(x), Φ the standard
// normal CDF = ½ (1 + erf(x / √2)).

/// Gaussian error linear unit.
public enum GELU {
    private static let inverseSquareRoot2: Float = 0.70710678118654752
    private static let inverseSquareRoot2Pi: Float = 0.39894228040143268

    /// Writes output = x · Φ(x).
    public static func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = input[i]
            output[i] = 0.5 * x * (1 + Math.erf(x * inverseSquareRoot2))
        }
    }

    /// Accumulates inputGradient += outputGradient · (Φ(x) + x · φ(x)), φ the normal density.
    public static func backward(
        inputGradient: UnsafeMutablePointer<Float>, outputGradient: UnsafePointer<Float>,
        input: UnsafePointer<Float>, count: Int
    ) {
        for i in 0..<count {
            let x = input[i]
            let cdf = 0.5 * (1 + Math.erf(x * inverseSquareRoot2))
            let pdf = inverseSquareRoot2Pi * Math.exp(-0.5 * x * x)
            inputGradient[i] += outputGradient[i] * (cdf + x * pdf)
        }
    }
}
