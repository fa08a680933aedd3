// logits (B, T, V), targets (B, T), logitGradients (B, T, V)
//
// `F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=pad)`: the mean over the
// targets that are not `ignoredTarget` of −log softmax(logits)[target]. Rows whose target is
// ignored contribute nothing and get zero gradient. When every target is ignored the loss is 0
// and all gradients are 0 (PyTorch returns NaN there). The rows run in CKernels'
// `cdz_cross_entropy` (vectorized exp, rows over both cores); the mean is summed here in
// `Double`, in row order.

import CKernels

/// Softmax cross-entropy over the vocabulary, with its backward fused into one pass per row.
public enum CrossEntropy {
    /// The mean loss over counted targets, and how many were counted.
    public static func forward(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        batchSize B: Int, sequenceLength T: Int, vocabularySize V: Int, ignoredTarget: Int32? = nil
    ) -> (loss: Float, count: Int) {
        run(logitGradients: nil, logits: logits, targets: targets, rows: B * T, vocabularySize: V, ignoredTarget: ignoredTarget)
    }

    /// Writes (not accumulates: this is where backward starts) the gradient of the mean loss,
    /// (softmax(logits) − onehot(target)) / count per counted row, 0 for ignored rows, and
    /// returns the loss, so that a training step needs one pass over the logits.
    @discardableResult
    public static func forwardBackward(
        logitGradients: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        batchSize B: Int, sequenceLength T: Int, vocabularySize V: Int, ignoredTarget: Int32? = nil
    ) -> (loss: Float, count: Int) {
        run(logitGradients: logitGradients, logits: logits, targets: targets, rows: B * T, vocabularySize: V, ignoredTarget: ignoredTarget)
    }

    private static func run(
        logitGradients: UnsafeMutablePointer<Float>?, logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        rows N: Int, vocabularySize V: Int, ignoredTarget: Int32?
    ) -> (loss: Float, count: Int) {
        var counted = 0
        for n in 0..<N where targets[n] != ignoredTarget {
            precondition(targets[n] >= 0 && Int(targets[n]) < V, "target \(targets[n]) outside the vocabulary 0..<\(V)")
            counted += 1
        }
        let scale = counted == 0 ? 0 : 1 / Float(counted)
        // Targets are checked non-negative above, so −1 marks "nothing ignored" safely.
        let losses = FloatBuffer(count: N)
        cdz_cross_entropy(N, V, logits, targets, ignoredTarget ?? -1, scale, losses.pointer, logitGradients, MatrixMultiply.threads)
        var total: Double = 0
        for n in 0..<N { total += Double(losses.pointer[n]) }
        return (counted == 0 ? 0 : Float(total / Double(counted)), counted)
    }
}
