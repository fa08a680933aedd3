import Engine

/// One batch of windows, ready for `LanguageModel.forward`.
///
/// tokens (B, T), targets (B, T) = the tokens shifted by one, genres (B). Padding positions
/// hold PAD (0) as input and 0 as target, and targets equal to `TrainingBatch.ignoredTarget`
/// are left out of the loss.
public struct TrainingBatch: Sendable, Equatable {
    /// Targets with this id (PAD) do not count in the loss.
    public static let ignoredTarget: Int32 = 0

    public var batchSize: Int
    public var sequenceLength: Int
    public var tokens: [Int32]
    public var targets: [Int32]
    public var genres: [Int32]
    /// Targets that count in the loss (not PAD).
    public var countedTargets: Int
}

/// Cuts training windows out of one split of a built dataset.
///
/// All shards of the split are loaded into one token stream (UInt16, 2 bytes a token). Training
/// batches are a pure function of (seed, step): a resumed run draws exactly the batches an
/// uninterrupted one would, with no generator state to save. Each window:
/// - picks a document with probability proportional to its length (a uniform token of the
///   stream, then the document holding it), so every token is about equally likely to be seen;
/// - starts uniformly inside the document so that all T + 1 tokens fit in it; windows never
///   cross into the next document. A document shorter than T + 1 is taken whole and padded
///   with PAD (0), whose targets the loss ignores;
/// - takes the document's genre slot as conditioning, replaced by `unconditional` (slot 0) with
///   probability `genreDropout` (classifier-free guidance). Only the conditioning vector
///   changes: the `Genre` token inside the document's tokens stays, so the model also learns to
///   continue from it, and a window starting after it sees no genre token at all.
/// Validation windows are fixed: every document cut into consecutive windows (each target
/// predicted once), evenly thinned to `validationWindows`, with the true genre.
public struct TrainingBatcher: Sendable {
    /// "train" or "validation".
    public let split: String
    public let sequenceLength: Int
    /// The split's tokens, all shards in manifest order.
    let tokens: [UInt16]
    /// Documents with offsets into `tokens`.
    let documents: [Shard.Document]

    /// Loads the shards of `split` listed in `manifest`, checking each shard's tokenizer
    /// fingerprint against the manifest's.
    public init(dataset folder: String, manifest: DatasetManifest, split: String, sequenceLength: Int) throws(CadenzaError) {
        precondition(sequenceLength >= 1, "sequence length must be at least 1")
        self.split = split
        self.sequenceLength = sequenceLength
        guard let summary = manifest.splits[split] else {
            throw .badInput(file: folder + "/manifest.json", location: "field splits.\(split)", problem: "the dataset has no \(split) split", hint: "rebuild it with `cadenza dataset build`")
        }
        var tokens: [UInt16] = []
        var documents: [Shard.Document] = []
        tokens.reserveCapacity(summary.tokens)
        for shardSummary in summary.shards {
            let shard = try ShardReader(path: folder + "/" + shardSummary.file)
            guard shard.fingerprint == manifest.tokenizer.fingerprint else {
                throw .badInput(file: shard.path, location: "byte 32", problem: "the shard's tokenizer fingerprint differs from manifest.json's", hint: "the dataset folder mixes builds; rebuild it")
            }
            let base = tokens.count
            tokens += shard.tokens
            for document in shard.documents where document.length >= 2 {
                var moved = document
                moved.offset += base
                documents.append(moved)
            }
        }
        self.tokens = tokens
        self.documents = documents
    }

    /// Documents with at least two tokens (one input and one target).
    public var documentCount: Int { documents.count }
    /// Tokens in the split.
    public var tokenCount: Int { tokens.count }
    /// The largest genre slot any document carries (−1 when there are none).
    public var largestGenre: Int { documents.map(\.genre).max() ?? -1 }

    /// The training batch of 0-based `step`, drawn from a generator seeded by (seed, step).
    public func batch(step: Int, seed: UInt64, batchSize B: Int, genreDropout: Float) -> TrainingBatch {
        precondition(!documents.isEmpty, "no documents to draw from")
        let T = sequenceLength
        var generator = SeededGenerator(seed: seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ 0x5DEE_CE66)
        var batch = TrainingBatch(batchSize: B, sequenceLength: T, tokens: [], targets: [], genres: [], countedTargets: 0)
        batch.tokens.reserveCapacity(B * T)
        batch.targets.reserveCapacity(B * T)
        let streamEnd = documents[documents.count - 1].offset + documents[documents.count - 1].length
        for _ in 0..<B {
            // Modulo bias is below 2⁻³² for any real stream length: immaterial here.
            let position = Int(generator.next() % UInt64(streamEnd))
            let document = documents[documentIndex(near: position)]
            let spare = document.length - (T + 1)
            let start = spare > 0 ? document.offset + Int(generator.next() % UInt64(spare + 1)) : document.offset
            let dropped = generator.nextUniform() < genreDropout
            append(window: start, end: document.offset + document.length, to: &batch)
            batch.genres.append(dropped ? 0 : Int32(document.genre))
        }
        return batch
    }

    /// The fixed validation windows in batches of `batchSize`; the last batch is filled up with
    /// all-padding windows (which count nothing), so every batch has one shape.
    public func validationBatches(batchSize B: Int, maximumWindows: Int) -> [TrainingBatch] {
        let T = sequenceLength
        var starts: [(start: Int, document: Int)] = []
        for (d, document) in documents.enumerated() {
            // Window k covers tokens [kT, kT + T] of the document: consecutive windows share
            // one token, so every token after the first is a target exactly once.
            for s in stride(from: 0, to: document.length - 1, by: T) { starts.append((document.offset + s, d)) }
        }
        if starts.count > maximumWindows {
            starts = (0..<maximumWindows).map { starts[$0 * starts.count / maximumWindows] }
        }
        var batches: [TrainingBatch] = []
        var index = 0
        while index < starts.count {
            var batch = TrainingBatch(batchSize: B, sequenceLength: T, tokens: [], targets: [], genres: [], countedTargets: 0)
            for _ in 0..<B {
                if index < starts.count {
                    let (start, d) = starts[index]
                    append(window: start, end: documents[d].offset + documents[d].length, to: &batch)
                    batch.genres.append(Int32(documents[d].genre))
                    index += 1
                } else {
                    batch.tokens += repeatElement(0, count: T)
                    batch.targets += repeatElement(TrainingBatch.ignoredTarget, count: T)
                    batch.genres.append(0)
                }
            }
            batches.append(batch)
        }
        return batches
    }

    /// Appends the window of T inputs and T targets starting at `start`, padded where the
    /// document (ending at `end`) runs out.
    private func append(window start: Int, end: Int, to batch: inout TrainingBatch) {
        let T = sequenceLength
        for t in 0..<T {
            let input = start + t, target = start + t + 1
            batch.tokens.append(input < end ? Int32(tokens[input]) : 0)
            if target < end {
                let id = Int32(tokens[target])
                batch.targets.append(id)
                if id != TrainingBatch.ignoredTarget { batch.countedTargets += 1 }
            } else {
                batch.targets.append(TrainingBatch.ignoredTarget)
            }
        }
    }

    /// The last document starting at or before stream position `position` (binary search): the
    /// one holding it, or the one before a dropped one-token document.
    private func documentIndex(near position: Int) -> Int {
        var low = 0, high = documents.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if documents[mid].offset <= position { low = mid } else { high = mid - 1 }
        }
        return low
    }
}
