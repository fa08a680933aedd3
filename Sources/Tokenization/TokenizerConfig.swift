#if canImport(Glibc)
import Glibc  // pow
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that fixes the meaning of token ids: the grid, the bins, the supported meters and
/// the genre names. It is data: shards and checkpoints store it (as `canonicalJSON`) and compare
/// `fingerprint`s on load, so a model never reads tokens made under another config.
///
/// Decoding JSON checks `version` first (an unknown version throws
/// `TokenizerConfigError.unsupportedVersion`) and then `validate()`s the fields.
public struct TokenizerConfig: Hashable, Sendable {
    /// The config format this code reads and writes.
    public static let currentVersion = 1

    /// Format version; only `currentVersion` (1) is understood.
    public var version: Int = TokenizerConfig.currentVersion
    /// Grid steps per quarter note. 12 holds both sixteenths (3 steps) and eighth-note triplets (4 steps).
    public var stepsPerQuarter: Int = 12
    /// Longest bar, in quarter notes; `Position` has `stepsPerQuarter · maxBarQuarters` values (72).
    public var maxBarQuarters: Int = 6
    /// Number of velocity bins, 1...64. Bins are uniform over MIDI velocities 0...127:
    /// velocity `v` falls in bin `v · velocityBins / 128` and bin `i` decodes to its centre
    /// `(2i + 1) · 64 / velocityBins` (with 16 bins: width 8, centre `8i + 4`).
    public var velocityBins: Int = 16
    /// Note lengths a `Duration` token can state, in grid steps, strictly increasing. A length is
    /// rounded to the nearest entry (ties to the shorter) and clamped to the last.
    public var durationSteps: [Int] = Array(1...12) + [15, 18, 21, 24, 30, 36, 42, 48, 60, 72, 84, 96,
                                                       120, 144, 168, 192, 240, 288, 336, 384]
    /// Number of tempo bins, ≥ 2, log-spaced over `tempoRange` (see `tempoQuartersPerMinute(bin:)`).
    public var tempoBins: Int = 32
    /// Slowest and fastest tempo bin, in quarter notes per minute (qpm).
    public var tempoRange: ClosedRange<Int> = 40...240
    /// Meters a `TimeSignature` token can state; must include 4/4 (the MIDI default).
    public var timeSignatures: [Meter] = [
        Meter(2, 4), Meter(3, 4), Meter(4, 4), Meter(5, 4), Meter(6, 4), Meter(2, 2), Meter(3, 2),
        Meter(3, 8), Meter(5, 8), Meter(6, 8), Meter(7, 8), Meter(9, 8), Meter(12, 8),
    ]
    /// Number of `Genre` ids reserved in the vocabulary; `genres` may grow up to it without
    /// changing the vocabulary size.
    public var genreSlots: Int = 16
    /// Genre names by slot, lowercase. Slot 0 is the unconditional (pre-training / guidance) genre.
    public var genres: [String] = ["unconditional", "classical", "pop", "jazz", "folk", "game", "electronic"]
    /// GM percussion keys a `DrumPitch` can state; drum notes outside are dropped.
    public var drumKeys: ClosedRange<Int> = 27...87
    /// Extend notes held by the sustain pedal (controller 64) before tokenizing.
    public var applySustain: Bool = true

    /// The default config (version 1): 503 ids.
    public init() {}

    /// Number of `Position` values: grid steps in the longest bar.
    public var positionCount: Int { stepsPerQuarter * maxBarQuarters }

    /// The genre slot named `name` (case-insensitive), nil when the config has no such genre.
    public func genreSlot(named name: String) -> Int? {
        let wanted = name.lowercased()
        return genres.firstIndex { $0.lowercased() == wanted }
    }

    /// Bar length in grid steps of `timeSignatures[index]`.
    public func barSteps(meterIndex index: Int) -> Int {
        timeSignatures[index].barSteps(stepsPerQuarter: stepsPerQuarter)
    }

    /// Quarter notes per minute of tempo bin `bin`: `lo · (hi / lo)^(bin / (tempoBins − 1))` with
    /// `lo...hi = tempoRange`, so bin 0 is 40 qpm, bin 19 is 120 qpm, bin 31 is 240 qpm and neighbours differ by
    /// about 6% (default config). A tempo maps to the bin nearest in log space.
    public func tempoQuartersPerMinute(bin: Int) -> Double {
        let lo = Double(tempoRange.lowerBound)
        let hi = Double(tempoRange.upperBound)
        // Whole qpm: with 40...240 and 32 bins the grid holds 60, 80, 90, 120, 160, 180 and 240
        // exactly, so a file without a tempo (120 qpm) decodes at exactly 120.
        return (lo * pow(hi / lo, Double(bin) / Double(tempoBins - 1))).rounded()
    }

    /// Representative velocity (MIDI 1.0, 1...127) of velocity bin `bin`: the bin's centre.
    public func velocity(bin: Int) -> Int { (2 * bin + 1) * 64 / velocityBins }

    /// The velocity bin of a MIDI 1.0 velocity 0...127.
    public func velocityBin(_ velocity: Int) -> Int {
        min(velocityBins - 1, max(0, velocity) * velocityBins / 128)
    }
}

/// A meter as the tokenizer lists it; stored in JSON as the string "3/4".
public struct Meter: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Beats per bar, ≥ 1.
    public var numerator: Int
    /// Beat unit, a power of two (2 = half, 4 = quarter, 8 = eighth).
    public var denominator: Int

    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Bar length in grid steps (exact when `barStepsAreWhole`).
    public func barSteps(stepsPerQuarter: Int) -> Int { numerator * 4 * stepsPerQuarter / denominator }

    /// Bar length in quarter notes.
    public var quarters: Double { Double(numerator) * 4 / Double(denominator) }

    public var description: String { "\(numerator)/\(denominator)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "meter \"\(text)\" is not of the form \"3/4\""))
        }
        self.init(n, d)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
