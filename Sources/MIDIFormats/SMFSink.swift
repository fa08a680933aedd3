/// Receives what `SMFReader` decodes, in file order. The event list of `MIDIFile` and the direct
/// bytes → `Score` path are two sinks over one reader, so both see the same events and the
/// same repairs; the reader is generic over the sink so that each gets its own specialized loop.
protocol SMFSink {
    /// Called once, after the header chunk.
    mutating func begin(division: MIDIFile.Division)
    /// A new track chunk; `dataLength` (bytes, already checked against the file size) may guide
    /// capacity.
    mutating func beginTrack(chunkIndex: Int, dataLength: Int)
    /// A note-on with velocity ≥ 1. Returns a handle the reader hands back to `noteOff` for the
    /// note-off that closes this note.
    mutating func noteOn(tick: Int, channel: UInt8, key: UInt8, velocity: UInt8) -> Int32
    /// The note-off (or note-on with velocity 0) that closes the note `handle`. `writtenAsNoteOn`
    /// tells how the file wrote it; closes the reader adds at a track's end come as 0x80, velocity 0.
    mutating func noteOff(tick: Int, channel: UInt8, key: UInt8, velocity: UInt8, writtenAsNoteOn: Bool, handle: Int32)
    /// Any other channel message: `status` 0xA0–0xEF with its channel; `data2` is 0 for 1-byte messages.
    mutating func channelMessage(tick: Int, status: UInt8, data1: UInt8, data2: UInt8)
    /// A meta event. `wellFormed` is false for a known type whose data `metaProblem` rejected.
    /// Every track ends with exactly one end-of-track (0x2F) call, added by the reader when missing.
    mutating func meta(tick: Int, type: UInt8, data: UnsafeBufferPointer<UInt8>, wellFormed: Bool)
    /// A sysex packet: `status` 0xF0 or 0xF7; `continuation` marks an F7 packet that continues
    /// an unfinished F0 packet.
    mutating func sysex(tick: Int, status: UInt8, continuation: Bool, data: UnsafeBufferPointer<UInt8>)
    /// The track chunk is done.
    mutating func endTrack()
}
