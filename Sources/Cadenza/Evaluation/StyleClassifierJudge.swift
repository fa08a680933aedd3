import Foundation
import MusicScore

/// The style classifier (`cadenza train-classifier`) as the evaluator's judge: a piece is in a
/// genre when both views (all tokens, instrument-blind) give it that genre; its probability for a
/// genre is the mean of the two views'.
public final class StyleClassifierJudge: GenreJudge, @unchecked Sendable {
    let classifier: StyleClassifier
    // One judgement at a time: the classifier models keep their activations between calls.
    private let lock = NSLock()

    public init(folder: String) throws(CadenzaError) {
        classifier = try StyleClassifier(folder: folder)
    }

    public var genres: [String] { classifier.genres }

    /// Both views right on held-out real pieces is not stored; the lower of the two views'
    /// accuracies is the honest single figure.
    public var realAccuracy: Double? {
        let a = classifier.allTokens.metadata.metrics.accuracy, b = classifier.instrumentBlind.metadata.metrics.accuracy
        switch (a, b) {
        case let (a?, b?): return min(a, b)
        default: return a ?? b
        }
    }

    public func probabilities(_ score: Score) -> [String: Double] {
        lock.lock()
        defer { lock.unlock() }
        guard let j = try? classifier.judge(score) else { return [:] }
        var result: [String: Double] = [:]
        for (i, name) in j.classes.enumerated() where genres.contains(name) {
            result[name] = (j.allTokens[i] + j.instrumentBlind[i]) / 2
        }
        return result
    }

    public func inGenre(_ score: Score, genre: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return (try? classifier.judge(score))?.isInGenre(genre) ?? false
    }
}
