/// The features `FeatureComparison` reports, one row each: the table that names them, gives
/// their unit and says how each is compared.
public enum EvaluationFeature: String, CaseIterable, Codable, Sendable {
    // One value (or vector) per piece, compared by MGEval's pairwise distances.
    case pitchCount, pitchRange, pitchClassHistogram, pitchClassTransitions, averagePitchInterval
    case notesPerBar, averageInterOnsetInterval, polyphony
    // Every note's value pooled over a whole set, compared as two distributions.
    case interOnsetIntervals, durations, velocities

    /// How a feature is compared between the real and the generated set.
    public enum Method: String, Codable, Sendable {
        /// MGEval: Euclidean distances between pieces, within each set and across the sets.
        case pairwiseDistances
        /// The values of all pieces of a set pooled into one sample; the two samples' KDEs overlap.
        case pooledValues
    }

    public var method: Method {
        switch self {
        case .interOnsetIntervals, .durations, .velocities: .pooledValues
        default: .pairwiseDistances
        }
    }

    /// Name for a report table.
    public var title: String {
        switch self {
        case .pitchCount: "pitch count"
        case .pitchRange: "pitch range"
        case .pitchClassHistogram: "pitch-class histogram"
        case .pitchClassTransitions: "pitch-class transitions"
        case .averagePitchInterval: "average pitch interval"
        case .notesPerBar: "notes per bar"
        case .averageInterOnsetInterval: "average inter-onset interval"
        case .polyphony: "polyphony"
        case .interOnsetIntervals: "inter-onset intervals (pooled)"
        case .durations: "note durations (pooled)"
        case .velocities: "velocities (pooled)"
        }
    }

    /// Unit of one value (of one vector entry for the vector features).
    public var unit: String {
        switch self {
        case .pitchCount: "pitches"
        case .pitchRange, .averagePitchInterval: "semitones"
        case .pitchClassHistogram, .pitchClassTransitions: "share"
        case .notesPerBar: "notes/bar"
        case .averageInterOnsetInterval, .interOnsetIntervals, .durations: "beats"
        case .polyphony: "notes"
        case .velocities: "MIDI velocity"
        }
    }

    /// Entries per piece for `.pairwiseDistances` features: 1, or 12 / 144 for the histogram and
    /// the transition matrix. Pooled features have one value per note (or onset); 1 here.
    public var dimension: Int {
        switch self {
        case .pitchClassHistogram: 12
        case .pitchClassTransitions: 144
        default: 1
        }
    }

    /// The feature's vector (pairwise features) or its values (pooled features) for one piece.
    public func values(of piece: PieceFeatures) -> [Double] {
        switch self {
        case .pitchCount: [Double(piece.pitchCount)]
        case .pitchRange: [Double(piece.pitchRange)]
        case .pitchClassHistogram: piece.pitchClassHistogram
        case .pitchClassTransitions: piece.pitchClassTransitions
        case .averagePitchInterval: [piece.averagePitchInterval]
        case .notesPerBar: [piece.notesPerBar]
        case .averageInterOnsetInterval: [piece.averageInterOnsetInterval]
        case .polyphony: [piece.polyphony]
        case .interOnsetIntervals: piece.interOnsetIntervals
        case .durations: piece.durations
        case .velocities: piece.velocities
        }
    }
}
