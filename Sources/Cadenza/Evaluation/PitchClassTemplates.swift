/// Pitch-class templates for chord and key recognition. Sets of pitch classes are 12-bit masks,
/// bit `pc` set for pitch class `pc` (0 = C).
public enum PitchClassTemplates {
    /// What a set of simultaneously sounding pitch classes is.
    public enum ChordKind: UInt8, Sendable {
        /// Fewer than three pitch classes: no chord to judge.
        case tooFew
        /// Exactly a major, minor, diminished or augmented triad on any root.
        case triad
        /// A 7th chord on any root (major 7th, dominant 7th, minor 7th, half-diminished,
        /// diminished 7th, minor-major 7th, augmented major 7th), complete, with at most one
        /// extra pitch class (a tension such as a 9th). Shell voicings without the 5th are not
        /// counted: in passing-note textures root–3rd–7th subsets appear by accident.
        case seventh
        /// Three or more pitch classes that are neither.
        case other
    }

    /// Triads as semitones above the root.
    public static let triads: [[Int]] = [[0, 4, 7], [0, 3, 7], [0, 3, 6], [0, 4, 8]]
    /// 7th chords as semitones above the root.
    public static let sevenths: [[Int]] = [
        [0, 4, 7, 11], [0, 4, 7, 10], [0, 3, 7, 10], [0, 3, 6, 10], [0, 3, 6, 9], [0, 3, 7, 11], [0, 4, 8, 11],
    ]

    /// The kind of every one of the 4096 pitch-class sets, indexed by mask: built once, so
    /// classifying a beat is one lookup.
    static let chordKinds: [ChordKind] = {
        let triadMasks = Set(triads.flatMap(allRoots))
        let seventhMasks = sevenths.flatMap(allRoots)
        return (0..<4096).map { mask in
            let size = mask.nonzeroBitCount
            if size < 3 { return .tooFew }
            if size == 3 && triadMasks.contains(mask) { return .triad }
            if (4...5).contains(size) && seventhMasks.contains(where: { mask & $0 == $0 }) { return .seventh }
            return .other
        }
    }()

    /// The kind of the pitch-class set `mask` (0...4095).
    public static func chordKind(_ mask: Int) -> ChordKind { chordKinds[mask & 0xFFF] }

    /// The 12 transpositions of an interval template as masks.
    static func allRoots(_ intervals: [Int]) -> [Int] {
        (0..<12).map { root in intervals.reduce(0) { $0 | 1 << (($1 + root) % 12) } }
    }

    /// Krumhansl–Kessler probe-tone ratings for C major, index = pitch class
    /// (Krumhansl 1990, "Cognitive Foundations of Musical Pitch", table 2.1).
    public static let majorProfile: [Double] = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]
    /// Krumhansl–Kessler ratings for C minor.
    public static let minorProfile: [Double] = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]

    /// The key whose rotated profile correlates best (Pearson) with `weights` (12 entries, e.g.
    /// duration per pitch class), Krumhansl–Schmuckler style. Ties go to major, then to the
    /// lower tonic. Nil when `weights` are all equal (no key can be told).
    public static func key(ofPitchClassWeights weights: [Double]) -> (tonic: Int, isMinor: Bool, correlation: Double)? {
        precondition(weights.count == 12, "one weight per pitch class")
        var best: (tonic: Int, isMinor: Bool, correlation: Double)? = nil
        for isMinor in [false, true] {
            let profile = isMinor ? minorProfile : majorProfile
            for tonic in 0..<12 {
                let rotated = (0..<12).map { profile[($0 - tonic + 12) % 12] }
                guard let r = correlation(weights, rotated) else { return nil }
                if best == nil || r > best!.correlation { best = (tonic, isMinor, r) }
            }
        }
        return best
    }

    /// Pearson correlation, nil when either side has no variance.
    static func correlation(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }
}
