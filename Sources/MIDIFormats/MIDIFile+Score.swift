import MusicScore

/// What `MIDIFile.readScore` found: the score and how the file was built.
public struct ScoreReading: Sendable {
    public var score: Score
    /// The file's format after lenient repairs (0, 1 or 2).
    public var format: Int
    /// Number of `MTrk` chunks read.
    public var trackChunks: Int
    /// Everything reading changed, in file order, including the orphan note-offs dropped and the
    /// unterminated notes closed while pairing notes.
    public var repairs: [MIDIRepair]
    /// For each track of `score`, the 0-based index of the track chunk it came from.
    public var sourceChunks: [Int]

    public init(score: Score, format: Int, trackChunks: Int, repairs: [MIDIRepair], sourceChunks: [Int]) {
        self.score = score
        self.format = format
        self.trackChunks = trackChunks
        self.repairs = repairs
        self.sourceChunks = sourceChunks
    }
}

extension MIDIFile {
    /// Bytes → `Score` in one pass, without building the event list: the path the dataset
    /// builder uses. Same reader, same repairs and same score as
    /// `Score(midiFile: MIDIFile(bytes:mode:))`; see `ScoreBuilder` for the conversion rules.
    public static func readScore(bytes: [UInt8], mode: MIDIReadMode = .lenient) throws(MIDIError) -> ScoreReading {
        try readScore(bytes: bytes, mode: mode, maximumEvents: maximumEventCount)
    }

    static func readScore(bytes: [UInt8], mode: MIDIReadMode, maximumEvents: Int) throws(MIDIError) -> ScoreReading {
        var reader = SMFReader(mode: mode, maximumEvents: maximumEvents)
        var builder = ScoreBuilder()
        defer { builder.deallocate() }
        let summary = try bytes.withUnsafeBufferPointer { (buffer) throws(MIDIError) in
            try reader.read(buffer, into: &builder)
        }
        let score = builder.finish()
        return ScoreReading(
            score: score, format: summary.format, trackChunks: summary.trackChunks, repairs: reader.repairs,
            sourceChunks: builder.sourceChunks)
    }

    /// A format-1 file of `score`: track 0 is the conductor track (tempo, time and key
    /// signatures, and the score's texts as text meta events of their kind), then one track per
    /// score track with its name (0x03), its program change at tick 0, its notes, controls and
    /// pitch bends. The division is the score's ticks per quarter (clamped to 1...32767).
    ///
    /// Choices that make reading the result give the same score back:
    /// - drum tracks are written on channel 9, other tracks on `channel` (0...15);
    /// - velocities are the notes' MIDI 1.0 velocities, at least 1 (0 would be a note-off);
    ///   note-offs are written as note-ons with velocity 0, so running status covers them;
    /// - events of one tick go: name, program, note-offs of notes that started earlier,
    ///   controls, pitch bends, note-ons (shortest first), then note-offs of notes of
    ///   duration 0. With FIFO pairing that closes every note at its own end, provided that
    ///   notes of one key in a track do not nest (a later start never ends earlier), which
    ///   holds for every score read from a file. Nested same-key notes cannot be told apart in
    ///   MIDI 1.0; the reader pairs them first-in-first-out.
    public init(score: Score) {
        var conductor = EventSorter()
        for tempo in score.tempos {
            conductor.add(tempo.tick, rank: 0, .meta(.tempo(microsecondsPerQuarter: tempo.microsecondsPerQuarter)))
        }
        for meter in score.timeSignatures {
            let power = meter.denominator >= 1 ? Int.bitWidth - 1 - meter.denominator.leadingZeroBitCount : 2
            let event = MIDIMetaEvent.timeSignature(
                numerator: UInt8(max(1, min(255, meter.numerator))), denominatorPower: UInt8(min(6, power)),
                clocksPerClick: 24, thirtySecondsPerQuarter: 8)
            conductor.add(meter.tick, rank: 1, .meta(event))
        }
        for key in score.keySignatures {
            conductor.add(key.tick, rank: 2, .meta(.keySignature(sharps: Int8(max(-7, min(7, key.sharps))), isMinor: key.isMinor)))
        }
        for text in score.texts {
            conductor.add(text.tick, rank: 3, .meta(.text(MIDITextType(rawValue: text.kind.rawValue), Array(text.text.utf8))))
        }
        var tracks = [MIDITrack(events: conductor.sorted())]
        for track in score.tracks {
            tracks.append(MIDITrack(events: Self.events(of: track)))
        }
        self.init(format: 1, division: .ticksPerQuarter(max(1, min(32767, score.ticksPerQuarter))), tracks: tracks)
    }

    private static func events(of track: Track) -> [MIDIEvent] {
        let channel: UInt8 = track.isDrum ? 9 : track.channel & 0x0F
        var sorter = EventSorter()
        if !track.name.isEmpty { sorter.add(0, rank: 0, .meta(.text(.trackName, Array(track.name.utf8)))) }
        sorter.add(0, rank: 1, .programChange(channel: channel, program: min(track.program, 127)))
        for note in track.notes {
            let key = min(note.pitch, 127)
            let start = min(max(0, note.start), maximumTick)
            let duration = min(max(0, note.duration), maximumTick - start)
            let velocity = max(1, note.velocity)
            sorter.add(start, rank: 5, minor: duration << 14 | Int(key) << 7 | Int(velocity), .noteOn(channel: channel, key: key, velocity: velocity))
            sorter.add(start + duration, rank: duration > 0 ? 2 : 6, minor: Int(key), .noteOn(channel: channel, key: key, velocity: 0))
        }
        for control in track.controls {
            sorter.add(control.tick, rank: 3, .controlChange(channel: channel, controller: min(control.controller, 127), value: min(control.value, 127)))
        }
        for bend in track.pitchBends {
            sorter.add(bend.tick, rank: 4, .pitchBend(channel: channel, value: bend.value))
        }
        return sorter.sorted()
    }
}

/// Orders events by (tick, rank, minor key, insertion order). Notes are ranked by their whole
/// content, so a track's notes in any order give the same bytes; controls and bends of one tick
/// keep the score's order, which is their meaning (pedal up, then down).
private struct EventSorter {
    private var items: [(tick: Int, rank: Int, minor: Int, sequence: Int, kind: MIDIEvent.Kind)] = []

    mutating func add(_ tick: Int, rank: Int, minor: Int = 0, _ kind: MIDIEvent.Kind) {
        items.append((min(max(0, tick), MIDIFile.maximumTick), rank, minor, items.count, kind))
    }

    func sorted() -> [MIDIEvent] {
        items.sorted { ($0.tick, $0.rank, $0.minor, $0.sequence) < ($1.tick, $1.rank, $1.minor, $1.sequence) }
            .map { MIDIEvent(tick: $0.tick, $0.kind) }
    }
}

extension Score {
    /// The score of a MIDI file, by the rules of `MIDIFile.readScore` (see `ScoreBuilder`):
    /// events are taken in the order the writer would write them, note-offs with no sounding
    /// note are ignored and notes still sounding are closed at the track's last tick, so this
    /// equals reading `midiFile.bytes()` with `MIDIFile.readScore`.
    ///
    /// SMPTE division: ticks keep their values on a clock of `fps × ticksPerFrame / 2` ticks per
    /// quarter (29 fps meaning 29.97), with one tempo at tick 0 that makes those quarters last
    /// what the SMPTE ticks last; the file's own tempo events are dropped, as SMPTE timing ignores them.
    public init(midiFile: MIDIFile) {
        var builder = ScoreBuilder()
        builder.begin(division: midiFile.division.normalized)
        var pairing = NotePairing()
        defer {
            builder.deallocate()
            pairing.deallocate()
        }
        let tracks = midiFile.tracks.isEmpty ? [MIDITrack()] : Array(midiFile.tracks.prefix(0xFFFF))
        for (index, track) in tracks.enumerated() {
            builder.beginTrack(chunkIndex: index, dataLength: 0)
            let (events, endTick) = track.writingOrder()
            for event in events {
                if let message = event.kind.wireMessage {
                    let high = message.status & 0xF0
                    let channel = message.status & 0x0F
                    let key = NotePairing.key(channel: channel, key: message.data1)
                    if high == 0x90 && message.data2 > 0 {
                        let handle = builder.noteOn(tick: event.tick, channel: channel, key: message.data1, velocity: message.data2)
                        pairing.push(key: key, handle: handle, offset: 0)
                    } else if high == 0x80 || high == 0x90 {
                        if let open = pairing.pop(key: key) {
                            builder.noteOff(
                                tick: event.tick, channel: channel, key: message.data1, velocity: message.data2,
                                writtenAsNoteOn: high == 0x90, handle: open.handle)
                        }
                    } else {
                        builder.channelMessage(tick: event.tick, status: message.status, data1: message.data1, data2: message.data2)
                    }
                } else if case .meta(let meta) = event.kind {
                    let (type, data) = meta.encoded
                    data.withUnsafeBufferPointer { buffer in
                        builder.meta(tick: event.tick, type: type, data: buffer, wellFormed: metaProblem(type: type, data: buffer) == nil)
                    }
                }
            }
            pairing.drain { key, open in
                builder.noteOff(tick: endTick, channel: UInt8(key >> 7), key: UInt8(key & 0x7F), velocity: 0, writtenAsNoteOn: false, handle: open.handle)
            }
            builder.endTrack()
        }
        self = builder.finish()
    }
}
