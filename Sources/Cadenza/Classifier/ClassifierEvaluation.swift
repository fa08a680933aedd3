/// A classifier's whole-piece predictions on held-out pieces: the confusion matrix of the real
/// pieces, and how often corrupted copies were caught.
///
/// A piece's prediction is its most probable class over all classes, `corrupted` included: a
/// real piece judged corrupted counts as a miss.
public struct ClassifierEvaluation: Sendable, Equatable {
    public var view: ClassifierView
    /// Class names: genres, then `corrupted`.
    public var classes: [String]
    /// confusion[g][k]: real pieces of genre g predicted as class k.
    public var confusion: [[Int]]
    /// Per real piece, in order: its genre and the mean probabilities over its windows.
    public var pieces: [(label: Int, probabilities: [Double])] {
        zip(labels, probabilities).map { ($0, $1) }
    }
    /// Per corruption kind: corrupted pieces scored, and how many were judged `corrupted`.
    public var corrupted: [MusicCorruption: (pieces: Int, detected: Int)] {
        Dictionary(uniqueKeysWithValues: corruptedCounts.map { ($0.key, ($0.value[0], $0.value[1])) })
    }

    var labels: [Int] = []
    var probabilities: [[Double]] = []
    var corruptedCounts: [MusicCorruption: [Int]] = [:]

    public init(view: ClassifierView, classes: [String]) {
        self.view = view
        self.classes = classes
        confusion = Array(repeating: Array(repeating: 0, count: classes.count), count: classes.count - 1)
    }

    mutating func addPiece(label: Int, probabilities p: [Double]) {
        labels.append(label)
        probabilities.append(p)
        confusion[label][Self.argmax(p)] += 1
    }

    mutating func addCorrupted(kind: MusicCorruption, probabilities p: [Double]) {
        var counts = corruptedCounts[kind] ?? [0, 0]
        counts[0] += 1
        if Self.argmax(p) == classes.count - 1 { counts[1] += 1 }
        corruptedCounts[kind] = counts
    }

    static func argmax(_ p: [Double]) -> Int { p.indices.max { p[$0] < p[$1] } ?? 0 }

    /// Real pieces scored.
    public var pieceCount: Int { labels.count }
    /// Pieces per genre.
    public var piecesPerGenre: [Int] { confusion.map { $0.reduce(0, +) } }
    /// Share of real pieces predicted as their genre (nil without pieces).
    public var accuracy: Double? {
        pieceCount == 0 ? nil : Double(confusion.indices.reduce(0) { $0 + confusion[$1][$1] }) / Double(pieceCount)
    }
    /// Per genre: the share of its pieces predicted as it (nil for a genre without pieces).
    public var genreAccuracy: [Double?] {
        confusion.indices.map { g in piecesPerGenre[g] == 0 ? nil : Double(confusion[g][g]) / Double(piecesPerGenre[g]) }
    }
    /// Mean of the per-genre accuracies over genres with pieces.
    public var balancedAccuracy: Double? {
        let known = genreAccuracy.compactMap { $0 }
        return known.isEmpty ? nil : known.reduce(0, +) / Double(known.count)
    }
    /// Share of corrupted pieces judged `corrupted`.
    public var corruptedDetection: Double? {
        let all = corruptedCounts.values.reduce(0) { $0 + $1[0] }, caught = corruptedCounts.values.reduce(0) { $0 + $1[1] }
        return all == 0 ? nil : Double(caught) / Double(all)
    }

    /// The figures a classifier file keeps in its metadata.
    public var metrics: StyleClassifierMetadata.Metrics {
        .init(validationPieces: pieceCount, accuracy: accuracy, balancedAccuracy: balancedAccuracy, corruptedDetection: corruptedDetection)
    }

    /// The judge's rule on real pieces: the share whose genre both views predict. The two
    /// evaluations must cover the same pieces in the same order.
    public static func agreement(_ a: ClassifierEvaluation, _ b: ClassifierEvaluation) -> Double? {
        precondition(a.labels == b.labels, "the evaluations cover different pieces")
        guard !a.labels.isEmpty else { return nil }
        let both = a.labels.indices.filter { argmax(a.probabilities[$0]) == a.labels[$0] && argmax(b.probabilities[$0]) == a.labels[$0] }
        return Double(both.count) / Double(a.labels.count)
    }
}
