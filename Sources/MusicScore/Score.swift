/// A piece of music as Cadenza understands it: tracks of notes on an integer tick clock,
/// with the tempo map, meter and key that give the ticks their meaning.
///
/// The score holds no parsing and no file format: `MIDIFormats` reads and writes it,
/// `Tokenization` turns it into tokens. Seconds are always derived from `tempos`
/// (see `TempoMap`), never stored.
public struct Score: Hashable, Sendable {
    /// Clock resolution: ticks per quarter note, 1...32767.
    public var ticksPerQuarter: Int
    /// Parts, in file order.
    public var tracks: [Track]
    /// Tempo changes sorted by tick. Empty means 120 qpm throughout.
    public var tempos: [TempoChange]
    /// Time signatures sorted by tick. Empty means 4/4 throughout.
    public var timeSignatures: [TimeSignature]
    /// Key signatures sorted by tick. Empty means unknown.
    public var keySignatures: [KeySignature]
    /// Markers, lyrics, copyright and text events, sorted by tick.
    public var texts: [TextEvent]

    public init(
        ticksPerQuarter: Int, tracks: [Track] = [], tempos: [TempoChange] = [],
        timeSignatures: [TimeSignature] = [], keySignatures: [KeySignature] = [], texts: [TextEvent] = []
    ) {
        self.ticksPerQuarter = ticksPerQuarter
        self.tracks = tracks
        self.tempos = tempos
        self.timeSignatures = timeSignatures
        self.keySignatures = keySignatures
        self.texts = texts
    }

    /// Total number of notes over all tracks.
    public var noteCount: Int { tracks.reduce(0) { $0 + $1.notes.count } }

    /// The tick where the last note ends (exclusive), 0 for an empty score.
    public var endTick: Int { tracks.reduce(0) { max($0, $1.endTick) } }

    /// Length in seconds, from the tempo map.
    public var durationSeconds: Double { tempoMap.seconds(atTick: endTick) }

    /// Length in quarter notes (beats of a x/4 meter).
    public var durationQuarters: Double { Double(endTick) / Double(ticksPerQuarter) }

    /// The tick↔second conversion for this score.
    public var tempoMap: TempoMap { TempoMap(ticksPerQuarter: ticksPerQuarter, tempos: tempos) }

    /// The time signature in force at `tick` (4/4 before the first one).
    public func timeSignature(atTick tick: Int) -> TimeSignature {
        var current = TimeSignature.common
        for signature in timeSignatures {
            if signature.tick > tick { break }
            current = signature
        }
        return current
    }

    /// Bar start ticks from 0 up to and including the bar that contains `endTick - 1`,
    /// following the time-signature changes. A signature that starts mid-bar starts a new bar.
    public func barStarts(through lastTick: Int? = nil) -> [Int] {
        let limit = max(lastTick ?? (endTick - 1), 0)
        var starts: [Int] = []
        var signatures = timeSignatures.filter { $0.tick >= 0 }.sorted { $0.tick < $1.tick }
        if signatures.first?.tick != 0 { signatures.insert(.common, at: 0) }
        var index = 0
        var tick = 0
        while tick <= limit {
            starts.append(tick)
            while index + 1 < signatures.count, signatures[index + 1].tick <= tick { index += 1 }
            let barLength = max(1, signatures[index].ticksPerBar(ticksPerQuarter: ticksPerQuarter))
            var next = tick + barLength
            if index + 1 < signatures.count, signatures[index + 1].tick < next {
                next = signatures[index + 1].tick
            }
            tick = next
        }
        return starts
    }

    /// Sorts every event list into its documented order. Readers and edits call this once.
    public mutating func normalizeOrder() {
        for i in tracks.indices {
            tracks[i].notes.sort()
            tracks[i].controls.sort { ($0.tick, $0.controller) < ($1.tick, $1.controller) }
            tracks[i].pitchBends.sort { $0.tick < $1.tick }
        }
        tempos.sort { $0.tick < $1.tick }
        timeSignatures.sort { $0.tick < $1.tick }
        keySignatures.sort { $0.tick < $1.tick }
        texts.sort { $0.tick < $1.tick }
    }
}
