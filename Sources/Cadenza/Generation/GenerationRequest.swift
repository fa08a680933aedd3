import Engine
import MusicScore
import Tokenization

/// Everything that shapes one generated piece except the model and the prompt's bytes: the
/// CLI's flags and the HTTP API's JSON fields, with the same names. Codable, so provenance
/// records it and a file can be regenerated from its own meta event.
public struct GenerationRequest: Sendable, Equatable, Codable {
    /// Genre name from the model's list (`unconditional` for none).
    public var genre: String
    /// Bars to generate after the prompt, 1...`maximumBars`.
    public var bars: Int
    /// Length in seconds instead of bars: the piece ends at the first bar line at or after
    /// this time, and after `bars` bars at most (give `maximumBars` for no other bound).
    public var seconds: Double?
    /// Seed of the sampler: the same model, request and seed give the same bytes.
    public var seed: UInt64
    public var sampling: SamplingSettings
    /// Allowed General MIDI programs (0...127, 0-based) and 128 for drums; nil allows all.
    public var instruments: [Int]?
    /// Tempo in quarter notes per minute, held for the whole piece; nil lets the model choose.
    public var tempo: Double?
    /// Meter such as "3/4", held for the whole piece; nil lets the model choose.
    public var timeSignature: String?
    /// Key such as "C", "F#m", "Bb minor": pitched notes stay on its scale; nil allows all.
    public var key: String?
    /// Bars of the prompt to keep and continue from (all of them when nil).
    public var promptBars: Int?
    /// After this many bars no new instrument may enter: the ensemble is the one the piece
    /// opened with (as in the training music, where a piece keeps its instruments). Nil lets
    /// instruments enter at any bar.
    public var ensembleBars: Int?

    public static let maximumBars = 512

    public init(genre: String = "unconditional", bars: Int = 16, seconds: Double? = nil, seed: UInt64 = 0,
                sampling: SamplingSettings = .init(temperature: 1, topP: 0.95, guidance: 5), instruments: [Int]? = nil,
                tempo: Double? = nil, timeSignature: String? = nil, key: String? = nil, promptBars: Int? = nil,
                ensembleBars: Int? = 4) {
        (self.genre, self.bars, self.seconds, self.seed, self.sampling) = (genre, bars, seconds, seed, sampling)
        (self.instruments, self.tempo, self.timeSignature, self.key, self.promptBars) = (instruments, tempo, timeSignature, key, promptBars)
        self.ensembleBars = ensembleBars
    }
}

/// A request checked against a model's tokenizer: ids and sets instead of names.
struct ResolvedRequest {
    let genreSlot: Int
    let programs: Set<Int>?
    let tempoBin: Int?
    let meterIndex: Int?
    let key: KeySignature?
    let pitchClasses: Set<Int>?

    init(_ r: GenerationRequest, tokenizer: Tokenizer, genres: [String]) throws(CadenzaError) {
        let config = tokenizer.config
        guard let slot = genres.firstIndex(of: r.genre.lowercased()) else {
            throw .invalidSetting(field: "genre", problem: "\"\(r.genre)\" is not a genre of this model",
                                  hint: "choose one of: " + genres.joined(separator: ", "))
        }
        genreSlot = slot
        guard (1...GenerationRequest.maximumBars).contains(r.bars) else {
            throw .invalidSetting(field: "bars", problem: "\(r.bars) is outside 1...\(GenerationRequest.maximumBars)", hint: "ask for fewer bars")
        }
        if let seconds = r.seconds, !(seconds.isFinite && seconds > 0 && seconds <= 3600) {
            throw .invalidSetting(field: "seconds", problem: "\(seconds) is outside (0, 3600]", hint: "ask for at most an hour")
        }
        let s = r.sampling
        guard s.temperature.isFinite, s.temperature >= 0, s.temperature <= 10 else {
            throw .invalidSetting(field: "temperature", problem: "\(s.temperature) is outside 0...10", hint: "1 samples the model as trained, 0 is greedy")
        }
        guard s.topK >= 0 else { throw .invalidSetting(field: "top-k", problem: "\(s.topK) is negative", hint: "0 turns it off") }
        guard s.topP.isFinite, s.topP > 0, s.topP <= 1 else {
            throw .invalidSetting(field: "top-p", problem: "\(s.topP) is outside (0, 1]", hint: "1 turns it off")
        }
        guard s.minP.isFinite, s.minP >= 0, s.minP < 1 else {
            throw .invalidSetting(field: "min-p", problem: "\(s.minP) is outside [0, 1)", hint: "0 turns it off")
        }
        guard s.guidance.isFinite, s.guidance >= 0, s.guidance <= 20 else {
            throw .invalidSetting(field: "guidance", problem: "\(s.guidance) is outside 0...20", hint: "1 is plain conditional sampling; 3–6 strengthens the genre (default 5)")
        }
        if let instruments = r.instruments {
            guard !instruments.isEmpty else { throw .invalidSetting(field: "instruments", problem: "is empty", hint: "name at least one program, or leave it out") }
            if let bad = instruments.first(where: { !(0...Token.drumProgram).contains($0) }) {
                throw .invalidSetting(field: "instruments", problem: "\(bad) is not a General MIDI program", hint: "use 0...127, or 128 / \"drums\" for the drum kit")
            }
            programs = Set(instruments)
        } else {
            programs = nil
        }
        if let qpm = r.tempo {
            let range = config.tempoRange
            guard qpm.isFinite, Double(range.lowerBound) <= qpm, qpm <= Double(range.upperBound) else {
                throw .invalidSetting(field: "tempo", problem: "\(qpm) BPM is outside \(range.lowerBound)...\(range.upperBound)", hint: "the tokenizer's tempo range")
            }
            tempoBin = tokenizer.tempoBin(quartersPerMinute: qpm)
        } else {
            tempoBin = nil
        }
        if let text = r.timeSignature {
            let parts = text.split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let index = config.timeSignatures.firstIndex(of: Meter(parts[0], parts[1])) else {
                throw .invalidSetting(field: "time-signature", problem: "\"\(text)\" is not a meter the model knows",
                                      hint: "one of " + config.timeSignatures.map(\.description).joined(separator: ", "))
            }
            meterIndex = index
        } else {
            meterIndex = nil
        }
        if let name = r.key {
            guard let key = KeySignature(name: name) else {
                throw .invalidSetting(field: "key", problem: "\"\(name)\" is not a key", hint: "for example C, F#, Bb, Am, C# minor")
            }
            (self.key, pitchClasses) = (key, key.scalePitchClasses)
        } else {
            (key, pitchClasses) = (nil, nil)
        }
        if let bars = r.ensembleBars, bars < 1 {
            throw .invalidSetting(field: "ensemble-bars", problem: "\(bars) is below 1", hint: "leave it out to let instruments enter at any bar")
        }
        if let bars = r.promptBars, bars < 1 {
            throw .invalidSetting(field: "prompt-bars", problem: "\(bars) is below 1", hint: "leave it out to keep the whole prompt")
        }
    }
}
