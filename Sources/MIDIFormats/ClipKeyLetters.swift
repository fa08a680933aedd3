/// The tonic letter of the Flex Data Set Key Signature message (M2-104-UM §7.5.7: 1...7 =
/// A...G, 0 = unknown). The message has no major/minor flag, but for a given number of sharps
/// the major tonic and its relative minor have different letters (C and A for none, G and E
/// for one sharp), so the letter tells the mode.
enum ClipKeyLetters {
    /// Tonic letter of the major key with `sharps` (-7...7; negative = flats).
    static func majorTonic(sharps: Int) -> UInt8 {
        // Each sharp moves the tonic up a fifth, four letter names (C → G → D ...).
        code(letterFromC: ((sharps * 4) % 7 + 7) % 7)
    }

    /// Tonic letter of the minor key with `sharps`: the major tonic's relative minor, a sixth
    /// (five letter names) above it.
    static func minorTonic(sharps: Int) -> UInt8 {
        code(letterFromC: (((sharps * 4) % 7 + 7) % 7 + 5) % 7)
    }

    /// Converts a letter counted from C (0 = C ... 6 = B) to the message's code (A = 1 ... G = 7).
    private static func code(letterFromC letter: Int) -> UInt8 {
        UInt8((letter + 2) % 7 + 1)
    }
}
