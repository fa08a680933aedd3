/// Bit layouts of the messages `ClipMessage` models, from the Universal MIDI Packet format
/// (MIDI Association M2-104-UM v1.1). Words are big-endian 32-bit values; bit 31 is the most
/// significant bit of the first byte in the file.
extension ClipMessage {
    /// Number of 32-bit words in a UMP whose message type (top nibble of word 0) is
    /// `messageType`, from the Message Type allocation table of M2-104-UM: 32-bit types
    /// 0x0, 0x1, 0x2, 0x6, 0x7; 64-bit 0x3, 0x4, 0x8...0xA; 96-bit 0xB, 0xC; 128-bit 0x5, 0xD...0xF.
    /// Reserved types have fixed sizes too, which is what lets a reader skip them safely.
    public static func wordCount(messageType: UInt8) -> Int {
        wordCounts[Int(messageType & 0x0F)]
    }

    private static let wordCounts = [1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4]

    /// Decodes one complete UMP. Returns nil when `words` is empty or its length does not match
    /// the message type in its first word.
    ///
    /// A packet becomes a typed case only if encoding that case gives back exactly `words`
    /// (so reserved bits are zero and every field is in range); anything else is `.other(words)`.
    /// Hence `ClipMessage(words: w)?.words == w` for every well-sized `w`.
    public init?(words: [UInt32]) {
        guard let first = words.first, words.count == ClipMessage.wordCount(messageType: UInt8(first >> 28)) else {
            return nil
        }
        if let typed = ClipMessage.decodeTyped(words), typed.words == words {
            self = typed
        } else {
            self = .other(words)
        }
    }

    /// The message's words, ready to be written big-endian.
    public var words: [UInt32] {
        switch self {
        case let .midi1NoteOff(g, c, note, velocity):
            return [Self.midi1Word(g, 0x8, c, note, velocity)]
        case let .midi1NoteOn(g, c, note, velocity):
            return [Self.midi1Word(g, 0x9, c, note, velocity)]
        case let .midi1ControlChange(g, c, controller, value):
            return [Self.midi1Word(g, 0xB, c, controller, value)]
        case let .midi1ProgramChange(g, c, program):
            // §7.3: two-byte MIDI 1.0 messages leave the last byte zero.
            return [Self.midi1Word(g, 0xC, c, program, 0)]
        case let .midi1PitchBend(g, c, value):
            // Data bytes as in MIDI 1.0: LSB first, then MSB, 7 bits each.
            return [Self.midi1Word(g, 0xE, c, UInt8(value & 0x7F), UInt8((value >> 7) & 0x7F))]
        case let .noteOff(g, c, note, velocity, attributeType, attribute):
            // §7.4.1/7.4.2: word 0 ends with note number, attribute type; word 1 is
            // velocity (16 bits) then attribute data (16 bits).
            return [Self.midi2Word0(g, 0x8, c, note & 0x7F, attributeType), UInt32(velocity) << 16 | UInt32(attribute)]
        case let .noteOn(g, c, note, velocity, attributeType, attribute):
            return [Self.midi2Word0(g, 0x9, c, note & 0x7F, attributeType), UInt32(velocity) << 16 | UInt32(attribute)]
        case let .controlChange(g, c, controller, value):
            // §7.4.6: word 0 byte 3 is the controller index, byte 4 reserved; word 1 the value.
            return [Self.midi2Word0(g, 0xB, c, controller & 0x7F, 0), value]
        case let .programChange(g, c, program, bank):
            // §7.4.9: word 0 byte 4 holds the option flags, bit 0 = Bank Valid; word 1 is
            // program, reserved byte, bank MSB, bank LSB (7 bits each).
            var word1 = UInt32(program & 0x7F) << 24
            if let bank { word1 |= UInt32((bank >> 7) & 0x7F) << 8 | UInt32(bank & 0x7F) }
            return [Self.midi2Word0(g, 0xC, c, 0, bank == nil ? 0 : 1), word1]
        case let .pitchBend(g, c, value):
            return [Self.midi2Word0(g, 0xE, c, 0, 0), value]
        case let .setTempo(g, tempo):
            return [Self.flexWord0(g, status: 0x00), tempo, 0, 0]
        case let .setTimeSignature(g, numerator, denominatorPower, thirtySecondNotes):
            // §7.5.4: word 1 = numerator, denominator, number of 1/32 notes, reserved.
            let word1 = UInt32(numerator) << 24 | UInt32(denominatorPower) << 16 | UInt32(thirtySecondNotes) << 8
            return [Self.flexWord0(g, status: 0x01), word1, 0, 0]
        case let .setKeySignature(g, sharps, tonic):
            // §7.5.7: word 1 top nibble = sharps/flats as 4-bit two's complement, next nibble
            // = tonic note.
            let word1 = UInt32(UInt8(bitPattern: sharps) & 0x0F) << 28 | UInt32(tonic & 0x0F) << 24
            return [Self.flexWord0(g, status: 0x05), word1, 0, 0]
        case let .other(words):
            return words
        }
    }

    // MARK: Word builders

    /// MIDI 1.0 Channel Voice in UMP (§7.3): type 0x2, group, then the three MIDI 1.0 bytes.
    private static func midi1Word(_ group: UInt8, _ opcode: UInt32, _ channel: UInt8, _ data1: UInt8, _ data2: UInt8) -> UInt32 {
        0x2000_0000 | UInt32(group & 0x0F) << 24 | opcode << 20 | UInt32(channel & 0x0F) << 16
            | UInt32(data1 & 0x7F) << 8 | UInt32(data2 & 0x7F)
    }

    /// MIDI 2.0 Channel Voice word 0 (§7.4): type 0x4, group, opcode, channel, two bytes.
    private static func midi2Word0(_ group: UInt8, _ opcode: UInt32, _ channel: UInt8, _ byte3: UInt8, _ byte4: UInt8) -> UInt32 {
        0x4000_0000 | UInt32(group & 0x0F) << 24 | opcode << 20 | UInt32(channel & 0x0F) << 16
            | UInt32(byte3) << 8 | UInt32(byte4)
    }

    /// Flex Data word 0 (§7.5): type 0xD, group, Format 0 (complete in one UMP), Address 1
    /// (the whole group; channel field 0), status bank 0x00, status.
    private static func flexWord0(_ group: UInt8, status: UInt32) -> UInt32 {
        0xD010_0000 | UInt32(group & 0x0F) << 24 | status
    }

    // MARK: Decoding

    /// The typed reading of `words` (already sized for its message type), nil when the type
    /// and status are not ones this enum models. Reserved bits are not checked here.
    private static func decodeTyped(_ words: [UInt32]) -> ClipMessage? {
        let w0 = words[0]
        let group = UInt8((w0 >> 24) & 0x0F)
        let opcode = (w0 >> 20) & 0x0F
        let channel = UInt8((w0 >> 16) & 0x0F)
        let byte3 = UInt8((w0 >> 8) & 0xFF)
        let byte4 = UInt8(w0 & 0xFF)
        switch w0 >> 28 {
        case 0x2:
            switch opcode {
            case 0x8: return .midi1NoteOff(group: group, channel: channel, note: byte3, velocity: byte4)
            case 0x9: return .midi1NoteOn(group: group, channel: channel, note: byte3, velocity: byte4)
            case 0xB: return .midi1ControlChange(group: group, channel: channel, controller: byte3, value: byte4)
            case 0xC: return .midi1ProgramChange(group: group, channel: channel, program: byte3)
            case 0xE: return .midi1PitchBend(group: group, channel: channel, value: UInt16(byte3 & 0x7F) | UInt16(byte4 & 0x7F) << 7)
            default: return nil
            }
        case 0x4:
            let w1 = words[1]
            switch opcode {
            case 0x8, 0x9:
                let velocity = UInt16(w1 >> 16)
                let attribute = UInt16(w1 & 0xFFFF)
                return opcode == 0x8
                    ? .noteOff(group: group, channel: channel, note: byte3, velocity: velocity, attributeType: byte4, attribute: attribute)
                    : .noteOn(group: group, channel: channel, note: byte3, velocity: velocity, attributeType: byte4, attribute: attribute)
            case 0xB:
                return .controlChange(group: group, channel: channel, controller: byte3, value: w1)
            case 0xC:
                let bankValid = w0 & 1 == 1
                let bank = UInt16((w1 >> 8) & 0x7F) << 7 | UInt16(w1 & 0x7F)
                return .programChange(group: group, channel: channel, program: UInt8(w1 >> 24), bank: bankValid ? bank : nil)
            case 0xE:
                return .pitchBend(group: group, channel: channel, value: w1)
            default:
                return nil
            }
        case 0xD:
            // Only status bank 0 is modelled; the canonical check rejects other forms/addresses.
            guard byte3 == 0x00 else { return nil }
            let w1 = words[1]
            switch byte4 {
            case 0x00:
                return .setTempo(group: group, tenNanosecondsPerQuarter: w1)
            case 0x01:
                return .setTimeSignature(
                    group: group, numerator: UInt8(w1 >> 24), denominatorPower: UInt8((w1 >> 16) & 0xFF),
                    thirtySecondNotes: UInt8((w1 >> 8) & 0xFF))
            case 0x05:
                let nibble = Int8((w1 >> 28) & 0x0F)
                return .setKeySignature(group: group, sharps: nibble >= 8 ? nibble - 16 : nibble, tonic: UInt8((w1 >> 24) & 0x0F))
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
