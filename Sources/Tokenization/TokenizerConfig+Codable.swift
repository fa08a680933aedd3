#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MusicScore

/// Why a tokenizer config cannot be used.
public enum TokenizerConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The config was written by a format version this build does not know.
    case unsupportedVersion(found: Int, supported: Int)
    /// A field holds a value the tokenizer cannot work with.
    case invalidField(field: String, reason: String)
    /// The JSON could not be read (missing key, wrong type); `detail` is the decoder's message.
    case malformedJSON(detail: String)

    public var description: String {
        switch self {
        case .unsupportedVersion(let found, let supported):
            "tokenizer config version \(found) is not supported (this build reads version \(supported)); "
                + "rebuild the dataset or checkpoint with this version of Cadenza"
        case .invalidField(let field, let reason):
            "tokenizer config field \"\(field)\" is invalid: \(reason)"
        case .malformedJSON(let detail):
            "tokenizer config JSON is malformed: \(detail)"
        }
    }
}

extension TokenizerConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case version, stepsPerQuarter, maxBarQuarters, velocityBins, durationSteps, tempoBins, tempoRange
        case timeSignatures, genreSlots, genres, drumKeys, applySustain
    }

    /// Reads a config, checking `version` before anything else and validating the result. Every
    /// key is required: a config is a contract, and a silently defaulted field would change ids.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .version)
        guard version == TokenizerConfig.currentVersion else {
            throw TokenizerConfigError.unsupportedVersion(found: version, supported: TokenizerConfig.currentVersion)
        }
        self.init()
        self.version = version
        stepsPerQuarter = try c.decode(Int.self, forKey: .stepsPerQuarter)
        maxBarQuarters = try c.decode(Int.self, forKey: .maxBarQuarters)
        velocityBins = try c.decode(Int.self, forKey: .velocityBins)
        durationSteps = try c.decode([Int].self, forKey: .durationSteps)
        tempoBins = try c.decode(Int.self, forKey: .tempoBins)
        tempoRange = try c.decode(ClosedRange<Int>.self, forKey: .tempoRange)
        timeSignatures = try c.decode([Meter].self, forKey: .timeSignatures)
        genreSlots = try c.decode(Int.self, forKey: .genreSlots)
        genres = try c.decode([String].self, forKey: .genres)
        drumKeys = try c.decode(ClosedRange<Int>.self, forKey: .drumKeys)
        applySustain = try c.decode(Bool.self, forKey: .applySustain)
        try validate()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(stepsPerQuarter, forKey: .stepsPerQuarter)
        try c.encode(maxBarQuarters, forKey: .maxBarQuarters)
        try c.encode(velocityBins, forKey: .velocityBins)
        try c.encode(durationSteps, forKey: .durationSteps)
        try c.encode(tempoBins, forKey: .tempoBins)
        try c.encode(tempoRange, forKey: .tempoRange)
        try c.encode(timeSignatures, forKey: .timeSignatures)
        try c.encode(genreSlots, forKey: .genreSlots)
        try c.encode(genres, forKey: .genres)
        try c.encode(drumKeys, forKey: .drumKeys)
        try c.encode(applySustain, forKey: .applySustain)
    }

    /// The config as compact JSON with sorted keys: the canonical form that is hashed and stored.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain integers, strings and booleans cannot fail.
        guard let data = try? encoder.encode(self) else { preconditionFailure("TokenizerConfig is always encodable") }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads a config from JSON (as written by `canonicalJSON` or any JSON encoder).
    public init(json: some Collection<UInt8>) throws(TokenizerConfigError) {
        do {
            self = try JSONDecoder().decode(TokenizerConfig.self, from: Data(json))
        } catch let error as TokenizerConfigError {
            throw error
        } catch {
            throw .malformedJSON(detail: "\(error)")
        }
    }

    /// 64-bit FNV-1a (`StableHasher`) of `canonicalJSON`: equal on every run and machine, and
    /// different whenever any field differs. Shards and checkpoints compare it on load.
    public var fingerprint: UInt64 { StableHasher.hash(canonicalJSON.utf8) }

    /// Checks every field; `Tokenizer.init` requires a valid config.
    public func validate() throws(TokenizerConfigError) {
        func fail(_ field: String, _ reason: String) -> TokenizerConfigError { .invalidField(field: field, reason: reason) }
        guard version == TokenizerConfig.currentVersion else {
            throw .unsupportedVersion(found: version, supported: TokenizerConfig.currentVersion)
        }
        guard (1...960).contains(stepsPerQuarter) else { throw fail("stepsPerQuarter", "\(stepsPerQuarter) is outside 1...960") }
        guard (1...64).contains(maxBarQuarters) else { throw fail("maxBarQuarters", "\(maxBarQuarters) is outside 1...64") }
        guard (1...64).contains(velocityBins) else { throw fail("velocityBins", "\(velocityBins) is outside 1...64") }
        guard let first = durationSteps.first, first >= 1 else { throw fail("durationSteps", "needs at least one length ≥ 1 step") }
        guard zip(durationSteps, durationSteps.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("durationSteps", "lengths must be strictly increasing")
        }
        guard tempoBins >= 2 else { throw fail("tempoBins", "needs at least 2 bins, found \(tempoBins)") }
        guard tempoRange.lowerBound >= 1, tempoRange.lowerBound < tempoRange.upperBound else {
            throw fail("tempoRange", "needs 1 ≤ slowest < fastest qpm, found \(tempoRange)")
        }
        guard !timeSignatures.isEmpty, Set(timeSignatures).count == timeSignatures.count else {
            throw fail("timeSignatures", "needs a non-empty list without repeats")
        }
        for meter in timeSignatures {
            let d = meter.denominator
            guard meter.numerator >= 1, d >= 1, d & (d - 1) == 0 else {
                throw fail("timeSignatures", "\(meter) is not a meter (numerator ≥ 1, denominator a power of two)")
            }
            guard (meter.numerator * 4 * stepsPerQuarter) % d == 0 else {
                throw fail("timeSignatures", "a bar of \(meter) is not a whole number of grid steps")
            }
            guard meter.barSteps(stepsPerQuarter: stepsPerQuarter) <= positionCount else {
                throw fail("timeSignatures", "a bar of \(meter) is longer than maxBarQuarters (\(maxBarQuarters))")
            }
        }
        guard timeSignatures.contains(Meter(4, 4)) else {
            throw fail("timeSignatures", "must include 4/4, the meter MIDI assumes when a file states none")
        }
        guard genreSlots >= 1 else { throw fail("genreSlots", "needs at least one slot") }
        guard !genres.isEmpty, genres.count <= genreSlots else {
            throw fail("genres", "needs 1...\(genreSlots) names (genreSlots), found \(genres.count)")
        }
        guard Set(genres.map { $0.lowercased() }).count == genres.count else {
            throw fail("genres", "names must be unique (case-insensitive)")
        }
        guard drumKeys.lowerBound >= 0, drumKeys.upperBound <= 127 else {
            throw fail("drumKeys", "\(drumKeys) is outside 0...127")
        }
        // Shards store ids as UInt16.
        guard Vocabulary.size(of: self) <= 65_536 else {
            throw fail("vocabulary", "\(Vocabulary.size(of: self)) ids do not fit in 16 bits")
        }
    }
}
