/// How a Standard MIDI File reader treats input that breaks the specification.
public enum MIDIReadMode: Sendable, Hashable {
    /// Reject anything the SMF 1.0 specification does not allow, with the byte offset and reason.
    /// Things the specification allows but the reader changes on purpose (an alien chunk skipped,
    /// a note-off with no sounding note dropped, a note still sounding at the end of its track
    /// closed there) are not errors; they are listed in `repairs` in both modes.
    case strict
    /// Repair what real files get wrong and list every repair (see `MIDIRepair.Kind`). Only input
    /// that is not a MIDI file at all, or whose header is unusable, is still an error.
    case lenient
}

/// Why a byte sequence could not be read as a Standard MIDI File.
///
/// `description` reads like `byte 1234: track chunk length 99999 runs past the end of the file
/// (file is 2000 bytes) — the file is truncated; try lenient mode`.
public struct MIDIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based byte offset in the file where the problem was found.
    public var offset: Int
    /// One line: what is wrong, with the numbers that show it.
    public var reason: String
    /// One line: what the user can do about it.
    public var hint: String

    public init(offset: Int, reason: String, hint: String) {
        self.offset = offset
        self.reason = reason
        self.hint = hint
    }

    public var description: String { "byte \(offset): \(reason) — \(hint)" }
}

/// Formats a byte for messages: `0x9C`.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
}
