/// The event loop of one track chunk.
///
/// Running status: a channel status byte stays in force for following data bytes. The SMF 1.0
/// specification says meta and sysex events cancel it, and strict mode enforces that; real
/// files often rely on it surviving a meta event, so lenient mode keeps the earlier status and
/// records `runningStatusAfterMetaOrSysex`.
///
/// Note pairing: FIFO per (channel, key) in `NotePairing`; a note-off with nothing sounding is
/// dropped (`orphanNoteOff`), notes still sounding at the end of the track are closed at the
/// tick of its end-of-track event, or of its last event when that is missing (`unterminatedNote`).
/// A note-on and note-off at the same tick make a note of duration 0, which is kept (as symusic
/// keeps it).
extension SMFReader {
    private enum TrackEnd { case endOfTrack, exhausted, truncated, corrupt }

    /// Reads the track chunk whose `MTrk` name is at `chunkStart` into `sink`.
    /// - Returns: the offset where the next chunk starts.
    mutating func decodeTrack<S: SMFSink>(
        _ bytes: UnsafeBufferPointer<UInt8>, chunkStart: Int, into sink: inout S, pairing: inout NotePairing
    ) throws(MIDIError) -> Int {
        let fileEnd = bytes.count
        let declaredLength = Int(bytes.uint32(at: chunkStart + 4))
        let declaredEnd = chunkStart + 8 + declaredLength
        var limit = declaredEnd
        if declaredEnd > fileEnd {
            try note(.chunkLengthPastEnd, at: chunkStart + 4, "track chunk length \(declaredLength) runs past the end of the file (file is \(fileEnd) bytes)")
            limit = fileEnd
        }
        var extended = false
        var p = chunkStart + 8
        var tick = 0
        var previousTick = 0
        var status: UInt8 = 0
        var cancelledBy = -1  // offset of the meta/sysex event that cancelled running status
        var sysexOpen = false
        var eventStart = p
        var end = TrackEnd.exhausted

        /// Called when fewer than `needed` bytes remain before `limit`. In lenient mode a chunk
        /// whose stated end is not followed by another chunk is taken to be longer than stated.
        func grow(_ needed: Int) throws(MIDIError) -> Bool {
            if extended || limit != declaredEnd || limit >= fileEnd || bytes.looksLikeChunkHeader(at: limit) { return false }
            try note(
                .chunkLengthTooShort, at: chunkStart + 4,
                "track chunk length \(declaredLength) ends at byte \(limit), inside the track's events (no end-of-track event before it)")
            limit = fileEnd
            extended = true
            return p + needed <= limit
        }

        /// A variable-length number of at most 4 bytes at `p`; nil when the track must stop
        /// (`end` says why, and the repair is recorded).
        func readVariableLength() throws(MIDIError) -> Int? {
            if p < limit, bytes[p] < 0x80 {
                p += 1
                return Int(bytes[p - 1])
            }
            let first = p
            var value = 0
            for _ in 0..<4 {
                if p >= limit, !(try grow(1)) {
                    try note(.truncatedEvent, at: eventStart, "the event at byte \(eventStart) is cut off by the end of the track data at byte \(limit)")
                    end = .truncated
                    return nil
                }
                let byte = bytes[p]
                p += 1
                value = value << 7 | Int(byte & 0x7F)
                if byte < 0x80 { return value }
            }
            try note(.badVariableLengthNumber, at: first, "variable-length number at byte \(first) has more than 4 bytes")
            end = .corrupt
            return nil
        }

        /// True when `count` more bytes are there; otherwise records the truncation.
        func available(_ count: Int) throws(MIDIError) -> Bool {
            if count <= limit - p { return true }
            if try grow(count) { return true }
            try note(.truncatedEvent, at: eventStart, "the event at byte \(eventStart) is cut off by the end of the track data at byte \(limit)")
            end = .truncated
            return false
        }

        eventLoop: while true {
            if p >= limit, !(try grow(1)) {
                end = .exhausted
                break
            }
            eventStart = p
            previousTick = tick
            eventCount += 1
            if eventCount > maximumEvents {
                throw MIDIError(
                    offset: p, reason: "more than \(maximumEvents) events",
                    hint: "this is far beyond any piece of music; the reader refuses it to bound memory")
            }
            guard let delta = try readVariableLength() else { break }
            tick += delta
            if tick > MIDIFile.maximumTick {
                throw MIDIError(
                    offset: eventStart, reason: "the track's delta times add up to more than \(MIDIFile.maximumTick) ticks",
                    hint: "the delta times are corrupt: no piece of music is centuries long")
            }
            guard try available(1) else { break }
            var s = bytes[p]
            if s >= 0x80 {
                p += 1
                if s < 0xF0 {
                    status = s
                    cancelledBy = -1
                }
            } else if status == 0 {
                try note(.dataByteWithoutStatus, at: p, "data byte \(hexByte(s)) at byte \(p) has no status byte before it (running status with no status)")
                p += 1
                continue
            } else {
                if cancelledBy >= 0 {
                    try note(
                        .runningStatusAfterMetaOrSysex, at: p,
                        "the event at byte \(p) uses running status \(hexByte(status)) after the meta/sysex event at byte \(cancelledBy), which cancels it")
                    cancelledBy = -1
                }
                s = status
            }

            let high = s & 0xF0
            if high != 0xF0 {
                let count = high == 0xC0 || high == 0xD0 ? 1 : 2
                guard try available(count) else { break }
                var d1 = bytes[p]
                var d2 = count == 2 ? bytes[p + 1] : 0
                if (d1 | d2) >= 0x80 {
                    try note(.dataByteOutOfRange, at: p, "channel message \(hexByte(s)) at byte \(eventStart) has a data byte of 128 or more")
                    d1 = min(d1, 127)
                    d2 = min(d2, 127)
                }
                p += count
                let channel = s & 0x0F
                if high == 0x90 && d2 > 0 {
                    let handle = sink.noteOn(tick: tick, channel: channel, key: d1, velocity: d2)
                    pairing.push(key: NotePairing.key(channel: channel, key: d1), handle: handle, offset: eventStart)
                } else if high == 0x80 || high == 0x90 {
                    if let open = pairing.pop(key: NotePairing.key(channel: channel, key: d1)) {
                        sink.noteOff(tick: tick, channel: channel, key: d1, velocity: d2, writtenAsNoteOn: high == 0x90, handle: open.handle)
                    } else {
                        repairs.append(MIDIRepair(offset: eventStart, kind: .orphanNoteOff))
                    }
                } else {
                    sink.channelMessage(tick: tick, status: s, data1: d1, data2: d2)
                }
                continue
            }

            if s == 0xFF || s == 0xF0 || s == 0xF7 {
                var type: UInt8 = 0
                if s == 0xFF {
                    guard try available(1) else { break }
                    type = bytes[p]
                    p += 1
                }
                guard let length = try readVariableLength() else { break }
                guard try available(length) else { break }
                let data = UnsafeBufferPointer(rebasing: bytes[p..<p + length])
                p += length
                if status != 0 { cancelledBy = eventStart }
                if s != 0xFF {
                    let continuation = s == 0xF7 && sysexOpen
                    if s == 0xF0 || continuation { sysexOpen = data.last != 0xF7 }
                    sink.sysex(tick: tick, status: s, continuation: continuation, data: data)
                    continue
                }
                if type == 0x2F {
                    if length != 0 {
                        try note(.malformedMetaEvent, at: eventStart, "end-of-track meta event at byte \(eventStart) has \(length) data bytes, not 0")
                    }
                    end = .endOfTrack
                    break
                }
                var wellFormed = true
                if let problem = metaProblem(type: type, data: data) {
                    try note(.malformedMetaEvent, at: eventStart, "\(problem), at byte \(eventStart)")
                    wellFormed = false
                }
                sink.meta(tick: tick, type: type, data: data, wellFormed: wellFormed)
                continue
            }

            // 0xF1–0xF6, 0xF8–0xFE: system common and real-time messages belong on a wire, not in a file.
            try note(.systemMessageSkipped, at: eventStart, "system message \(hexByte(s)) at byte \(p - 1) has no place in a MIDI file")
            let dataBytes = s == 0xF2 ? 2 : (s == 0xF1 || s == 0xF3) ? 1 : 0
            var skipped = 0
            while skipped < dataBytes && p < limit && bytes[p] < 0x80 {
                p += 1
                skipped += 1
            }
        }

        // Where the next chunk starts, and the repairs the way this track ended calls for.
        var next = p
        if end == .truncated || end == .corrupt {
            tick = previousTick
            // After corrupt data in a chunk read past its stated end, let the chunk loop resync.
            next = end == .corrupt && extended ? p : limit
        }
        switch end {
        case .endOfTrack:
            if !extended && p < limit {
                if bytes.matches("MTrk", at: p) {
                    try note(.chunkLengthTooLong, at: chunkStart + 4, "track chunk length \(declaredLength) runs past the end-of-track event into the track chunk at byte \(p)")
                } else {
                    try note(.dataAfterEndOfTrack, at: p, "\(limit - p) bytes after the end-of-track event at byte \(eventStart) are inside the chunk")
                    // A declared end past the file end is wrong anyway; let the chunk loop look at what follows.
                    if declaredEnd <= fileEnd { next = limit }
                }
            }
        case .exhausted, .truncated, .corrupt:
            try note(.missingEndOfTrack, at: min(next, fileEnd), "track chunk at byte \(chunkStart) has no end-of-track event before byte \(min(next, fileEnd))")
        }
        if pairing.openCount > 0 {
            var closed: [MIDIRepair] = []
            let endTick = tick
            pairing.drain { key, open in
                sink.noteOff(tick: endTick, channel: UInt8(key >> 7), key: UInt8(key & 0x7F), velocity: 0, writtenAsNoteOn: false, handle: open.handle)
                closed.append(MIDIRepair(offset: open.offset, kind: .unterminatedNote))
            }
            repairs += closed
        }
        sink.meta(tick: tick, type: 0x2F, data: UnsafeBufferPointer(start: nil, count: 0), wellFormed: true)
        return next
    }
}
