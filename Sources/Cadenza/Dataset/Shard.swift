/// The on-disk shard: a fixed header, the token stream, and a document index.
///
/// ```
/// offset  size  field (little-endian)
///      0     8  magic "CDZSHARD"
///      8     4  format version (1)
///     12     4  vocabulary size
///     16     8  token count T
///     24     8  document count D
///     32     8  tokenizer config fingerprint (TokenizerConfig.fingerprint)
///     40     8  byte offset of the document index (64 + 2·T)
///     48    16  reserved, zero
///     64   2·T  tokens, UInt16
///  64+2T  16·D  documents: token offset UInt64, length UInt32, genre slot UInt16, flags UInt16
/// ```
/// A training window drawn anywhere in the stream finds its document (and so its genre) by a
/// binary search in the index. Flags: bit 0 = transposed copy (augmentation).
public enum Shard {
    public static let magic: [UInt8] = Array("CDZSHARD".utf8)
    public static let version: UInt32 = 1
    public static let headerSize = 64
    public static let documentEntrySize = 16

    /// One document (piece) in a shard.
    public struct Document: Hashable, Sendable {
        /// First token, counted in tokens from the start of the token stream.
        public var offset: Int
        /// Number of tokens, BOS to EOS.
        public var length: Int
        /// Genre slot in the tokenizer config's `genres`.
        public var genre: Int
        /// Bit 0: a transposed copy made by augmentation.
        public var flags: UInt16

        public init(offset: Int, length: Int, genre: Int, flags: UInt16 = 0) {
            self.offset = offset
            self.length = length
            self.genre = genre
            self.flags = flags
        }

        public var isAugmented: Bool { flags & 1 != 0 }
    }
}

/// Little-endian byte packing shared by the binary formats of this module.
enum LittleEndian {
    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }

    /// Reads a `T` at `offset`; the caller has checked that `offset + size` is in bounds.
    static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
