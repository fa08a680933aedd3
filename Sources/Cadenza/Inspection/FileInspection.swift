import MusicScore

/// What `cadenza inspect` reports about one MIDI file; `Codable` for `--json`.
public struct FileInspection: Codable, Sendable, Equatable {
    public struct TrackSummary: Codable, Sendable, Equatable {
        public var name: String
        public var program: Int
        public var instrument: String
        public var channel: Int
        public var isDrum: Bool
        public var notes: Int
        /// Lowest and highest pitch, nil for an empty track.
        public var lowestPitch: Int?
        public var highestPitch: Int?
        public var sustainPedalEvents: Int
        public var pitchBends: Int
    }

    public var file: String
    public var container: String
    /// SMF format 0, 1 or 2; nil for Clip Files.
    public var format: Int?
    public var ticksPerQuarter: Int
    public var tracks: [TrackSummary]
    public var notes: Int
    public var durationSeconds: Double
    public var durationTicks: Int
    /// Quarter notes per minute at the start, and how many tempo changes follow.
    public var tempo: Double
    public var tempoChanges: Int
    /// Meters in order of appearance ("4/4", "3/4"); ["4/4"] by default.
    public var timeSignatures: [String]
    /// Keys in order of appearance ("C", "Am"); empty when the file gives none.
    public var keySignatures: [String]
    /// Text, marker, lyric and copyright events, "kind: text", at most the first 20.
    public var texts: [String]
    /// What lenient reading repaired (empty for a clean file).
    public var repairs: [String]
    /// Who made the file, when Cadenza generated it (its provenance meta event).
    public var provenance: Provenance?

    public init(file: String, loaded: ScoreLoader.Loaded) {
        let score = loaded.score
        self.file = file
        container = loaded.container.rawValue
        format = loaded.format
        ticksPerQuarter = score.ticksPerQuarter
        tracks = score.tracks.map { track in
            let pitches = track.notes.map(\.pitch)
            return TrackSummary(
                name: track.name, program: Int(track.program),
                instrument: GeneralMIDI.name(program: track.program, isDrum: track.isDrum),
                channel: Int(track.channel), isDrum: track.isDrum, notes: track.notes.count,
                lowestPitch: pitches.min().map(Int.init), highestPitch: pitches.max().map(Int.init),
                sustainPedalEvents: track.controls.filter { $0.controller == ControlChange.sustainPedal }.count,
                pitchBends: track.pitchBends.count)
        }
        notes = score.noteCount
        durationTicks = score.endTick
        durationSeconds = (score.durationSeconds * 1000).rounded() / 1000
        let first = score.tempos.first { $0.tick == 0 } ?? TempoChange(tick: 0, microsecondsPerQuarter: TempoChange.defaultMicrosecondsPerQuarter)
        tempo = (first.quartersPerMinute * 100).rounded() / 100
        tempoChanges = max(0, score.tempos.count - (score.tempos.first?.tick == 0 ? 1 : 0))
        timeSignatures = score.timeSignatures.isEmpty ? ["4/4"] : score.timeSignatures.map(\.description)
        keySignatures = score.keySignatures.map(\.description)
        let provenance = Provenance.read(from: score)
        self.provenance = provenance
        texts = score.texts.filter { !(provenance != nil && $0.text.hasPrefix(Provenance.prefix)) }.prefix(20).map { "\($0.kind): \($0.text)" }
        repairs = loaded.repairs
    }

    /// The human-readable report.
    public var text: String {
        var lines: [String] = []
        lines.append("\(file)")
        lines.append("  container     \(container)" + (format.map { ", format \($0)" } ?? ""))
        lines.append("  resolution    \(ticksPerQuarter) ticks per quarter")
        let minutes = Int(durationSeconds) / 60
        let seconds = durationSeconds - Double(minutes * 60)
        lines.append("  duration      \(minutes):\(seconds < 10 ? "0" : "")\(String(format1: seconds)) (\(durationTicks) ticks)")
        lines.append("  notes         \(notes)")
        lines.append("  tempo         \(String(format1: tempo)) qpm" + (tempoChanges > 0 ? " (+\(tempoChanges) changes)" : ""))
        lines.append("  meter         \(timeSignatures.prefix(8).joined(separator: ", "))" + (timeSignatures.count > 8 ? ", …" : ""))
        lines.append("  key           \(keySignatures.isEmpty ? "not given" : keySignatures.prefix(8).joined(separator: ", "))")
        lines.append("  tracks        \(tracks.count)")
        for (i, t) in tracks.enumerated() {
            let range = t.lowestPitch.map { "pitch \($0)–\(t.highestPitch!)" } ?? "no notes"
            let name = t.name.isEmpty ? "" : " \"\(t.name)\""
            var extras: [String] = []
            if t.sustainPedalEvents > 0 { extras.append("\(t.sustainPedalEvents) pedal") }
            if t.pitchBends > 0 { extras.append("\(t.pitchBends) bends") }
            let extra = extras.isEmpty ? "" : ", " + extras.joined(separator: ", ")
            lines.append("    \(i + 1).\(name) \(t.instrument) (program \(t.program), channel \(t.channel + 1)): \(t.notes) notes, \(range)\(extra)")
        }
        if let p = provenance {
            let r = p.request, s = r.sampling
            lines.append("  generated by  Cadenza \(p.cadenza), model \(p.model) (\(p.modelDescription))")
            var settings = ["genre \(r.genre)", "seed \(r.seed)", r.seconds.map { "\($0) s" } ?? "\(r.bars) bars",
                            "temperature \(s.temperature)", "top-p \(s.topP)"]
            if s.topK > 0 { settings.append("top-k \(s.topK)") }
            if s.minP > 0 { settings.append("min-p \(s.minP)") }
            if s.guidance != 1 { settings.append("guidance \(s.guidance)") }
            if let i = r.instruments { settings.append("instruments " + i.map { $0 == 128 ? "drums" : String($0) }.joined(separator: ",")) }
            if let t = r.tempo { settings.append("tempo \(t)") }
            if let m = r.timeSignature { settings.append("meter \(m)") }
            if let k = r.key { settings.append("key \(k)") }
            if p.promptBars > 0 { settings.append("prompt \(p.promptBars) bars (\(p.promptHash ?? "?"))") }
            lines.append("  settings      " + settings.joined(separator: ", "))
        }
        if !texts.isEmpty {
            lines.append("  texts")
            for text in texts { lines.append("    \(text)") }
        }
        if repairs.isEmpty {
            lines.append("  problems      none")
        } else {
            lines.append("  repairs       \(repairs.count) (lenient reading fixed these; --strict rejects the file)")
            for repair in repairs.prefix(50) { lines.append("    \(repair)") }
            if repairs.count > 50 { lines.append("    … and \(repairs.count - 50) more") }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// One decimal place, without Foundation's locale-dependent formatting.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
