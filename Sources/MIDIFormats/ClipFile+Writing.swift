extension ClipFile {
    /// The file's bytes (M2-116-U), the same for the same value on every machine.
    ///
    /// Written as: `SMF2CLIP`; DCS 0 + DCTPQ; each header message after DCS 0; DCS 0 + Start
    /// of Clip; each packet after a Delta Clockstamp giving its distance from the previous
    /// one; End of Clip at `max(endTick, last tick)`. Packets are written in tick order (a
    /// stable sort, so equal ticks keep their order); negative ticks count as 0. A gap longer
    /// than one Delta Clockstamp can hold (1_048_575 ticks) is bridged with
    /// DCS + NOOP pairs (M2-116-U §3.2.2).
    ///
    /// - Precondition: `ticksPerQuarter` is 1...65535, and no `.other` message has the wrong
    ///   number of words for its type or is a container message (DCS, DCTPQ, NOOP, Start or
    ///   End of Clip) that would break the file's structure.
    public func bytes() -> [UInt8] {
        precondition((1...65535).contains(ticksPerQuarter), "ticksPerQuarter must be 1...65535")
        var writer = Writer()
        writer.append(.deltaClockstamp(0))
        writer.append(.ticksPerQuarter(UInt16(ticksPerQuarter)))
        for message in header {
            writer.append(.deltaClockstamp(0))
            writer.append(message)
        }
        writer.append(.deltaClockstamp(0))
        writer.append(.startOfClip)

        let ordered = packets.enumerated().sorted { a, b in
            let (ta, tb) = (max(0, a.element.tick), max(0, b.element.tick))
            return ta != tb ? ta < tb : a.offset < b.offset
        }
        var tick = 0
        for (_, event) in ordered {
            let eventTick = max(0, event.tick)
            writer.appendDelta(eventTick - tick)
            writer.append(event.message)
            tick = eventTick
        }
        writer.appendDelta(max(endTick, tick) - tick)
        writer.append(.endOfClip)
        return writer.bytes
    }

    private struct Writer {
        var bytes: [UInt8] = ClipFile.magic

        mutating func append(_ message: ClipContainerMessage) {
            append(words: message.words)
        }

        mutating func append(_ message: ClipMessage) {
            let words = message.words
            if case .other = message {
                precondition(
                    !words.isEmpty && words.count == ClipMessage.wordCount(messageType: UInt8(words[0] >> 28)),
                    "ClipMessage.other needs exactly the word count of its message type")
                precondition(ClipContainerMessage(firstWord: words[0]) == nil, "container messages are written by ClipFile itself")
            }
            append(words: words)
        }

        /// Delta Clockstamps advancing `ticks` (≥ 0): one DCS when it fits 20 bits, else
        /// maximal DCS + NOOP pairs first.
        mutating func appendDelta(_ ticks: Int) {
            var remaining = ticks
            let maximum = Int(ClipContainerMessage.maximumDelta)
            while remaining > maximum {
                append(.deltaClockstamp(ClipContainerMessage.maximumDelta))
                append(.noop)
                remaining -= maximum
            }
            append(.deltaClockstamp(UInt32(remaining)))
        }

        mutating func append(words: [UInt32]) {
            for word in words {
                bytes.append(UInt8(word >> 24))
                bytes.append(UInt8((word >> 16) & 0xFF))
                bytes.append(UInt8((word >> 8) & 0xFF))
                bytes.append(UInt8(word & 0xFF))
            }
        }
    }
}
