/// One instrument part: the notes and performance controls of one program on one channel.
public struct Track: Hashable, Sendable {
    /// Track name from the file (meta event 0x03), "" when absent.
    public var name: String
    /// General MIDI program, 0...127, 0-based (0 = Acoustic Grand Piano). Ignored for drums.
    public var program: UInt8
    /// MIDI channel, 0...15, 0-based. Channel 9 (the tenth) is GM percussion.
    public var channel: UInt8
    /// True for a percussion track: its pitches are GM drum keys and transposition leaves them alone.
    public var isDrum: Bool
    /// Notes, sorted by `Note`'s order (onset, then pitch).
    public var notes: [Note]
    /// Control changes other than the ones given their own fields, sorted by tick (sustain pedal,
    /// controller 64, is among them; see `sustainIntervals`).
    public var controls: [ControlChange]
    /// Pitch bends, sorted by tick.
    public var pitchBends: [PitchBend]

    public init(
        name: String = "", program: UInt8 = 0, channel: UInt8 = 0, isDrum: Bool = false,
        notes: [Note] = [], controls: [ControlChange] = [], pitchBends: [PitchBend] = []
    ) {
        self.name = name
        self.program = program
        self.channel = channel
        self.isDrum = isDrum
        self.notes = notes
        self.controls = controls
        self.pitchBends = pitchBends
    }

    /// The last tick any note of this track sounds (exclusive), 0 when empty.
    public var endTick: Int { notes.reduce(0) { max($0, $1.end) } }

    /// Intervals (start inclusive, end exclusive, in ticks) where the sustain pedal
    /// (controller 64, value ≥ 64 means down) is held. A pedal never released ends at `endTick`.
    public var sustainIntervals: [Range<Int>] {
        var intervals: [Range<Int>] = []
        var downAt: Int? = nil
        for control in controls where control.controller == ControlChange.sustainPedal {
            if control.value >= 64 {
                if downAt == nil { downAt = control.tick }
            } else if let start = downAt {
                if control.tick > start { intervals.append(start..<control.tick) }
                downAt = nil
            }
        }
        if let start = downAt, endTick > start { intervals.append(start..<endTick) }
        return intervals
    }
}

/// A MIDI control change (CC).
public struct ControlChange: Hashable, Sendable {
    /// Tick, ≥ 0.
    public var tick: Int
    /// Controller number, 0...127 (64 = sustain pedal).
    public var controller: UInt8
    /// Value, 0...127.
    public var value: UInt8

    public static let sustainPedal: UInt8 = 64

    public init(tick: Int, controller: UInt8, value: UInt8) {
        self.tick = tick
        self.controller = controller
        self.value = value
    }
}

/// A pitch-bend message.
public struct PitchBend: Hashable, Sendable {
    /// Tick, ≥ 0.
    public var tick: Int
    /// Bend, -8192...8191, 0 = centre (the 14-bit MIDI value minus 8192).
    public var value: Int16

    public init(tick: Int, value: Int16) {
        self.tick = tick
        self.value = value
    }
}
