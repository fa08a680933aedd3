import MusicScore

/// Compares the musical features of generated pieces with those of real pieces, following
/// Yang & Lerch's MGEval ("On the evaluation of generative models in music", 2018):
///
/// 1. For each feature, the Euclidean distance between every pair of real pieces (intra-set),
///    every pair of generated pieces (intra-set) and every real–generated pair (inter-set;
///    all n·m pairs, as MGEval's `c_dist` loop does).
/// 2. A Gaussian KDE of each distance sample (Silverman bandwidth, see `DistributionOverlap`).
/// 3. The overlapping area and KL divergence of the intra-real density against the inter-set
///    density. When the generated pieces are as far from the real ones as real pieces are from
///    each other, the two densities coincide and the overlap is near 1.
///
/// Per-note features (inter-onset intervals, durations, velocities) are also pooled per set and
/// their two value densities compared directly.
///
/// Nothing is random: the same pieces give the same report. Cost is O(n²) distances per feature
/// for n pieces (about 5,000 for 100 real pieces) plus linear work per note.
public enum FeatureComparison {
    /// Extracts `PieceFeatures` from both sets and compares them. Pieces without pitched notes
    /// are skipped and counted in the report.
    public static func report(real: [Score], generated: [Score]) -> FeatureReport {
        let realFeatures = real.compactMap(PieceFeatures.init(score:))
        let generatedFeatures = generated.compactMap(PieceFeatures.init(score:))
        return report(
            realFeatures: realFeatures, generatedFeatures: generatedFeatures,
            skippedReal: real.count - realFeatures.count, skippedGenerated: generated.count - generatedFeatures.count)
    }

    /// Compares features already extracted (so a caller can reuse the real set's features for
    /// several generated sets). `skippedReal` and `skippedGenerated` are only copied into the report.
    public static func report(
        realFeatures: [PieceFeatures], generatedFeatures: [PieceFeatures], skippedReal: Int = 0, skippedGenerated: Int = 0
    ) -> FeatureReport {
        FeatureReport(
            realPieceCount: realFeatures.count, generatedPieceCount: generatedFeatures.count,
            skippedRealPieces: skippedReal, skippedGeneratedPieces: skippedGenerated,
            rows: EvaluationFeature.allCases.map { row(for: $0, real: realFeatures, generated: generatedFeatures) })
    }

    /// One report row; see `FeatureReport.Row` for what each field means.
    public static func row(for feature: EvaluationFeature, real: [PieceFeatures], generated: [PieceFeatures]) -> FeatureReport.Row {
        switch feature.method {
        case .pooledValues:
            let realValues = real.flatMap(feature.values(of:))
            let generatedValues = generated.flatMap(feature.values(of:))
            let overlap = DistributionOverlap.compare(realValues, generatedValues)
            return FeatureReport.Row(
                feature: feature, summarizes: .values, real: .init(realValues), generated: .init(generatedValues),
                interSetDistances: nil, overlapArea: overlap?.overlapArea, klDivergence: overlap?.klDivergence,
                generatedOverlapArea: nil)
        case .pairwiseDistances:
            let realVectors = real.map(feature.values(of:))
            let generatedVectors = generated.map(feature.values(of:))
            let realIntra = intraSetDistances(realVectors)
            let generatedIntra = intraSetDistances(generatedVectors)
            let inter = interSetDistances(realVectors, generatedVectors)
            let overlap = DistributionOverlap.compare(realIntra, inter)
            let generatedOverlap = DistributionOverlap.compare(generatedIntra, inter)
            let scalar = feature.dimension == 1
            return FeatureReport.Row(
                feature: feature, summarizes: scalar ? .values : .intraSetDistances,
                real: .init(scalar ? realVectors.map { $0[0] } : realIntra),
                generated: .init(scalar ? generatedVectors.map { $0[0] } : generatedIntra),
                interSetDistances: .init(inter), overlapArea: overlap?.overlapArea, klDivergence: overlap?.klDivergence,
                generatedOverlapArea: generatedOverlap?.overlapArea)
        }
    }

    /// Euclidean distances between every unordered pair of `vectors` (i < j): n(n − 1)/2 values.
    /// MGEval's leave-one-out loop lists each pair twice, which gives the same distribution.
    public static func intraSetDistances(_ vectors: [[Double]]) -> [Double] {
        guard vectors.count >= 2 else { return [] }
        var distances: [Double] = []
        distances.reserveCapacity(vectors.count * (vectors.count - 1) / 2)
        for i in 0..<(vectors.count - 1) {
            for j in (i + 1)..<vectors.count { distances.append(distance(vectors[i], vectors[j])) }
        }
        return distances
    }

    /// Euclidean distances between every vector of `a` and every vector of `b`: a.count·b.count values.
    public static func interSetDistances(_ a: [[Double]], _ b: [[Double]]) -> [Double] {
        var distances: [Double] = []
        distances.reserveCapacity(a.count * b.count)
        for x in a {
            for y in b { distances.append(distance(x, y)) }
        }
        return distances
    }

    /// Euclidean distance; vectors of one feature always have the same length.
    static func distance(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "vectors of one feature have one length")
        var sum = 0.0
        for k in x.indices {
            let d = x[k] - y[k]
            sum += d * d
        }
        return sum.squareRoot()
    }
}
