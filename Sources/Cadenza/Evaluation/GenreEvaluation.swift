/// Everything `cadenza evaluate` measured for one genre.
public struct GenreEvaluation: Sendable, Codable {
    public var genre: String
    /// exp(mean cross-entropy per token) on held-out windows of this genre, and its inputs;
    /// nil when the split holds no piece of the genre long enough.
    public var perplexity: Double?
    /// Negative log-likelihood in bits per note (per Duration token predicted): a measure that
    /// does not depend on how many tokens the tokenization spends per note.
    public var bitsPerNote: Double?
    public var validationTokens: Int
    public var validationNotes: Int
    /// Generated pieces (and their notes) judged here.
    public var generatedPieces: Int
    public var generatedNotes: Int
    /// Share of generated pieces the judge assigns to this genre, and its mean probability
    /// for this genre; nil without a judge.
    public var styleSimilarity: Double?
    public var meanGenreProbability: Double?
    /// MGEval feature comparison of generated against held-out real pieces.
    public var features: FeatureReport
    /// Mean overlapping area over the features that have one.
    public var meanOverlapArea: Double?
    /// The genre's most distinctive descriptors in the generated music ("swing ratio 1.6"),
    /// and the same descriptors measured on the real pieces.
    public var learned: [String]
    public var learnedReal: [String]
    /// Share of sampled tokens the grammar rejects when sampling without the grammar mask.
    public var grammarErrorRate: Double
    public var unconstrainedTokens: Int
    /// Generated 4-bar windows found verbatim in the training data, of those checked.
    public var copiedWindows: Int
    public var checkedWindows: Int
    /// Longest run of consecutive notes found verbatim in the training data (0 when no
    /// 8-note run is); runs shorter than 8 notes are not searched.
    public var longestCopiedRun: Int

    public var copiedWindowShare: Double { checkedWindows == 0 ? 0 : Double(copiedWindows) / Double(checkedWindows) }
}
