import Engine
import Foundation

/// Perplexity measured through the incremental decoder, token by token: exactly the arithmetic
/// generation runs (fp32 or int8), so the int8 model's quality loss is measured where it is
/// used. Also reports the decoder's speed.
public struct DecoderPerplexity: Sendable {
    /// Mean negative log-likelihood in nats per counted token.
    public var meanNegativeLogLikelihood: Double
    public var perplexity: Double { exp(meanNegativeLogLikelihood) }
    public var countedTokens: Int
    /// Decoder steps and their wall time.
    public var steps: Int
    public var seconds: Double
    public var millisecondsPerStep: Double { seconds * 1000 / Double(max(steps, 1)) }

    /// Runs the first `windows` validation windows (spread evenly over the split, each of
    /// `batcher.sequenceLength` tokens, from a fresh decoder state) through a decoder of
    /// `model`, in int8 when asked.
    public static func measure(_ model: GenerationModel, int8: Bool, batcher: TrainingBatcher, windows: Int) -> DecoderPerplexity {
        let decoder = model.makeDecoder(int8: int8)
        let batches = batcher.validationBatches(batchSize: 1, maximumWindows: windows)
        var total = 0.0, counted = 0, steps = 0
        let started = ContinuousClock.now
        for batch in batches {
            decoder.reset()
            let genre = Int(batch.genres[0])
            for t in 0..<batch.sequenceLength {
                let target = batch.targets[t]
                if target == TrainingBatch.ignoredTarget { break }  // padding: the document ended
                guard decoder.position < decoder.contextLength else { break }
                let logits = decoder.step(token: Int(batch.tokens[t]), genre: genre)
                steps += 1
                var maximum = -Float.infinity
                for v in logits { maximum = max(maximum, v) }
                var sum = 0.0
                for v in logits { sum += exp(Double(v - maximum)) }
                total += Double(maximum) + log(sum) - Double(logits[Int(target)])
                counted += 1
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.inSeconds
        return DecoderPerplexity(meanNegativeLogLikelihood: total / Double(max(counted, 1)), countedTokens: counted, steps: steps, seconds: seconds)
    }
}
