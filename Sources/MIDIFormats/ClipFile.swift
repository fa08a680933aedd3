/// A MIDI Clip File ("SMF2CLIP", `.midi2`): one sequence of Universal MIDI Packets with
/// musical timing, the MIDI 2.0 counterpart of a format-0 Standard MIDI File.
///
/// Layout (MIDI Association M2-116-U v1.0, §4), every UMP word big-endian:
/// 1. File Header (§5): the 8 ASCII bytes `SMF2CLIP`.
/// 2. Clip Configuration Header (§6): a Delta Clockstamp of 0 and a Delta Clockstamp Ticks Per
///    Quarter Note message (the tick unit), then optional set-up messages, each after a Delta
///    Clockstamp.
/// 3. Clip Sequence Data (§7): Start of Clip, the music with a Delta Clockstamp before each
///    message, End of Clip. Nothing may follow End of Clip.
///
/// This type holds the decoded content: the resolution, the set-up messages, the timed
/// messages and the clip length. `init(bytes:)` reads a file (treating it as hostile),
/// `bytes()` writes one; `init(score:)` and `Score(clipFile:)` convert to and from `Score`.
public struct ClipFile: Hashable, Sendable {
    /// Ticks per quarter note (the DCTPQ value), 1...65535.
    public var ticksPerQuarter: Int
    /// Messages of the Clip Configuration Header other than the DCTPQ, in file order. They
    /// take effect before the clip starts (tick 0).
    public var header: [ClipMessage]
    /// The Clip Sequence Data between Start of Clip and End of Clip, in file order (so
    /// non-decreasing ticks for a file that was read).
    public var packets: [ClipEvent]
    /// Tick of the End of Clip message: the clip's length, ≥ the last event's tick.
    public var endTick: Int

    /// The 8-byte File Header (M2-116-U §5).
    public static let magic: [UInt8] = Array("SMF2CLIP".utf8)

    public init(ticksPerQuarter: Int, header: [ClipMessage] = [], packets: [ClipEvent] = [], endTick: Int = 0) {
        self.ticksPerQuarter = ticksPerQuarter
        self.header = header
        self.packets = packets
        self.endTick = endTick
    }
}
