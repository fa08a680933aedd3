import MusicScore

/// Human-readable "features learned" facts about a set of pieces (one genre's real or generated
/// music), for a table row such as "jazz — swing ratio 1.6, 7th chords 42%".
///
/// Counted quantities (swing pairs, chordal beats, notes) are pooled over the set, so long pieces
/// weigh more; per-piece quantities (polyphony, range, density, key) are averaged over pieces.
/// Every value is nil when the set holds nothing to measure it on.
public struct StyleDescriptors: Hashable, Sendable, Codable {
    /// Pieces measured, ≥ 0.
    public var pieceCount: Int
    /// Mean long/short ratio of the long–short beats (`PieceStyle.swingRatio`): 1.0 straight,
    /// about 1.5–2 swung.
    public var swingRatio: Double?
    /// Long–short beats behind `swingRatio`.
    public var swingPairCount: Int
    /// Share of chordal beats (≥ 3 pitch classes sounding) that form a 7th chord, 0...1.
    public var seventhChordShare: Double?
    /// Share of chordal beats that are exactly a triad, 0...1.
    public var triadShare: Double?
    /// Chordal beats behind the two shares.
    public var chordalBeatCount: Int
    /// Share of pitched notes that are syncopated (off the beat, held past the next beat), 0...1.
    public var syncopationShare: Double?
    /// Mean over pieces of `PieceStyle.polyphony`, in notes, ≥ 1.
    public var polyphony: Double?
    /// Mean over pieces of the pitch range, in semitones.
    public var pitchRange: Double?
    /// Mean over pieces of pitched notes per beat.
    public var notesPerBeat: Double?
    /// Share of pieces with drums, 0...1.
    public var drumShare: Double?
    /// The time signature most pieces are mostly in, such as "4/4" (the first seen on a tie).
    public var commonTimeSignature: String?
    /// Share of pieces whose Krumhansl–Schmuckler key is major, 0...1, over pieces with a key.
    public var majorShare: Double?

    /// Measures every score and pools the results.
    public init(scores: [Score]) {
        self.init(pieces: scores.map(PieceStyle.init(score:)))
    }

    /// Pools measurements already made (so per-piece values can also be kept).
    public init(pieces: [PieceStyle]) {
        func ratio(_ part: Int, _ whole: Int) -> Double? { whole > 0 ? Double(part) / Double(whole) : nil }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        pieceCount = pieces.count
        swingPairCount = pieces.reduce(0) { $0 + $1.swingPairCount }
        swingRatio = swingPairCount > 0 ? pieces.reduce(0) { $0 + $1.swingRatioSum } / Double(swingPairCount) : nil
        chordalBeatCount = pieces.reduce(0) { $0 + $1.chordalBeatCount }
        seventhChordShare = ratio(pieces.reduce(0) { $0 + $1.seventhChordBeatCount }, chordalBeatCount)
        triadShare = ratio(pieces.reduce(0) { $0 + $1.triadBeatCount }, chordalBeatCount)
        syncopationShare = ratio(pieces.reduce(0) { $0 + $1.syncopatedNoteCount }, pieces.reduce(0) { $0 + $1.pitchedNoteCount })
        polyphony = mean(pieces.compactMap(\.polyphony))
        pitchRange = mean(pieces.compactMap { $0.pitchRange.map(Double.init) })
        notesPerBeat = mean(pieces.compactMap(\.notesPerBeat))
        drumShare = ratio(pieces.filter(\.hasDrums).count, pieces.count)
        let keyed = pieces.compactMap(\.isMinor)
        majorShare = ratio(keyed.filter { !$0 }.count, keyed.count)
        var signatureCounts: [String: Int] = [:]
        var signatureOrder: [String] = []
        for piece in pieces {
            if signatureCounts[piece.timeSignature] == nil { signatureOrder.append(piece.timeSignature) }
            signatureCounts[piece.timeSignature, default: 0] += 1
        }
        commonTimeSignature = signatureOrder.first
        for name in signatureOrder where signatureCounts[name]! > signatureCounts[commonTimeSignature!]! {
            commonTimeSignature = name
        }
    }

    /// The value of one numeric descriptor.
    public func value(of descriptor: StyleDescriptor) -> Double? {
        switch descriptor {
        case .swingRatio: swingRatio
        case .seventhChords: seventhChordShare
        case .triads: triadShare
        case .syncopation: syncopationShare
        case .polyphony: polyphony
        case .pitchRange: pitchRange
        case .notesPerBeat: notesPerBeat
        case .drums: drumShare
        case .majorKeys: majorShare
        }
    }

    /// The descriptors that set `genre` apart from the others in `genres` (which must include
    /// it), most distinctive first.
    ///
    /// For each descriptor, the genre's value is compared with the values of all genres that
    /// have one (`genre` included): z = (value − mean) / max(standard deviation, the
    /// descriptor's `minimumSpread`). The population standard deviation is used (the genres are
    /// the whole population), and the floor keeps a tiny spread — every genre straight at
    /// 1.00–1.02 — from making a trivial difference look distinctive. Descriptors with
    /// |z| ≥ `minimumZScore` are ranked by |z| (ties in `StyleDescriptor` order) and the first
    /// `count` returned. Genres are read in sorted order so the arithmetic is deterministic.
    /// The time signature is categorical and not ranked.
    public static func distinctive(
        of genre: String, among genres: [String: StyleDescriptors], count: Int = 3, minimumZScore: Double = 0.5
    ) -> [DistinctiveDescriptor] {
        guard let own = genres[genre] else { return [] }
        let all = genres.keys.sorted().map { genres[$0]! }
        var candidates: [DistinctiveDescriptor] = []
        for descriptor in StyleDescriptor.allCases {
            guard let value = own.value(of: descriptor) else { continue }
            let values = all.compactMap { $0.value(of: descriptor) }
            guard values.count >= 2 else { continue }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            let z = (value - mean) / max(sd, descriptor.minimumSpread)
            if abs(z) >= minimumZScore {
                candidates.append(DistinctiveDescriptor(descriptor: descriptor, value: value, zScore: z))
            }
        }
        // A stable sort keeps StyleDescriptor order among equal |z|.
        let ranked = candidates.enumerated().sorted {
            abs($0.element.zScore) != abs($1.element.zScore) ? abs($0.element.zScore) > abs($1.element.zScore) : $0.offset < $1.offset
        }
        return ranked.prefix(max(0, count)).map(\.element)
    }
}

/// One descriptor that sets a genre apart, with the number behind it.
public struct DistinctiveDescriptor: Hashable, Sendable, Codable {
    public var descriptor: StyleDescriptor
    /// The genre's value, in the descriptor's unit (shares 0...1).
    public var value: Double
    /// How far the value lies from the mean over genres, in (floored) standard deviations;
    /// positive above the mean.
    public var zScore: Double
    /// Short text for a table cell, such as "swing ratio 1.6" or "7th chords 42%".
    public var text: String

    public init(descriptor: StyleDescriptor, value: Double, zScore: Double) {
        self.descriptor = descriptor
        self.value = value
        self.zScore = zScore
        self.text = descriptor.text(value)
    }
}
