/// Why a byte sequence is not a MIDI Clip File this reader accepts.
///
/// Every error names the byte offset where reading stopped (0-based, counted from the first
/// byte of the file, so the `SMF2CLIP` header is bytes 0...7), what was wrong there, and what
/// the user can do about it.
public struct ClipFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset of the offending message (or of the end of the data when something is
    /// missing), 0-based.
    public var offset: Int
    /// What is wrong, in one sentence.
    public var reason: String
    /// What to do about it.
    public var hint: String

    public init(offset: Int, reason: String, hint: String) {
        self.offset = offset
        self.reason = reason
        self.hint = hint
    }

    public var description: String { "MIDI Clip File, byte \(offset): \(reason). \(hint)" }
}
