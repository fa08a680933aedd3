/// One thing the reader changed while reading a file, and where.
///
/// Most kinds repair a breach of the SMF 1.0 specification: lenient mode fixes and lists them,
/// strict mode throws a `MIDIError` at the first one instead (`Kind.breaksSpecification`).
/// Three kinds are legal input that the reader still changes on purpose (an alien chunk, an
/// orphan note-off, a note left sounding); they are listed in both modes and never thrown.
public struct MIDIRepair: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Bytes before `MThd` (a RIFF/RMID or MacBinary wrapper, for example) were skipped.
        case leadingBytesSkipped
        /// A chunk with an unknown but well-formed ASCII name was skipped (legal in SMF 1.0).
        case unknownChunkSkipped
        /// Bytes that are not a chunk (no 4-letter ASCII name) were skipped up to the next `MTrk`.
        case junkSkipped
        /// Bytes after the last chunk that do not form a chunk were ignored.
        case trailingBytesIgnored
        /// The header's track count differs from the number of `MTrk` chunks; all chunks found are read.
        case trackCountMismatch
        /// A format-0 file has more than one track chunk; it is read as format 1.
        case formatZeroWithSeveralTracks
        /// A track chunk's length runs past the end of the file; its data is read up to the end.
        case chunkLengthPastEnd
        /// A track chunk's length ends before its end-of-track event; reading went on past the
        /// stated length to the end-of-track event.
        case chunkLengthTooShort
        /// A track chunk's length runs past its end-of-track event into the next `MTrk` chunk;
        /// reading went on with that chunk.
        case chunkLengthTooLong
        /// Bytes after the end-of-track event but inside the chunk's stated length were skipped.
        case dataAfterEndOfTrack
        /// The track had no end-of-track event; one was added at the tick of its last event.
        case missingEndOfTrack
        /// An event was cut off by the end of the track data; it was dropped and the track ends there.
        case truncatedEvent
        /// A variable-length number had more than 4 bytes; the rest of the track was dropped.
        case badVariableLengthNumber
        /// A data byte came where a status byte was needed and there was no running status; it was skipped.
        case dataByteWithoutStatus
        /// A channel event used running status across a meta or sysex event (the specification
        /// says those cancel running status); the earlier status was used.
        case runningStatusAfterMetaOrSysex
        /// A channel message data byte was 128 or more; it was clipped to 127.
        case dataByteOutOfRange
        /// A system common or real-time message (0xF1–0xFE other than 0xF7), which has no place in a
        /// file, was skipped together with its data bytes.
        case systemMessageSkipped
        /// A known meta event had the wrong length or an impossible value (tempo 0, key of 9
        /// sharps…); it is kept as a raw meta event and ignored when building a score.
        case malformedMetaEvent
        /// A note-off (or note-on with velocity 0) found no sounding note of that channel and key;
        /// it was dropped. Legal in SMF 1.0, so never an error.
        case orphanNoteOff
        /// A note was still sounding at the end of its track; it was closed at the track's last
        /// tick. Legal in SMF 1.0, so never an error.
        case unterminatedNote

        /// True when the input breaks SMF 1.0, so strict mode rejects it instead of repairing.
        public var breaksSpecification: Bool {
            switch self {
            case .unknownChunkSkipped, .orphanNoteOff, .unterminatedNote: return false
            default: return true
            }
        }

        /// One line saying what lenient reading did.
        public var summary: String {
            switch self {
            case .leadingBytesSkipped: return "skipped bytes before the MThd header"
            case .unknownChunkSkipped: return "skipped a chunk of unknown type"
            case .junkSkipped: return "skipped bytes that are not a chunk, up to the next MTrk"
            case .trailingBytesIgnored: return "ignored bytes after the last chunk"
            case .trackCountMismatch: return "the header's track count differs from the track chunks found; read all of them"
            case .formatZeroWithSeveralTracks: return "format 0 file with several tracks; read as format 1"
            case .chunkLengthPastEnd: return "track chunk length runs past the end of the file; read to the end"
            case .chunkLengthTooShort: return "track chunk length ends before its end-of-track event; read on to that event"
            case .chunkLengthTooLong: return "track chunk length runs into the next track chunk; read that chunk"
            case .dataAfterEndOfTrack: return "skipped bytes after the end-of-track event inside the chunk"
            case .missingEndOfTrack: return "track has no end-of-track event; added one at its last tick"
            case .truncatedEvent: return "event cut off by the end of the track data; dropped it"
            case .badVariableLengthNumber: return "variable-length number longer than 4 bytes; dropped the rest of the track"
            case .dataByteWithoutStatus: return "data byte with no status byte (no running status); skipped it"
            case .runningStatusAfterMetaOrSysex: return "running status used across a meta or sysex event; kept the earlier status"
            case .dataByteOutOfRange: return "data byte of 128 or more in a channel message; clipped to 127"
            case .systemMessageSkipped: return "system common/real-time message in a file; skipped it"
            case .malformedMetaEvent: return "meta event with a wrong length or impossible value; kept raw, ignored for the score"
            case .orphanNoteOff: return "note-off with no sounding note; dropped it"
            case .unterminatedNote: return "note still sounding at the end of its track; closed it there"
            }
        }

        /// What to do when strict mode rejects a file for this reason.
        var strictHint: String {
            switch self {
            case .chunkLengthPastEnd, .truncatedEvent, .trackCountMismatch:
                return "the file is truncated or its lengths are wrong; try lenient mode to read what is there"
            case .badVariableLengthNumber:
                return "the track data is corrupt; lenient mode keeps the events before this point"
            default:
                return "lenient mode repairs this (\(summary))"
            }
        }
    }

    /// 0-based byte offset of the event, chunk or field concerned.
    public var offset: Int
    public var kind: Kind

    public init(offset: Int, kind: Kind) {
        self.offset = offset
        self.kind = kind
    }

    /// `byte 1234: note-off with no sounding note; dropped it`.
    public var description: String { "byte \(offset): \(kind.summary)" }
}
