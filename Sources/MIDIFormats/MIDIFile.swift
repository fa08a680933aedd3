import MusicScore

/// A Standard MIDI File 1.0 (formats 0, 1 and 2) as a list of tracks of timed events.
///
/// Read one with `MIDIFile(bytes:mode:)`, write one with `bytes()`, convert with
/// `Score(midiFile:)` and `MIDIFile(score:)`. For bytes → `Score` without the event list in
/// between, `MIDIFile.readScore(bytes:mode:)` is the fast path (same reader, same repairs,
/// same score).
///
/// Reading is one pass over the bytes; every read is bounds-checked, no allocation trusts an
/// unchecked length field, and files with more than `maximumEventCount` events are refused, so
/// hostile input costs memory and time proportional to its size at most.
public struct MIDIFile: Sendable, Hashable {
    /// What the header's division field says a tick is.
    public enum Division: Sendable, Hashable {
        /// Ticks per quarter note, 1...32767.
        case ticksPerQuarter(Int)
        /// SMPTE time: 24, 25, 29 (meaning 29.97 drop-frame) or 30 frames per second, and
        /// 1...255 ticks per frame; a tick is then a fixed fraction of a second and tempo events
        /// do not change timing.
        case smpte(framesPerSecond: Int, ticksPerFrame: Int)
    }

    /// 0 (one track), 1 (simultaneous tracks) or 2 (independent sequences).
    public var format: Int
    public var division: Division
    public var tracks: [MIDITrack]
    /// What reading fixed or changed, in file order (see `MIDIReadMode` and `MIDIRepair.Kind`).
    /// Empty for a file built in code.
    public var repairs: [MIDIRepair]

    /// Files with more events than this (all tracks together) are refused: about 240 MB of
    /// events, far beyond any piece of music.
    public static let maximumEventCount = 10_000_000

    public init(format: Int = 1, division: Division = .ticksPerQuarter(480), tracks: [MIDITrack] = [], repairs: [MIDIRepair] = []) {
        self.format = format
        self.division = division
        self.tracks = tracks
        self.repairs = repairs
    }

    /// Reads a Standard MIDI File.
    ///
    /// Lenient mode repairs and lists in `repairs`; strict mode throws at the first breach of the
    /// specification. Either way the tracks come out with note-offs that close a sounding note
    /// (orphans dropped), every sounding note closed by its track's end, and one end-of-track
    /// event last. Errors name the byte offset, the reason and a hint.
    public init(bytes: [UInt8], mode: MIDIReadMode = .lenient) throws(MIDIError) {
        try self.init(bytes: bytes, mode: mode, maximumEvents: MIDIFile.maximumEventCount)
    }

    /// `maximumEvents` lets tests reach the event cap with small inputs.
    init(bytes: [UInt8], mode: MIDIReadMode, maximumEvents: Int) throws(MIDIError) {
        var reader = SMFReader(mode: mode, maximumEvents: maximumEvents)
        var sink = EventListSink()
        let summary = try bytes.withUnsafeBufferPointer { (buffer) throws(MIDIError) in
            try reader.read(buffer, into: &sink)
        }
        self.init(format: summary.format, division: summary.division, tracks: sink.tracks, repairs: reader.repairs)
    }
}

/// Collects the reader's events as `MIDIEvent`s, one `MIDITrack` per track chunk.
struct EventListSink: SMFSink {
    var tracks: [MIDITrack] = []
    private var events: [MIDIEvent] = []

    mutating func begin(division: MIDIFile.Division) {}

    mutating func beginTrack(chunkIndex: Int, dataLength: Int) {
        events = []
        // An event takes at least 2 bytes; 4 is typical. dataLength is bounded by the file size.
        events.reserveCapacity(dataLength / 4)
    }

    mutating func noteOn(tick: Int, channel: UInt8, key: UInt8, velocity: UInt8) -> Int32 {
        events.append(MIDIEvent(tick: tick, .noteOn(channel: channel, key: key, velocity: velocity)))
        return 0
    }

    mutating func noteOff(tick: Int, channel: UInt8, key: UInt8, velocity: UInt8, writtenAsNoteOn: Bool, handle: Int32) {
        let kind: MIDIEvent.Kind = writtenAsNoteOn
            ? .noteOn(channel: channel, key: key, velocity: 0)
            : .noteOff(channel: channel, key: key, velocity: velocity)
        events.append(MIDIEvent(tick: tick, kind))
    }

    mutating func channelMessage(tick: Int, status: UInt8, data1: UInt8, data2: UInt8) {
        let channel = status & 0x0F
        let kind: MIDIEvent.Kind
        switch status & 0xF0 {
        case 0xA0: kind = .polyPressure(channel: channel, key: data1, pressure: data2)
        case 0xB0: kind = .controlChange(channel: channel, controller: data1, value: data2)
        case 0xC0: kind = .programChange(channel: channel, program: data1)
        case 0xD0: kind = .channelPressure(channel: channel, pressure: data1)
        default: kind = .pitchBend(channel: channel, value: Int16(Int(data2) << 7 | Int(data1)) - 8192)
        }
        events.append(MIDIEvent(tick: tick, kind))
    }

    mutating func meta(tick: Int, type: UInt8, data: UnsafeBufferPointer<UInt8>, wellFormed: Bool) {
        events.append(MIDIEvent(tick: tick, .meta(MIDIMetaEvent(type: type, data: data, wellFormed: wellFormed))))
    }

    mutating func sysex(tick: Int, status: UInt8, continuation: Bool, data: UnsafeBufferPointer<UInt8>) {
        let bytes = Array(data)
        let kind: MIDIEvent.Kind = status == 0xF0 ? .sysex(bytes) : continuation ? .sysexContinuation(bytes) : .sysexEscape(bytes)
        events.append(MIDIEvent(tick: tick, kind))
    }

    mutating func endTrack() {
        tracks.append(MIDITrack(events: events))
        events = []
    }
}
