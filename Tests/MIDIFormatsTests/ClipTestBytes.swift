/// Byte-building helpers for the Clip File tests. They only lay words out big-endian; every
/// word's meaning is spelled out at the call site, so the tests do not depend on the writer.
enum ClipTestBytes {
    /// The File Header, "SMF2CLIP" in ASCII (M2-116-U §5).
    static let fileHeader: [UInt8] = [0x53, 0x4D, 0x46, 0x32, 0x43, 0x4C, 0x49, 0x50]

    /// The words, each as four big-endian bytes.
    static func words(_ words: UInt32...) -> [UInt8] {
        words.flatMap { [UInt8($0 >> 24), UInt8(($0 >> 16) & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] }
    }

    /// Delta Clockstamp (utility type 0x0, status 0x4, 20-bit ticks).
    static func dcs(_ ticks: UInt32) -> [UInt8] { words(0x0040_0000 | ticks) }

    /// Delta Clockstamp Ticks Per Quarter Note (utility type 0x0, status 0x3, 16-bit value).
    static func dctpq(_ ticks: UInt32) -> [UInt8] { words(0x0030_0000 | ticks) }

    /// UMP Stream Start of Clip (type 0xF, status 0x20), 128 bits.
    static let startOfClip = words(0xF020_0000, 0, 0, 0)

    /// UMP Stream End of Clip (type 0xF, status 0x21), 128 bits.
    static let endOfClip = words(0xF021_0000, 0, 0, 0)

    /// A minimal valid clip: header, DCS 0 + DCTPQ 96, DCS 0 + Start, `body`, DCS 0 + End.
    static func clip(_ body: [UInt8] = []) -> [UInt8] {
        fileHeader + dcs(0) + dctpq(96) + dcs(0) + startOfClip + body + dcs(0) + endOfClip
    }
}
