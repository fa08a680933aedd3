// logits (V) [+ unconditional logits (V)], allowed (V) → one token id
//
// Order of operations, as in Hugging Face's and llama.cpp's samplers: classifier-free
// guidance on the logits, the mask, temperature, softmax, then top-k, top-p (nucleus) and
// min-p filters on the probabilities, then one draw from the seeded generator.

/// How to turn a model's logits into one token.
public struct SamplingSettings: Sendable, Equatable, Codable {
    /// Divides the logits: below 1 sharper, above 1 flatter; 0 picks the most likely token.
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 keeps all.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all.
    public var topP: Float
    /// Drop tokens less likely than minP × the most likely one's probability; 0 keeps all.
    public var minP: Float
    /// Classifier-free guidance weight w: logits = u + w·(c − u) from the unconditional (u)
    /// and genre-conditioned (c) logits. 1 is plain conditional sampling; above 1 pushes
    /// towards the genre.
    public var guidance: Float

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0, guidance: Float = 1) {
        (self.temperature, self.topK, self.topP, self.minP, self.guidance) = (temperature, topK, topP, minP, guidance)
    }

    /// True when the unconditional logits are needed (guidance ≠ 1).
    public var usesGuidance: Bool { guidance != 1 }
}

/// Draws tokens; holds its scratch so a step allocates nothing. Deterministic: the same
/// logits, mask, settings and generator state give the same token on every machine.
public struct Sampler {
    private var candidates: [Int32] = []
    private var weights: [Float] = []

    public init() {}

    /// One token among those `allowed` marks, or nil when none is allowed. `unconditional`
    /// is required when `settings.usesGuidance`.
    public mutating func sample(
        logits: UnsafeBufferPointer<Float>, unconditional: UnsafeBufferPointer<Float>? = nil,
        allowed: [Bool], settings s: SamplingSettings, generator: inout SeededGenerator
    ) -> Int? {
        precondition(allowed.count >= logits.count, "mask shorter than the logits")
        precondition(!s.usesGuidance || unconditional?.count == logits.count, "guidance needs unconditional logits")
        candidates.removeAll(keepingCapacity: true)
        weights.removeAll(keepingCapacity: true)
        for id in 0..<logits.count where allowed[id] {
            var value = logits[id]
            if s.usesGuidance, let u = unconditional { value = u[id] + s.guidance * (value - u[id]) }
            guard value.isFinite else { continue }
            candidates.append(Int32(id))
            weights.append(value)
        }
        guard !candidates.isEmpty else { return nil }
        var best = 0
        for i in 1..<weights.count where weights[i] > weights[best] { best = i }
        if s.temperature <= 0 || candidates.count == 1 { return Int(candidates[best]) }

        // Softmax relative to the best logit: the best token has weight 1.
        let maximum = weights[best], inverseTemperature = 1 / s.temperature
        var total: Float = 0
        for i in weights.indices {
            weights[i] = Math.exp((weights[i] - maximum) * inverseTemperature)
            total += weights[i]
        }
        if s.minP > 0 {
            // The best token's weight is 1, so the threshold is minP itself.
            for i in weights.indices where weights[i] < s.minP { total -= weights[i]; weights[i] = 0 }
        }
        if s.topK > 0 || s.topP < 1 {
            // Most likely first; ties by id so the order never depends on the sort.
            let order = weights.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
            var kept: Float = 0, keep = 0
            for (rank, i) in order.enumerated() {
                if s.topK > 0 && rank >= s.topK { break }
                if weights[i] == 0 { break }
                kept += weights[i]
                keep += 1
                if s.topP < 1 && kept >= s.topP * total { break }
            }
            for i in order.dropFirst(keep) { weights[i] = 0 }
            total = kept
        }
        // One uniform draw over the kept mass, walked in id order.
        let target = generator.nextUniform() * total
        var running: Float = 0, last = best
        for i in weights.indices where weights[i] > 0 {
            running += weights[i]
            last = i
            if target < running { return Int(candidates[i]) }
        }
        return Int(candidates[last])
    }
}
