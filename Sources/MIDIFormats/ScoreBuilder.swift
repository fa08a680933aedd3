import MusicScore

/// Builds a `Score` from what the reader decodes, with the rules both `Score(midiFile:)` and
/// `MIDIFile.readScore` follow:
///
/// - one score track per (track chunk, channel) pair that has notes or a program change, in
///   chunk order then channel order (so format 0 files split by channel); its program is the
///   first program change on that channel of that chunk (0 if none), channel 9 is a drum track,
///   and its name is the chunk's first track-name meta event (0x03);
/// - tempo, time-signature and key-signature events and text events (text, copyright, lyric,
///   marker, cue point) of every track go to the score; malformed ones are ignored;
/// - control changes (the sustain pedal, 64, among them) and pitch bends stay with their track;
///   aftertouch is dropped;
/// - with SMPTE division the ticks are kept and read against a derived quarter-note clock
///   (`smpteClock`); the file's tempo events, which SMPTE timing ignores, are replaced by the one
///   tempo that makes that clock run at the file's ticks per second.
struct ScoreBuilder: SMFSink {
    /// A note of the current track chunk; `end` is set when it is closed.
    private struct RawNote {
        var start: Int
        var end: Int
        var key: UInt8
        var velocity: UInt8
        var channel: UInt8
    }

    /// A control change or (`isBend`) a pitch bend of the current track chunk.
    private struct RawControl {
        var tick: Int
        var channel: UInt8
        var isBend: Bool
        var data1: UInt8
        var data2: UInt8
    }

    private(set) var score = Score(ticksPerQuarter: 480)
    /// For each score track, the 0-based index of the track chunk it came from.
    private(set) var sourceChunks: [Int] = []
    private var usesSMPTE = false
    private var chunkIndex = 0
    private var trackName: String? = nil
    // Per track chunk, reused: notes and controls of all channels in file order, and the first
    // program of each channel (-1: none). Split by channel when the chunk ends.
    private var notes = RawBuffer<RawNote>(capacity: 64)
    private var controls = RawBuffer<RawControl>(capacity: 16)
    private var programs = [Int](repeating: -1, count: 16)
    /// Bit c set: channel c has a note or a program change in this chunk.
    private var channelsWithParts: UInt16 = 0

    /// Frees the note and control buffers; the owner calls it once, when done.
    func deallocate() {
        notes.deallocate()
        controls.deallocate()
    }

    /// A quarter-note clock for SMPTE timing: ticks per second `fps × ticksPerFrame` (29 meaning
    /// 30000/1001 frames per second) become ticks per quarter at 120 qpm, rounded, and the tempo
    /// is set so that one tick still lasts exactly (to the microsecond per quarter) its SMPTE time.
    static func smpteClock(framesPerSecond fps: Int, ticksPerFrame: Int) -> (ticksPerQuarter: Int, microsecondsPerQuarter: Int) {
        // Ticks per second as a fraction num/den.
        let num = fps == 29 ? 30_000 * ticksPerFrame : fps * ticksPerFrame
        let den = fps == 29 ? 1_001 : 1
        let ticksPerQuarter = max(1, (num + den) / (2 * den))  // num/(2·den), rounded
        let microseconds = (ticksPerQuarter * 1_000_000 * den * 2 + num) / (2 * num)
        return (ticksPerQuarter, max(1, min(0xFF_FFFF, microseconds)))
    }

    mutating func begin(division: MIDIFile.Division) {
        switch division {
        case .ticksPerQuarter(let ticks):
            score.ticksPerQuarter = ticks
        case .smpte(let fps, let ticksPerFrame):
            let clock = Self.smpteClock(framesPerSecond: fps, ticksPerFrame: ticksPerFrame)
            score.ticksPerQuarter = clock.ticksPerQuarter
            score.tempos = [TempoChange(tick: 0, microsecondsPerQuarter: clock.microsecondsPerQuarter)]
            usesSMPTE = true
        }
    }

    mutating func beginTrack(chunkIndex: Int, dataLength: Int) {
        self.chunkIndex = chunkIndex
        trackName = nil
        notes.removeAll()
        controls.removeAll()
        // A note takes at least 6 bytes (note-on and note-off with running status); reserving
        // a sixth of the chunk (a length already checked against the file size) saves regrowing.
        notes.reserveCapacity(dataLength / 6)
        channelsWithParts = 0
        for channel in 0..<16 { programs[channel] = -1 }
    }

    @inline(__always)
    mutating func noteOn(tick: Int, channel: UInt8, key: UInt8, velocity: UInt8) -> Int32 {
        notes.append(RawNote(start: tick, end: tick, key: key, velocity: velocity, channel: channel))
        channelsWithParts |= 1 << UInt16(channel)
        return Int32(truncatingIfNeeded: notes.count - 1)
    }

    @inline(__always)
    mutating func noteOff(tick: Int, channel: UInt8, key: UInt8, velocity: UInt8, writtenAsNoteOn: Bool, handle: Int32) {
        notes[Int(handle)].end = tick
    }

    mutating func channelMessage(tick: Int, status: UInt8, data1: UInt8, data2: UInt8) {
        let channel = status & 0x0F
        switch status & 0xF0 {
        case 0xB0: controls.append(RawControl(tick: tick, channel: channel, isBend: false, data1: data1, data2: data2))
        case 0xE0: controls.append(RawControl(tick: tick, channel: channel, isBend: true, data1: data1, data2: data2))
        case 0xC0:
            if programs[Int(channel)] < 0 {
                programs[Int(channel)] = Int(data1)
                channelsWithParts |= 1 << UInt16(channel)
            }
        default: break  // aftertouch has no place in a Score
        }
    }

    mutating func meta(tick: Int, type: UInt8, data: UnsafeBufferPointer<UInt8>, wellFormed: Bool) {
        guard wellFormed else { return }
        switch type {
        case 0x03:
            if trackName == nil { trackName = decodeMIDIText(data) }
        case 0x01, 0x02, 0x05, 0x06, 0x07:
            if let kind = TextEvent.Kind(rawValue: type) {
                score.texts.append(TextEvent(tick: tick, kind: kind, text: decodeMIDIText(data)))
            }
        case 0x51:
            if !usesSMPTE { score.tempos.append(TempoChange(tick: tick, microsecondsPerQuarter: readTempo(data))) }
        case 0x58:
            score.timeSignatures.append(TimeSignature(tick: tick, numerator: Int(data[0]), denominator: 1 << Int(data[1])))
        case 0x59:
            score.keySignatures.append(KeySignature(tick: tick, sharps: Int(Int8(bitPattern: data[0])), isMinor: data[1] == 1))
        default:
            break
        }
    }

    mutating func sysex(tick: Int, status: UInt8, continuation: Bool, data: UnsafeBufferPointer<UInt8>) {}

    mutating func endTrack() {
        // A channel with only controls or bends makes no track: there is nothing to play.
        let single = channelsWithParts.nonzeroBitCount == 1
        for channel in 0..<16 where channelsWithParts & (1 << UInt16(channel)) != 0 {
            let c = UInt8(channel)
            var noteCount = notes.count
            if !single {
                noteCount = 0
                for i in 0..<notes.count where notes.base[i].channel == c { noteCount += 1 }
            }
            let source = notes.base
            let total = notes.count
            let trackNotes = [Note](unsafeUninitializedCapacity: noteCount) { buffer, initialized in
                for i in 0..<total where single || source[i].channel == c {
                    let raw = source[i]
                    buffer[initialized] = Note(start: raw.start, duration: raw.end - raw.start, pitch: raw.key, velocity: raw.velocity)
                    initialized += 1
                }
            }
            var trackControls: [ControlChange] = []
            var trackBends: [PitchBend] = []
            for i in 0..<controls.count where controls.base[i].channel == c {
                let raw = controls.base[i]
                if raw.isBend {
                    trackBends.append(PitchBend(tick: raw.tick, value: Int16(Int(raw.data2) << 7 | Int(raw.data1)) - 8192))
                } else {
                    trackControls.append(ControlChange(tick: raw.tick, controller: raw.data1, value: raw.data2))
                }
            }
            score.tracks.append(
                Track(
                    name: trackName ?? "", program: UInt8(max(0, programs[channel])), channel: c, isDrum: channel == 9,
                    notes: trackNotes, controls: trackControls, pitchBends: trackBends))
            sourceChunks.append(chunkIndex)
        }
    }

    /// The finished score, in its documented order.
    mutating func finish() -> Score {
        score.normalizeOrder()
        return score
    }
}
