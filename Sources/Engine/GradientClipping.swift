/// Global-norm gradient clipping, as PyTorch's `clip_grad_norm_` over all parameters: when
/// ‖g‖₂ exceeds `maximumNorm`, every gradient is scaled by maximumNorm / (‖g‖₂ + 1e-6).
public enum GradientClipping {
    /// ‖g‖₂ over `count` floats, accumulated in double precision so that millions of small
    /// squares do not lose their low bits. NaN or infinity when any element is.
    public static func globalNorm(_ gradients: UnsafePointer<Float>, count: Int) -> Float {
        var sum: Double = 0
        for i in 0..<count { let x = Double(gradients[i]); sum += x * x }
        return Float(sum.squareRoot())
    }

    /// Scales `gradients` in place so that their global norm is at most `maximumNorm` (> 0)
    /// and returns the norm before clipping. A non-finite norm leaves the gradients untouched:
    /// the caller decides what a diverged step means.
    @discardableResult
    public static func clip(_ gradients: UnsafeMutablePointer<Float>, count: Int, maximumNorm: Float) -> Float {
        precondition(maximumNorm > 0, "maximum gradient norm must be positive")
        let norm = globalNorm(gradients, count: count)
        guard norm.isFinite else { return norm }
        let scale = maximumNorm / (norm + 1e-6)
        if scale < 1 {
            for i in 0..<count { gradients[i] *= scale }
        }
        return norm
    }
}
