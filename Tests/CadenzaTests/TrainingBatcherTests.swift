import Foundation
import Testing
@testable import Cadenza

@Suite struct TrainingBatcherTests {
    func batcher(split: String = "train", sequenceLength: Int = 16) throws -> TrainingBatcher {
        let manifest = try DatasetManifest.load(from: TrainingFixture.dataset)
        return try TrainingBatcher(dataset: TrainingFixture.dataset, manifest: manifest, split: split, sequenceLength: sequenceLength)
    }

    @Test func batchesAreAFunctionOfSeedAndStep() throws {
        let b = try batcher()
        let first = b.batch(step: 3, seed: 1, batchSize: 4, genreDropout: 0.1)
        #expect(first == b.batch(step: 3, seed: 1, batchSize: 4, genreDropout: 0.1))
        #expect(first != b.batch(step: 4, seed: 1, batchSize: 4, genreDropout: 0.1))
        #expect(first != b.batch(step: 3, seed: 2, batchSize: 4, genreDropout: 0.1))
        #expect(first.tokens.count == 64 && first.targets.count == 64 && first.genres.count == 4)
    }

    @Test func windowsStayInsideOneDocumentAndTargetsAreShifted() throws {
        let b = try batcher()
        for step in 0..<20 {
            let batch = b.batch(step: step, seed: 0, batchSize: 3, genreDropout: 0)
            for w in 0..<3 {
                let inputs = Array(batch.tokens[(w * 16)..<(w * 16 + 16)])
                let targets = Array(batch.targets[(w * 16)..<(w * 16 + 16)])
                #expect(Array(inputs.dropFirst()) == Array(targets.dropLast()))
                // The 17 tokens are a contiguous slice of one document with that document's genre.
                let window = inputs + [targets.last!]
                let match = b.documents.contains { d in
                    guard Int32(d.genre) == batch.genres[w], d.length >= 17 else { return false }
                    let doc = b.tokens[d.offset..<(d.offset + d.length)].map(Int32.init)
                    return (0...(d.length - 17)).contains { Array(doc[$0..<($0 + 17)]) == window }
                }
                #expect(match, "window \(w) of step \(step) is not a slice of one document")
            }
        }
    }

    @Test func shortDocumentsArePaddedAndPaddingIsIgnored() throws {
        let b = try batcher(sequenceLength: 8192)
        let longest = b.documents.map(\.length).max()!
        #expect(longest < 8192, "fixtures should be shorter than the window")
        let batch = b.batch(step: 0, seed: 0, batchSize: 2, genreDropout: 0)
        for w in 0..<2 {
            let targets = batch.targets[(w * 8192)..<((w + 1) * 8192)]
            let counted = targets.filter { $0 != TrainingBatch.ignoredTarget }.count
            #expect(counted < 8192 && counted > 0)
            #expect(targets.suffix(8192 - longest).allSatisfy { $0 == 0 })
            #expect(batch.tokens[(w * 8192)..<((w + 1) * 8192)].suffix(8192 - longest).allSatisfy { $0 == 0 })
        }
        #expect(batch.countedTargets == batch.targets.filter { $0 != 0 }.count)
    }

    @Test func genreDropoutReplacesOnlyTheConditioning() throws {
        let b = try batcher()
        let kept = b.batch(step: 5, seed: 9, batchSize: 16, genreDropout: 0)
        let dropped = b.batch(step: 5, seed: 9, batchSize: 16, genreDropout: 1)
        #expect(kept.genres.allSatisfy { $0 > 0 }, "fixtures are labelled, so no window is unconditional without dropout")
        #expect(dropped.genres.allSatisfy { $0 == 0 })
        #expect(kept.tokens == dropped.tokens && kept.targets == dropped.targets)
        // About a tenth with p = 0.1 over many windows.
        var unconditional = 0
        for step in 0..<50 { unconditional += b.batch(step: step, seed: 3, batchSize: 16, genreDropout: 0.1).genres.filter { $0 == 0 }.count }
        #expect(unconditional > 40 && unconditional < 130)
    }

    @Test func validationWindowsAreFixedAndPredictEachTokenOnce() throws {
        let b = try batcher(split: "validation")
        let all = b.validationBatches(batchSize: 4, maximumWindows: .max)
        #expect(all == b.validationBatches(batchSize: 4, maximumWindows: .max))
        let counted = all.reduce(0) { $0 + $1.countedTargets }
        // Every token but the first of each document is a target exactly once (BOS is never a target; no PAD inside).
        #expect(counted == b.documents.reduce(0) { $0 + $1.length - 1 })
        let few = b.validationBatches(batchSize: 4, maximumWindows: 6)
        #expect(few.count == 2 && few[1].genres.suffix(2) == [0, 0] && few[1].targets.suffix(32).allSatisfy { $0 == 0 })
    }
}
