// logits (B, T, V), targets (B, T), logitGradients (B, T, V)
//
// `F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=pad)`: the mean over the
// targets that are not `ignoredTarget` of −log softmax(logits)[target]. Rows whose target is
// ignored contribute nothing and get zero gradient. When every target is ignored the loss is 0
// and all gradients are 0 (PyTorch returns NaN there).

/// Softmax cross-entropy over the vocabulary, with its backward fused into one pass per row.
public enum CrossEntropy {
    /// The mean loss over counted targets, and how many were counted.
    public static func forward(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        batchSize B: Int, sequenceLength T: Int, vocabularySize V: Int, ignoredTarget: Int32? = nil
    ) -> (loss: Float, count: Int) {
        var total: Double = 0, counted = 0
        for n in 0..<(B * T) where targets[n] != ignoredTarget {
            let target = checked(targets[n], V)
            let row = logits + n * V
            total += Double(logSumExp(row, V) - row[target])
            counted += 1
        }
        return (counted == 0 ? 0 : Float(total / Double(counted)), counted)
    }

    /// Writes (not accumulates: this is where backward starts) the gradient of the mean loss,
    /// (softmax(logits) − onehot(target)) / count per counted row, 0 for ignored rows, and
    /// returns the loss, so that a training step needs one pass over the logits.
    @discardableResult
    public static func forwardBackward(
        logitGradients: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
        batchSize B: Int, sequenceLength T: Int, vocabularySize V: Int, ignoredTarget: Int32? = nil
    ) -> (loss: Float, count: Int) {
        var counted = 0
        for n in 0..<(B * T) where targets[n] != ignoredTarget { counted += 1 }
        let inverseCount = counted == 0 ? 0 : 1 / Float(counted)
        var total: Double = 0
        for n in 0..<(B * T) {
            let row = logits + n * V, drow = logitGradients + n * V
            guard targets[n] != ignoredTarget else {
                drow.update(repeating: 0, count: V)
                continue
            }
            let target = checked(targets[n], V)
            let lse = logSumExp(row, V)
            total += Double(lse - row[target])
            for v in 0..<V { drow[v] = Math.exp(row[v] - lse) * inverseCount }
            drow[target] -= inverseCount
        }
        return (counted == 0 ? 0 : Float(total / Double(counted)), counted)
    }

    private static func logSumExp(_ row: UnsafePointer<Float>, _ V: Int) -> Float {
        var maximum = -Float.infinity
        for v in 0..<V { maximum = max(maximum, row[v]) }
        var sum: Float = 0
        for v in 0..<V { sum += Math.exp(row[v] - maximum) }
        return maximum + Math.log(sum)
    }

    private static func checked(_ target: Int32, _ V: Int) -> Int {
        precondition(target >= 0 && Int(target) < V, "target \(target) outside the vocabulary 0..<\(V)")
        return Int(target)
    }
}
