import MusicScore

/// A judge of style: the style classifier, seen by the evaluator only through this, so the
/// report can be made with or without one.
public protocol GenreJudge: Sendable {
    /// Genres the judge knows.
    var genres: [String] { get }
    /// Probability of each known genre for `score` (sums to at most 1; the rest is "none of
    /// them", e.g. corrupted music).
    func probabilities(_ score: Score) -> [String: Double]
    /// True when the judge assigns `score` to `genre` (for a two-view classifier: both views agree).
    func inGenre(_ score: Score, genre: String) -> Bool
    /// The judge's accuracy on held-out real pieces, reported beside the similarity it gives.
    var realAccuracy: Double? { get }
}
