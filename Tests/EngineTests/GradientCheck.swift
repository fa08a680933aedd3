import Engine

/// Random floats, uniform in [−scale, scale), from a fixed seed.
func randomFloats(_ count: Int, scale: Float = 1, seed: UInt64) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in scale * (2 * generator.nextUniform() - 1) }
}

/// The worst disagreement between analytic and finite-difference gradients for one tensor.
struct GradientError: CustomStringConvertible {
    let name: String
    /// max |analytic − numeric| over the checked elements.
    let maximumError: Double
    /// max |numeric| over the checked elements: the scale the error is judged against.
    let maximumMagnitude: Double
    let checked: Int

    /// Error relative to the tensor's largest gradient, with a floor of 1e-3 so that a tensor
    /// whose true gradient is ~0 must have an analytic gradient ~0 too.
    var relativeError: Double { maximumError / max(maximumMagnitude, 1e-3) }
    var description: String { "\(name): relative error \(relativeError) (max error \(maximumError), scale \(maximumMagnitude), \(checked) checked)" }
}

/// Checks a layer's backward against central finite differences.
///
/// The scalar loss is a fixed random projection of the output, L = Σ r_i · out_i, computed in
/// `Double` from the layer's `Float` outputs, so backward is called with outputGradient = r.
/// Every gradient buffer is pre-filled with random values that are subtracted afterwards, so a
/// backward that overwrites instead of accumulating fails the check. Elements are perturbed by
/// ±`step` (at most `maximumChecks` of them per tensor, spread evenly).
///
/// - forward: reads the input pointers, writes the output (and any cache it captured).
/// - backward: reads inputs and the output gradient, accumulates into the gradient pointers;
///   called right after a forward on the unperturbed inputs.
func gradientErrors(
    inputs: [(name: String, values: [Float])], outputCount: Int, step: Float = 1e-2, maximumChecks: Int = 150,
    forward: ([UnsafeMutablePointer<Float>], UnsafeMutablePointer<Float>) -> Void,
    backward: ([UnsafeMutablePointer<Float>], UnsafePointer<Float>, [UnsafeMutablePointer<Float>]) -> Void
) -> [GradientError] {
    let buffers = inputs.map { input -> FloatBuffer in
        let buffer = FloatBuffer(count: input.values.count)
        for (i, v) in input.values.enumerated() { buffer.pointer[i] = v }
        return buffer
    }
    let pointers = buffers.map(\.pointer)
    let output = FloatBuffer(count: outputCount)
    let projection = randomFloats(outputCount, seed: 9001)
    func loss() -> Double {
        forward(pointers, output.pointer)
        var sum: Double = 0
        for i in 0..<outputCount { sum += Double(projection[i]) * Double(output.pointer[i]) }
        return sum
    }

    // Analytic gradients, accumulated on top of random prefills.
    let prefills = inputs.enumerated().map { randomFloats($1.values.count, seed: 77 + UInt64($0)) }
    let gradients = prefills.map { prefill -> FloatBuffer in
        let buffer = FloatBuffer(count: prefill.count)
        for (i, v) in prefill.enumerated() { buffer.pointer[i] = v }
        return buffer
    }
    _ = loss()
    projection.withUnsafeBufferPointer { r in backward(pointers, r.baseAddress!, gradients.map(\.pointer)) }

    var errors: [GradientError] = []
    for (k, input) in inputs.enumerated() {
        let n = input.values.count
        let stride = max(1, n / maximumChecks)
        var maximumError: Double = 0, maximumMagnitude: Double = 0, checked = 0
        for i in Swift.stride(from: 0, to: n, by: stride) {
            let x = buffers[k].pointer[i]
            let plus = x + step, minus = x - step
            buffers[k].pointer[i] = plus
            let lossPlus = loss()
            buffers[k].pointer[i] = minus
            let lossMinus = loss()
            buffers[k].pointer[i] = x
            let numeric = (lossPlus - lossMinus) / (Double(plus) - Double(minus))
            let analytic = Double(gradients[k].pointer[i]) - Double(prefills[k][i])
            maximumError = max(maximumError, abs(analytic - numeric))
            maximumMagnitude = max(maximumMagnitude, abs(numeric))
            checked += 1
        }
        errors.append(GradientError(name: input.name, maximumError: maximumError, maximumMagnitude: maximumMagnitude, checked: checked))
    }
    return errors
}
