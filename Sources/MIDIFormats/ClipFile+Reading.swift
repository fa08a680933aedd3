extension ClipFile {
    /// Reads a MIDI Clip File (M2-116-U), treating `bytes` as hostile.
    ///
    /// Every packet's length comes from its message type and is checked against the bytes that
    /// remain before anything is read; memory grows with the input only (one `ClipEvent` per
    /// message). Rules enforced, each failure naming the offending byte offset:
    /// - the file starts with `SMF2CLIP` (§5);
    /// - the Clip Configuration Header sets a tick resolution (DCTPQ, 1...65535; 0 is reserved)
    ///   before Start of Clip (§6), and no later DCTPQ changes it;
    /// - exactly one Start of Clip, then exactly one End of Clip, and nothing after it (§7);
    /// - the last packet is complete.
    ///
    /// Lenient where the music is unaffected: a message without a preceding Delta Clockstamp
    /// happens at the same tick as the one before it; consecutive Delta Clockstamps add up;
    /// NOOPs are dropped; messages of unknown or reserved types are kept as `.other`.
    /// Ticks restart at 0 at the Start of Clip; header messages apply before the clip starts.
    public init(bytes: [UInt8]) throws(ClipFileError) {
        var reader = Reader(bytes: bytes)
        self = try reader.read()
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func read() throws(ClipFileError) -> ClipFile {
            try readFileHeader()
            var ticksPerQuarter: Int? = nil
            var header: [ClipMessage] = []
            var packets: [ClipEvent] = []
            var started = false
            var endTick: Int? = nil
            var tick = 0

            while offset < bytes.count {
                let messageOffset = offset
                if endTick != nil {
                    throw ClipFileError(
                        offset: messageOffset, reason: "data follows the End of Clip message",
                        hint: "M2-116-U §7 makes End of Clip the last message; remove the trailing bytes or re-export the clip.")
                }
                let words = try readPacket()
                guard let container = ClipContainerMessage(firstWord: words[0]) else {
                    let message = ClipMessage(words: words) ?? .other(words)
                    if started {
                        packets.append(ClipEvent(tick: tick, message: message))
                    } else {
                        header.append(message)
                    }
                    continue
                }
                switch container {
                case .noop:
                    break
                case .deltaClockstamp(let delta):
                    let (sum, overflow) = tick.addingReportingOverflow(Int(delta))
                    guard !overflow else {
                        throw ClipFileError(
                            offset: messageOffset, reason: "the Delta Clockstamps add up to more ticks than this platform can count",
                            hint: "The clip is absurdly long; it is probably corrupt.")
                    }
                    tick = sum
                case .ticksPerQuarter(let value):
                    guard value > 0 else {
                        throw ClipFileError(
                            offset: messageOffset, reason: "the tick resolution (Delta Clockstamp Ticks Per Quarter Note) is 0, a reserved value",
                            hint: "A clip needs 1...65535 ticks per quarter note (M2-104-UM §7.2.3.1); the program that wrote it is at fault.")
                    }
                    if let existing = ticksPerQuarter, existing != Int(value) {
                        throw ClipFileError(
                            offset: messageOffset, reason: "a second Delta Clockstamp Ticks Per Quarter Note changes the resolution from \(existing) to \(value)",
                            hint: "Clips whose tick resolution changes are not supported; re-export the clip with one resolution.")
                    }
                    ticksPerQuarter = Int(value)
                case .startOfClip:
                    guard !started else {
                        throw ClipFileError(
                            offset: messageOffset, reason: "a second Start of Clip message",
                            hint: "A MIDI Clip File holds exactly one clip (M2-116-U §7).")
                    }
                    guard ticksPerQuarter != nil else {
                        throw ClipFileError(
                            offset: messageOffset, reason: "Start of Clip comes before any Delta Clockstamp Ticks Per Quarter Note message",
                            hint: "The Clip Configuration Header must set the tick resolution first (M2-116-U §6).")
                    }
                    started = true
                    tick = 0
                case .endOfClip:
                    guard started else {
                        throw ClipFileError(
                            offset: messageOffset, reason: "End of Clip comes before Start of Clip",
                            hint: "The Clip Sequence Data runs from Start of Clip to End of Clip (M2-116-U §7).")
                    }
                    endTick = tick
                }
            }

            guard started, let ticksPerQuarter else {
                let missing = ticksPerQuarter == nil
                    ? "the Delta Clockstamp Ticks Per Quarter Note and Start of Clip messages"
                    : "the Start of Clip message"
                throw ClipFileError(
                    offset: bytes.count, reason: "the file ends without \(missing)",
                    hint: "The file is truncated, or it is only a Clip Configuration Header (M2-116-U §6, §7).")
            }
            guard let endTick else {
                throw ClipFileError(
                    offset: bytes.count, reason: "the file ends without an End of Clip message",
                    hint: "The file is truncated or was not finished; a clip must end with End of Clip (M2-116-U §7).")
            }
            return ClipFile(ticksPerQuarter: ticksPerQuarter, header: header, packets: packets, endTick: endTick)
        }

        /// Checks the 8-byte File Header and moves past it.
        mutating func readFileHeader() throws(ClipFileError) {
            let magic = ClipFile.magic
            guard !bytes.isEmpty else {
                throw ClipFileError(offset: 0, reason: "the file is empty", hint: "A MIDI Clip File starts with the 8 ASCII bytes SMF2CLIP.")
            }
            guard bytes.count >= magic.count, bytes[0..<magic.count].elementsEqual(magic) else {
                let isSMF = bytes.starts(with: Array("MThd".utf8))
                let found = bytes.count < magic.count
                    ? "the file is \(bytes.count) bytes long, shorter than the 8-byte \"SMF2CLIP\" header"
                    : "the file does not start with \"SMF2CLIP\""
                throw ClipFileError(
                    offset: 0, reason: found,
                    hint: isSMF
                        ? "This is a Standard MIDI File (MThd); read it with MIDIFile instead."
                        : "A MIDI Clip File (.midi2) starts with the ASCII bytes SMF2CLIP (M2-116-U §5); check the file type.")
            }
            offset = magic.count
        }

        /// Reads one complete UMP at `offset` (its size from the message type in its first
        /// word) and moves past it.
        mutating func readPacket() throws(ClipFileError) -> [UInt32] {
            let remaining = bytes.count - offset
            guard remaining >= 4 else {
                throw ClipFileError(
                    offset: offset, reason: "the file ends \(remaining) byte\(remaining == 1 ? "" : "s") into a message, less than one 32-bit UMP word",
                    hint: "The file is truncated; UMP data comes in whole 32-bit words.")
            }
            let first = word(at: offset)
            let type = UInt8(first >> 28)
            let count = ClipMessage.wordCount(messageType: type)
            guard remaining >= count * 4 else {
                throw ClipFileError(
                    offset: offset, reason: "a message of type 0x\(String(type, radix: 16, uppercase: true)) needs \(count * 4) bytes but only \(remaining) remain",
                    hint: "The file is truncated in its last message.")
            }
            var words = [first]
            words.reserveCapacity(count)
            for index in 1..<count { words.append(word(at: offset + 4 * index)) }
            offset += count * 4
            return words
        }

        /// The big-endian word at `position`; the caller has checked that 4 bytes remain.
        func word(at position: Int) -> UInt32 {
            UInt32(bytes[position]) << 24 | UInt32(bytes[position + 1]) << 16
                | UInt32(bytes[position + 2]) << 8 | UInt32(bytes[position + 3])
        }
    }
}
