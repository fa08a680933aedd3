/// The result of `FeatureComparison`: one row per `EvaluationFeature`, in the enum's order.
/// Every number is finite, so the report encodes to JSON as it is.
public struct FeatureReport: Hashable, Sendable, Codable {
    /// Real pieces that had pitched notes and were compared.
    public var realPieceCount: Int
    /// Generated pieces that had pitched notes and were compared.
    public var generatedPieceCount: Int
    /// Real pieces left out because they had no pitched note (see `PieceFeatures.init?(score:)`).
    public var skippedRealPieces: Int
    /// Generated pieces left out because they had no pitched note.
    public var skippedGeneratedPieces: Int
    public var rows: [Row]

    public init(realPieceCount: Int, generatedPieceCount: Int, skippedRealPieces: Int, skippedGeneratedPieces: Int, rows: [Row]) {
        self.realPieceCount = realPieceCount
        self.generatedPieceCount = generatedPieceCount
        self.skippedRealPieces = skippedRealPieces
        self.skippedGeneratedPieces = skippedGeneratedPieces
        self.rows = rows
    }

    /// The row of `feature`, if the report has one.
    public func row(_ feature: EvaluationFeature) -> Row? { rows.first { $0.feature == feature } }

    /// One feature compared between the two sets.
    public struct Row: Hashable, Sendable, Codable {
        public var feature: EvaluationFeature
        /// `feature.title`, kept so a reader of the JSON needs no table.
        public var name: String
        /// `feature.unit`.
        public var unit: String
        public var method: EvaluationFeature.Method
        /// What `real` and `generated` summarize.
        public var summarizes: Summarized
        /// Real set: the feature's values for scalar and pooled features, the intra-set distances
        /// for vector features (a histogram has no single mean). Nil when the set is empty.
        public var real: Summary?
        /// Generated set, as `real`.
        public var generated: Summary?
        /// Distances between every real and every generated piece (MGEval's inter-set
        /// distances); nil for pooled features or when a set is empty.
        public var interSetDistances: Summary?
        /// The headline number, 0...1, higher is closer to the real music. Pairwise features:
        /// overlapping area of the intra-real and inter-set distance densities (MGEval). Pooled
        /// features: overlapping area of the real and generated value densities. Nil when it
        /// cannot be computed (fewer than two real pieces, or no generated piece).
        public var overlapArea: Double?
        /// KL divergence in nats, ≥ 0: KL(intra-real ‖ inter-set) of the distance densities
        /// (MGEval's `kl_dist(intra_real, inter)`), or KL(real ‖ generated) for pooled features.
        public var klDivergence: Double?
        /// Pairwise features only: overlapping area of the intra-generated and inter-set
        /// distance densities, MGEval's second number; nil when not computable.
        public var generatedOverlapArea: Double?

        public init(
            feature: EvaluationFeature, summarizes: Summarized, real: Summary?, generated: Summary?,
            interSetDistances: Summary?, overlapArea: Double?, klDivergence: Double?, generatedOverlapArea: Double?
        ) {
            self.feature = feature
            self.name = feature.title
            self.unit = feature.unit
            self.method = feature.method
            self.summarizes = summarizes
            self.real = real
            self.generated = generated
            self.interSetDistances = interSetDistances
            self.overlapArea = overlapArea
            self.klDivergence = klDivergence
            self.generatedOverlapArea = generatedOverlapArea
        }
    }

    /// What a row's `real` and `generated` summaries are taken over.
    public enum Summarized: String, Hashable, Sendable, Codable {
        /// The feature's own values (in `unit`).
        case values
        /// Euclidean distances between the pieces of one set (in `unit`).
        case intraSetDistances
    }

    /// Mean, standard deviation and count of some values.
    public struct Summary: Hashable, Sendable, Codable {
        public var mean: Double
        /// Sample standard deviation (n − 1), 0 for a single value.
        public var standardDeviation: Double
        public var count: Int

        public init(mean: Double, standardDeviation: Double, count: Int) {
            self.mean = mean
            self.standardDeviation = standardDeviation
            self.count = count
        }

        /// Summary of `values`, nil when there are none.
        public init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            self.init(mean: mean, standardDeviation: values.count > 1 ? (squares / (n - 1)).squareRoot() : 0, count: values.count)
        }
    }
}
