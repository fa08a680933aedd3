import Engine
import Tokenization

/// One batch for `StyleClassifierModel.forward`: windows (B, W) of view ids, padded at the end
/// with PAD (0), and one class per window.
public struct ClassifierBatch: Sendable, Equatable {
    public var batchSize: Int
    public var windowTokens: Int
    public var tokens: [Int32]
    public var labels: [Int32]
}

/// Draws class-balanced training windows of one view from a corpus.
///
/// Batches are a pure function of (seed, step), as `TrainingBatcher`'s are. Window b of step s
/// belongs to class (s · B + b) mod K, so every class, `corrupted` included, gets the same share
/// of windows however unequal the genres' sizes. Within a genre, a piece is drawn with
/// probability proportional to its length (every token about equally likely to be seen).
/// - A genre window is W consecutive ids of the piece's view, starting uniformly at random;
///   a piece whose view is shorter than W is taken whole and padded.
/// - A corrupted window comes from a piece of a uniformly drawn genre, corrupted whole by a
///   uniformly drawn `MusicCorruption`, then viewed and cut exactly as a genre window. Cutting
///   after corrupting gives both kinds the same framing (where windows start and end), so the
///   class cannot be told from the edges of a window.
public struct ClassifierSampler: Sendable {
    public let corpus: ClassifierCorpus
    public let view: ClassifierView
    /// Tokens per window, W.
    public let windowTokens: Int
    /// Each piece's view, as model input ids.
    let viewed: [[Int32]]
    /// Per genre class: its pieces, and their running total length for the weighted draw.
    let piecesByClass: [[Int]]
    let cumulativeLengths: [[Int]]

    public init(corpus: ClassifierCorpus, view: ClassifierView, windowTokens: Int) {
        precondition(windowTokens >= 1, "windows need at least one token")
        self.corpus = corpus
        self.view = view
        self.windowTokens = windowTokens
        let vocabulary = corpus.tokenizer.vocabulary
        viewed = corpus.pieces.map { piece in view.apply(piece.tokens.lazy.map(Int.init), vocabulary: vocabulary).map(Int32.init) }
        var byClass = [[Int]](repeating: [], count: corpus.genreCount)
        for (index, piece) in corpus.pieces.enumerated() { byClass[piece.label].append(index) }
        piecesByClass = byClass
        cumulativeLengths = byClass.map { indices in
            var total = 0
            return indices.map { total += corpus.pieces[$0].tokens.count; return total }
        }
    }

    /// Genre classes that have pieces to draw from; a class without any is skipped by batches.
    public var drawableClasses: [Int] {
        (0..<corpus.genreCount).filter { !piecesByClass[$0].isEmpty } + [corpus.genreCount]
    }

    /// The training batch of 0-based `step`.
    public func batch(step: Int, seed: UInt64, batchSize B: Int) -> ClassifierBatch {
        let W = windowTokens, classes = drawableClasses
        precondition(classes.count >= 2, "no genre class has pieces")
        var generator = SeededGenerator(seed: seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ 0xC1A5_51F1)
        var batch = ClassifierBatch(batchSize: B, windowTokens: W, tokens: [], labels: [])
        batch.tokens.reserveCapacity(B * W)
        for b in 0..<B {
            let label = classes[(step * B + b) % classes.count]
            let ids: [Int32]
            if label == corpus.genreCount {
                let genre = classes[generator.index(below: classes.count - 1)]
                let piece = drawPiece(genre: genre, &generator)
                let kind = MusicCorruption.allCases[generator.index(below: MusicCorruption.allCases.count)]
                ids = corruptedView(piece: piece, kind: kind, &generator)
            } else {
                ids = viewed[drawPiece(genre: label, &generator)]
            }
            append(window(of: ids, &generator), to: &batch)
            batch.labels.append(Int32(label))
        }
        return batch
    }

    /// The view of piece `index` corrupted by `kind`.
    func corruptedView(piece index: Int, kind: MusicCorruption, _ generator: inout SeededGenerator) -> [Int32] {
        let tokens = corpus.pieces[index].tokens.map(Int.init)
        // The corpus keeps only grammar-valid pieces, and those always parse.
        guard let corrupted = kind.apply(to: tokens, tokenizer: corpus.tokenizer, meterIndex: nil, generator: &generator) else {
            preconditionFailure("a grammar-checked piece failed to parse")
        }
        return view.apply(corrupted, vocabulary: corpus.tokenizer.vocabulary).map(Int32.init)
    }

    /// W ids starting uniformly at random, or all of them when there are at most W.
    private func window(of ids: [Int32], _ generator: inout SeededGenerator) -> ArraySlice<Int32> {
        let spare = ids.count - windowTokens
        guard spare > 0 else { return ids[...] }
        let start = generator.index(below: spare + 1)
        return ids[start..<(start + windowTokens)]
    }

    private func append(_ window: ArraySlice<Int32>, to batch: inout ClassifierBatch) {
        batch.tokens += window
        batch.tokens += repeatElement(0, count: windowTokens - window.count)
    }

    private func drawPiece(genre: Int, _ generator: inout SeededGenerator) -> Int {
        let totals = cumulativeLengths[genre]
        let target = generator.index(below: totals[totals.count - 1])
        // The first piece whose running total exceeds the target (binary search).
        var low = 0, high = totals.count - 1
        while low < high {
            let mid = (low + high) / 2
            if totals[mid] > target { high = mid } else { low = mid + 1 }
        }
        return piecesByClass[genre][low]
    }

    /// A piece's view cut into windows for whole-piece prediction: consecutive windows of W
    /// from the start, the last one ending at the piece's end (so it overlaps its neighbour
    /// rather than being short), evenly thinned to `maximumWindows`. A view of at most W ids
    /// is one window. Empty views give no window.
    public static func windows(of ids: [Int32], windowTokens W: Int, maximumWindows: Int) -> [ArraySlice<Int32>] {
        guard !ids.isEmpty else { return [] }
        guard ids.count > W else { return [ids[...]] }
        var starts = Array(stride(from: 0, to: ids.count - W, by: W))
        starts.append(ids.count - W)
        if starts.count > maximumWindows {
            starts = (0..<maximumWindows).map { starts[$0 * starts.count / maximumWindows] }
        }
        return starts.map { ids[$0..<($0 + W)] }
    }
}
