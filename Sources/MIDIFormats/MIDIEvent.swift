/// One track chunk of a Standard MIDI File: its events in file order, on absolute ticks.
public struct MIDITrack: Hashable, Sendable {
    /// Events in file order; ticks never decrease. Read tracks end with one `.meta(.endOfTrack)`.
    /// The writer sorts by tick (stably) and writes exactly one end-of-track event last,
    /// whatever this list holds.
    public var events: [MIDIEvent]

    public init(events: [MIDIEvent] = []) {
        self.events = events
    }

    /// The text of the first track-name meta event (0x03), nil when there is none.
    public var name: String? {
        for event in events {
            if case .meta(.text(.trackName, let bytes)) = event.kind { return decodeMIDIText(bytes[...]) }
        }
        return nil
    }
}

/// A timed event of a track: a channel message, a sysex packet or a meta event.
public struct MIDIEvent: Hashable, Sendable {
    /// Absolute time in ticks from the start of the track, ≥ 0.
    public var tick: Int
    public var kind: Kind

    public init(tick: Int, _ kind: Kind) {
        self.tick = tick
        self.kind = kind
    }

    /// Channels are 0...15 (0-based), keys, velocities, controller numbers, values and programs
    /// 0...127. The writer masks channels to 4 bits and clamps the others to 127.
    public enum Kind: Hashable, Sendable {
        case noteOff(channel: UInt8, key: UInt8, velocity: UInt8)
        /// A note-on with velocity 0 is a note-off (kept as written so the bytes round-trip).
        case noteOn(channel: UInt8, key: UInt8, velocity: UInt8)
        /// Polyphonic key pressure (aftertouch), 0xAn.
        case polyPressure(channel: UInt8, key: UInt8, pressure: UInt8)
        /// Control change, 0xBn (controller 64 is the sustain pedal; 120–127 are channel mode messages).
        case controlChange(channel: UInt8, controller: UInt8, value: UInt8)
        case programChange(channel: UInt8, program: UInt8)
        /// Channel pressure (aftertouch), 0xDn.
        case channelPressure(channel: UInt8, pressure: UInt8)
        /// Pitch bend, -8192...8191, 0 = centre (the 14-bit value minus 8192).
        case pitchBend(channel: UInt8, value: Int16)
        /// An `F0` sysex packet: the bytes after the length, usually ending in `F7`. When they do
        /// not end in `F7`, the message goes on in `sysexContinuation` packets.
        case sysex([UInt8])
        /// An `F7` packet that continues an `F0` packet not yet ended by `F7`.
        case sysexContinuation([UInt8])
        /// An `F7` "escape" packet: bytes sent as they are (real-time messages, for example).
        case sysexEscape([UInt8])
        case meta(MIDIMetaEvent)
    }

    /// True for a note-off or a note-on with velocity 0.
    public var isNoteOff: Bool {
        switch kind {
        case .noteOff: return true
        case .noteOn(_, _, let velocity): return velocity == 0
        default: return false
        }
    }

    /// The channel of a channel message, nil for sysex and meta events.
    public var channel: UInt8? {
        switch kind {
        case .noteOff(let c, _, _), .noteOn(let c, _, _), .polyPressure(let c, _, _),
            .controlChange(let c, _, _), .programChange(let c, _), .channelPressure(let c, _),
            .pitchBend(let c, _):
            return c
        case .sysex, .sysexContinuation, .sysexEscape, .meta:
            return nil
        }
    }

    /// A text-like meta event carrying `text` as UTF-8 (for example provenance in a
    /// generated file: `MIDIEvent.text("cadenza model=… seed=7", tick: 0)`).
    public static func text(_ text: String, type: MIDITextType = .text, tick: Int = 0) -> MIDIEvent {
        MIDIEvent(tick: tick, .meta(.text(type, Array(text.utf8))))
    }
}
