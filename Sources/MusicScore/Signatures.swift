/// A tempo change. MIDI stores tempo as microseconds per quarter note; that is the truth here too.
public struct TempoChange: Hashable, Sendable {
    /// Tick, ≥ 0.
    public var tick: Int
    /// Microseconds per quarter note, 1...16_777_215 (500_000 = 120 qpm, the MIDI default).
    public var microsecondsPerQuarter: Int

    public init(tick: Int, microsecondsPerQuarter: Int) {
        self.tick = tick
        self.microsecondsPerQuarter = microsecondsPerQuarter
    }

    public init(tick: Int, quartersPerMinute qpm: Double) {
        self.tick = tick
        self.microsecondsPerQuarter = max(1, min(16_777_215, Int((60_000_000 / qpm).rounded())))
    }

    /// Quarter notes per minute.
    public var quartersPerMinute: Double { 60_000_000 / Double(microsecondsPerQuarter) }

    /// 120 qpm, what MIDI assumes before the first tempo event.
    public static let defaultMicrosecondsPerQuarter = 500_000
}

/// A time signature (meter) starting at a tick.
public struct TimeSignature: Hashable, Sendable, CustomStringConvertible {
    /// Tick, ≥ 0.
    public var tick: Int
    /// Beats per bar, 1...255.
    public var numerator: Int
    /// Beat unit as a note value: 1, 2, 4, 8, 16, 32 (a power of two).
    public var denominator: Int

    public init(tick: Int = 0, numerator: Int, denominator: Int) {
        self.tick = tick
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Length of one bar in quarter notes, as a fraction numerator·4/denominator.
    public func ticksPerBar(ticksPerQuarter: Int) -> Int {
        numerator * ticksPerQuarter * 4 / denominator
    }

    public var description: String { "\(numerator)/\(denominator)" }

    /// 4/4, what MIDI assumes before the first time-signature event.
    public static let common = TimeSignature(tick: 0, numerator: 4, denominator: 4)
}

/// A key signature starting at a tick.
public struct KeySignature: Hashable, Sendable, CustomStringConvertible {
    /// Tick, ≥ 0.
    public var tick: Int
    /// Sharps (positive) or flats (negative), -7...7.
    public var sharps: Int
    /// True for a minor key.
    public var isMinor: Bool

    public init(tick: Int = 0, sharps: Int, isMinor: Bool) {
        self.tick = tick
        self.sharps = sharps
        self.isMinor = isMinor
    }

    /// Pitch class of the tonic, 0...11 (0 = C).
    public var tonicPitchClass: Int {
        let major = ((sharps * 7) % 12 + 12) % 12
        return isMinor ? (major + 9) % 12 : major
    }

    /// Name such as "C", "F#m" or "Bb".
    public var description: String {
        let sharpNames = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
        let flatNames = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
        let names = sharps < 0 ? flatNames : sharpNames
        return names[tonicPitchClass] + (isMinor ? "m" : "")
    }

    /// Parses "C", "Am", "F#", "Bbm", "Eb minor", "D major". Returns nil for anything else.
    public init?(name: String, tick: Int = 0) {
        var text = name.trimmingCharacters(in: " ")
        var minor = false
        for suffix in [" minor", "minor", "min", "m"] where text.lowercased().hasSuffix(suffix) {
            minor = true
            text = String(text.dropLast(suffix.count))
            break
        }
        for suffix in [" major", "major", "maj"] where !minor && text.lowercased().hasSuffix(suffix) {
            text = String(text.dropLast(suffix.count))
            break
        }
        let letters: [Character: Int] = ["C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11]
        guard let first = text.first.map({ Character($0.uppercased()) }), var pc = letters[first] else { return nil }
        let accidental = text.dropFirst()
        switch accidental {
        case "": break
        case "#", "♯": pc += 1
        case "b", "♭": pc -= 1
        default: return nil
        }
        pc = (pc + 12) % 12
        let majorTonic = minor ? (pc + 3) % 12 : pc
        // Choose the spelling with the fewest accidentals (F# and Gb both take 6).
        let candidates = (-7...7).filter { (($0 * 7) % 12 + 12) % 12 == majorTonic }
        guard let best = candidates.min(by: { abs($0) < abs($1) || (abs($0) == abs($1) && (accidental == "b") == ($0 < 0)) }) else { return nil }
        self.init(tick: tick, sharps: best, isMinor: minor)
    }

    /// Pitch classes (0...11) of the key's diatonic scale (natural minor for minor keys).
    public var scalePitchClasses: Set<Int> {
        let steps = isMinor ? [0, 2, 3, 5, 7, 8, 10] : [0, 2, 4, 5, 7, 9, 11]
        return Set(steps.map { ($0 + tonicPitchClass) % 12 })
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// A text-like meta event kept with the score: markers, lyrics, copyright, free text.
public struct TextEvent: Hashable, Sendable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case text = 0x01, copyright = 0x02, lyric = 0x05, marker = 0x06, cuePoint = 0x07
    }
    /// Tick, ≥ 0.
    public var tick: Int
    public var kind: Kind
    /// The text, decoded as UTF-8 (Latin-1 where the bytes are not valid UTF-8).
    public var text: String

    public init(tick: Int, kind: Kind, text: String) {
        self.tick = tick
        self.kind = kind
        self.text = text
    }
}
