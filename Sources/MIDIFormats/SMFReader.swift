/// Reads a Standard MIDI File 1.0 in one pass over its bytes and feeds a sink.
///
/// Every read is checked against the end of the data before it happens, and nothing is
/// allocated from a length field that has not been checked against the bytes that remain, so
/// hostile input costs at most time and memory proportional to its size (and the event count is
/// capped at `maximumEvents`). The header and chunk structure are read here; events are in
/// `SMFReader+Track.swift`.
struct SMFReader {
    /// What the header said, after lenient repairs.
    struct Summary {
        var format: Int
        var division: MIDIFile.Division
        /// `MTrk` chunks read.
        var trackChunks: Int
    }

    let mode: MIDIReadMode
    /// Events (of all tracks together) beyond which the file is refused.
    let maximumEvents: Int
    var repairs: [MIDIRepair] = []
    var eventCount = 0

    init(mode: MIDIReadMode, maximumEvents: Int = MIDIFile.maximumEventCount) {
        self.mode = mode
        self.maximumEvents = maximumEvents
    }

    /// Lenient mode records the repair; strict mode throws for repairs that break the
    /// specification. `detail` (a one-line reason with numbers) is only built when thrown.
    mutating func note(_ kind: MIDIRepair.Kind, at offset: Int, _ detail: @autoclosure () -> String) throws(MIDIError) {
        if mode == .strict && kind.breaksSpecification {
            throw MIDIError(offset: offset, reason: detail(), hint: kind.strictHint)
        }
        repairs.append(MIDIRepair(offset: offset, kind: kind))
    }

    mutating func read<S: SMFSink>(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout S) throws(MIDIError) -> Summary {
        let (headerStart, format, declaredTracks, division, firstChunk) = try readHeader(bytes)
        sink.begin(division: division)
        var pairing = NotePairing()
        defer { pairing.deallocate() }
        let n = bytes.count
        var pos = firstChunk
        var trackChunks = 0
        while pos < n {
            if n - pos < 8 {
                try note(.trailingBytesIgnored, at: pos, "\(n - pos) bytes after the last chunk are too few to be a chunk")
                break
            }
            let length = Int(bytes.uint32(at: pos + 4))
            if bytes.matches("MTrk", at: pos) {
                if trackChunks == declaredTracks {
                    try note(.trackCountMismatch, at: pos, "track chunk \(trackChunks + 1) is beyond the \(declaredTracks) the header announces")
                }
                sink.beginTrack(chunkIndex: trackChunks, dataLength: min(length, n - pos - 8))
                pos = try decodeTrack(bytes, chunkStart: pos, into: &sink, pairing: &pairing)
                sink.endTrack()
                trackChunks += 1
            } else if bytes.isChunkName(at: pos) {
                if pos + 8 + length > n {
                    try note(.trailingBytesIgnored, at: pos, "chunk '\(bytes.name(at: pos))' of length \(length) runs past the end of the file (file is \(n) bytes)")
                    break
                }
                // Alien chunks are legal: SMF 1.0 tells readers to skip them.
                repairs.append(MIDIRepair(offset: pos, kind: .unknownChunkSkipped))
                pos += 8 + length
            } else if let next = bytes.find("MTrk", from: pos + 1) {
                try note(.junkSkipped, at: pos, "the bytes at \(pos) are not a chunk (no 4-letter ASCII name); the next MTrk is at byte \(next)")
                pos = next
            } else {
                try note(.trailingBytesIgnored, at: pos, "\(n - pos) bytes after the last chunk are not a chunk")
                break
            }
        }
        if trackChunks == 0 {
            throw MIDIError(
                offset: min(firstChunk, n), reason: "the file has no track chunk (the header announces \(declaredTracks))",
                hint: "the file is truncated after its header, or not a MIDI file")
        }
        if trackChunks < declaredTracks {
            try note(.trackCountMismatch, at: headerStart + 10, "the header announces \(declaredTracks) track chunks but the file has \(trackChunks)")
        }
        var finalFormat = format
        if format == 0 && trackChunks > 1 {
            try note(.formatZeroWithSeveralTracks, at: headerStart + 8, "format 0 file has \(trackChunks) track chunks (format 0 allows one)")
            finalFormat = 1
        }
        return Summary(format: finalFormat, division: division, trackChunks: trackChunks)
    }

    /// Checks the `MThd` chunk. Problems here are errors in both modes (nothing sensible can be
    /// read without a header), except leading bytes before `MThd`, which lenient mode skips.
    private mutating func readHeader(_ bytes: UnsafeBufferPointer<UInt8>) throws(MIDIError)
        -> (start: Int, format: Int, tracks: Int, division: MIDIFile.Division, firstChunk: Int)
    {
        let n = bytes.count
        guard n > 0 else {
            throw MIDIError(offset: 0, reason: "the file is empty", hint: "a Standard MIDI File starts with the 4 bytes 'MThd'")
        }
        var start = 0
        if !bytes.matches("MThd", at: 0) {
            // RIFF/RMID and MacBinary wrappers put the SMF a few bytes in; look a little way.
            let found = bytes.find("MThd", from: 1, before: min(n, 4096))
            guard let found else {
                throw MIDIError(
                    offset: 0, reason: "not a Standard MIDI File: it starts with \(bytes.preview(at: 0)), not 'MThd'",
                    hint: "check that this is a .mid file; a MIDI file's first 4 bytes are 4D 54 68 64 ('MThd')")
            }
            try note(.leadingBytesSkipped, at: 0, "the file has \(found) bytes before its 'MThd' header (found at byte \(found))")
            start = found
        }
        guard n - start >= 14 else {
            throw MIDIError(
                offset: start, reason: "the header chunk is cut off: \(n - start) bytes from 'MThd' to the end of the file, 14 needed",
                hint: "the file is truncated")
        }
        let headerLength = Int(bytes.uint32(at: start + 4))
        guard headerLength >= 6 else {
            throw MIDIError(offset: start + 4, reason: "header chunk length \(headerLength) is less than 6", hint: "the header is corrupt; this is not a readable MIDI file")
        }
        guard start + 8 + headerLength <= n else {
            throw MIDIError(
                offset: start + 4, reason: "header chunk length \(headerLength) runs past the end of the file (file is \(n) bytes)",
                hint: "the header is corrupt or the file is truncated")
        }
        let format = Int(bytes.uint16(at: start + 8))
        guard format <= 2 else {
            throw MIDIError(offset: start + 8, reason: "format \(format) is not 0, 1 or 2", hint: "the header is corrupt, or this is not a Standard MIDI File 1.0")
        }
        let tracks = Int(bytes.uint16(at: start + 10))
        guard tracks > 0 else {
            throw MIDIError(offset: start + 10, reason: "the header announces 0 tracks", hint: "a MIDI file needs at least one track; the header is corrupt")
        }
        let raw = bytes.uint16(at: start + 12)
        let division: MIDIFile.Division
        if raw & 0x8000 != 0 {
            // SMPTE: the high byte is minus the frame rate (two's complement), the low byte ticks per frame.
            let fps = -Int(Int8(bitPattern: UInt8(raw >> 8)))
            let ticksPerFrame = Int(raw & 0xFF)
            guard [24, 25, 29, 30].contains(fps), ticksPerFrame > 0 else {
                throw MIDIError(
                    offset: start + 12, reason: "SMPTE division of \(fps) frames per second and \(ticksPerFrame) ticks per frame",
                    hint: "SMPTE timing needs 24, 25, 29 or 30 frames per second and at least 1 tick per frame; the header is corrupt")
            }
            division = .smpte(framesPerSecond: fps, ticksPerFrame: ticksPerFrame)
        } else {
            guard raw > 0 else {
                throw MIDIError(offset: start + 12, reason: "division of 0 ticks per quarter note", hint: "the header is corrupt; no timing can be derived")
            }
            division = .ticksPerQuarter(Int(raw))
        }
        return (start, format, tracks, division, start + 8 + headerLength)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Big-endian; the caller checked `offset + 4 <= count`.
    @inline(__always)
    func uint32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    /// Big-endian; the caller checked `offset + 2 <= count`.
    @inline(__always)
    func uint16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// True when the 4 ASCII bytes of `name` are at `offset` (false when they would run past the end).
    func matches(_ name: StaticString, at offset: Int) -> Bool {
        guard offset >= 0, offset + 4 <= count else { return false }
        let p = name.utf8Start
        return self[offset] == p[0] && self[offset + 1] == p[1] && self[offset + 2] == p[2] && self[offset + 3] == p[3]
    }

    /// A chunk name is 4 printable ASCII characters (SMF 1.0 chunk types are letters).
    func isChunkName(at offset: Int) -> Bool {
        guard offset >= 0, offset + 4 <= count else { return false }
        return (offset..<offset + 4).allSatisfy { (0x20...0x7E).contains(self[$0]) }
    }

    func name(at offset: Int) -> String { decodeMIDIText(self[offset..<Swift.min(offset + 4, count)]) }

    /// First offset ≥ `from` where `name` starts and ends before `before`.
    func find(_ name: StaticString, from: Int, before: Int? = nil) -> Int? {
        let end = Swift.min(before ?? count, count)
        var i = from
        while i + 4 <= end {
            if matches(name, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// Up to 4 bytes at `offset` as hex and as quoted ASCII, for error messages.
    func preview(at offset: Int) -> String {
        let slice = self[offset..<Swift.min(offset + 4, count)]
        let hex = slice.map { String(hexByte($0).dropFirst(2)) }.joined(separator: " ")
        let ascii = String(slice.map { (0x20...0x7E).contains($0) ? Character(Unicode.Scalar($0)) : "." })
        return "\(hex) (\"\(ascii)\")"
    }

    /// True when a chunk header plausibly starts at `offset`: "MTrk", or a printable name whose
    /// length fits in the file. Used to tell a chunk that ends where it says from one that does not.
    func looksLikeChunkHeader(at offset: Int) -> Bool {
        guard offset + 8 <= count else { return false }
        if matches("MTrk", at: offset) { return true }
        return isChunkName(at: offset) && offset + 8 + Int(uint32(at: offset + 4)) <= count
    }
}
