/// FNV-1a, 64 bits: a hash that is the same on every run and every machine, unlike Swift's
/// `Hasher`, which is seeded per process. Used for content hashes (de-duplication, splits)
/// and config fingerprints, never for security.
public struct StableHasher: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte: byte) }
    }

    /// Mixes in the eight little-endian bytes of an integer.
    public mutating func combine(_ integer: Int) {
        var x = UInt64(bitPattern: Int64(integer))
        for _ in 0..<8 {
            combine(byte: UInt8(truncatingIfNeeded: x))
            x >>= 8
        }
    }

    public mutating func combine(_ string: String) {
        combine(string.utf8)
        combine(byte: 0)  // separator, so "ab"+"c" differs from "a"+"bc"
    }

    /// Hash of a byte sequence in one call.
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hasher = StableHasher()
        hasher.combine(bytes)
        return hasher.value
    }

    /// Lowercase 16-digit hexadecimal form, for manifests and file names.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
