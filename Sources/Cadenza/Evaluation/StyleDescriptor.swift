import Foundation

/// The numeric facts `StyleDescriptors` holds, with how to print each and how much spread
/// between genres is too small to call distinctive.
public enum StyleDescriptor: String, CaseIterable, Codable, Sendable {
    case swingRatio, seventhChords, triads, syncopation, polyphony, pitchRange, notesPerBeat, drums, majorKeys

    /// The smallest standard deviation over genres that `StyleDescriptors.distinctive` divides
    /// by, in the descriptor's unit: differences below about this much are noise, not style.
    public var minimumSpread: Double {
        switch self {
        case .swingRatio: 0.1
        case .seventhChords, .triads, .syncopation, .drums, .majorKeys: 0.05
        case .polyphony, .notesPerBeat: 0.2
        case .pitchRange: 2
        }
    }

    /// Short text for `value`: "swing ratio 1.6", "7th chords 42%", "syncopation 12%",
    /// "polyphony 2.4", "pitch range 31 semitones", "3.2 notes per beat", "drums in 80% of pieces",
    /// "major keys 70%". Shares (0...1) print as whole percentages.
    public func text(_ value: Double) -> String {
        func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
        switch self {
        case .swingRatio: return "swing ratio " + String(format: "%.1f", value)
        case .seventhChords: return "7th chords " + percent(value)
        case .triads: return "triads " + percent(value)
        case .syncopation: return "syncopation " + percent(value)
        case .polyphony: return "polyphony " + String(format: "%.1f", value)
        case .pitchRange: return "pitch range \(Int(value.rounded())) semitones"
        case .notesPerBeat: return String(format: "%.1f", value) + " notes per beat"
        case .drums: return "drums in " + percent(value) + " of pieces"
        case .majorKeys: return "major keys " + percent(value)
        }
    }
}
