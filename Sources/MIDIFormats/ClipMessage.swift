/// One Universal MIDI Packet (UMP) message as a MIDI Clip File stores it, decoded.
///
/// The cases are the messages Cadenza reads and writes; everything else in a file (other
/// channel voice messages, System Exclusive, metadata text, reserved message types, and any
/// packet whose reserved bits are not zero) is kept verbatim as `.other`, so a file read and
/// written again keeps it. The container messages (Delta Clockstamp, Delta Clockstamp Ticks Per
/// Quarter Note, NOOP, Start of Clip, End of Clip) never appear here: `ClipFile` turns them into
/// its ticks, `ticksPerQuarter` and `endTick`.
///
/// Field ranges follow the bit widths of the UMP format (MIDI Association M2-104-UM v1.1):
/// `group` and `channel` are 0...15, 0-based; note numbers, controllers and programs 0...127.
/// When encoding, a value wider than its field is truncated to the field's width.
public enum ClipMessage: Hashable, Sendable {
    // MARK: MIDI 1.0 Channel Voice Messages in UMP (message type 0x2, 32 bits; M2-104-UM §7.3)

    /// Note Off, 7-bit release velocity 0...127.
    case midi1NoteOff(group: UInt8, channel: UInt8, note: UInt8, velocity: UInt8)
    /// Note On, 7-bit velocity 0...127 (0 means Note Off, as in MIDI 1.0).
    case midi1NoteOn(group: UInt8, channel: UInt8, note: UInt8, velocity: UInt8)
    /// Control Change, 7-bit value 0...127.
    case midi1ControlChange(group: UInt8, channel: UInt8, controller: UInt8, value: UInt8)
    /// Program Change, program 0...127.
    case midi1ProgramChange(group: UInt8, channel: UInt8, program: UInt8)
    /// Pitch Bend, 14-bit unsigned value 0...16383 (8192 = centre).
    case midi1PitchBend(group: UInt8, channel: UInt8, value: UInt16)

    // MARK: MIDI 2.0 Channel Voice Messages (message type 0x4, 64 bits; M2-104-UM §7.4)

    /// Note Off (§7.4.1): 16-bit release velocity 0...65535, attribute type 0...255 (0 = none)
    /// and 16-bit attribute data.
    case noteOff(group: UInt8, channel: UInt8, note: UInt8, velocity: UInt16, attributeType: UInt8, attribute: UInt16)
    /// Note On (§7.4.2): 16-bit velocity 0...65535. Unlike MIDI 1.0, velocity 0 is a real
    /// (silent) note on, not a note off.
    case noteOn(group: UInt8, channel: UInt8, note: UInt8, velocity: UInt16, attributeType: UInt8, attribute: UInt16)
    /// Control Change (§7.4.6): controller 0...127, 32-bit value (MIDI 1.0 values scaled up).
    case controlChange(group: UInt8, channel: UInt8, controller: UInt8, value: UInt32)
    /// Program Change (§7.4.9): program 0...127; `bank` is the 14-bit bank (MSB << 7 | LSB)
    /// when the Bank Valid option flag is set, nil when it is clear.
    case programChange(group: UInt8, channel: UInt8, program: UInt8, bank: UInt16?)
    /// Channel Pitch Bend (§7.4.11): 32-bit unsigned value, 0x8000_0000 = centre.
    case pitchBend(group: UInt8, channel: UInt8, value: UInt32)

    // MARK: Flex Data Messages (message type 0xD, 128 bits; M2-104-UM §7.5), group-addressed,
    // complete in one packet, status bank 0x00 (setup and performance)

    /// Set Tempo (§7.5.3, status 0x00): the length of a quarter note in units of 10 ns
    /// (50_000_000 = 120 quarter notes per minute).
    case setTempo(group: UInt8, tenNanosecondsPerQuarter: UInt32)
    /// Set Time Signature (§7.5.4, status 0x01): `numerator` beats per bar, the beat unit
    /// `denominatorPower` as a negative power of two (2 = quarter note, 3 = eighth, as in
    /// SMF meta event FF 58), and the number of 1/32 notes per quarter note (8 normally).
    case setTimeSignature(group: UInt8, numerator: UInt8, denominatorPower: UInt8, thirtySecondNotes: UInt8)
    /// Set Key Signature (§7.5.7, status 0x05): `sharps` -7...7 (negative = flats; -8 means
    /// non-standard) and the tonic note letter 1...7 = A...G (0 = unknown).
    case setKeySignature(group: UInt8, sharps: Int8, tonic: UInt8)

    // MARK: Everything else

    /// Any other message, its 1...4 words verbatim (the first word's top nibble is its type).
    case other([UInt32])
}

extension ClipMessage {
    /// The group (0...15) a channel voice or Flex Data message addresses, nil for `.other`.
    public var group: UInt8? {
        switch self {
        case .midi1NoteOff(let g, _, _, _), .midi1NoteOn(let g, _, _, _), .midi1ControlChange(let g, _, _, _),
             .midi1ProgramChange(let g, _, _), .midi1PitchBend(let g, _, _),
             .noteOff(let g, _, _, _, _, _), .noteOn(let g, _, _, _, _, _), .controlChange(let g, _, _, _),
             .programChange(let g, _, _, _), .pitchBend(let g, _, _),
             .setTempo(let g, _), .setTimeSignature(let g, _, _, _), .setKeySignature(let g, _, _):
            return g
        case .other:
            return nil
        }
    }

    /// The channel (0...15) of a channel voice message, nil for any other message.
    public var channel: UInt8? {
        switch self {
        case .midi1NoteOff(_, let c, _, _), .midi1NoteOn(_, let c, _, _), .midi1ControlChange(_, let c, _, _),
             .midi1ProgramChange(_, let c, _), .midi1PitchBend(_, let c, _),
             .noteOff(_, let c, _, _, _, _), .noteOn(_, let c, _, _, _, _), .controlChange(_, let c, _, _),
             .programChange(_, let c, _, _), .pitchBend(_, let c, _):
            return c
        case .setTempo, .setTimeSignature, .setKeySignature, .other:
            return nil
        }
    }
}
