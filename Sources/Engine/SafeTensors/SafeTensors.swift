/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N,
/// N bytes of JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
/// {string: string}}`, then the tensor bytes, offsets relative to the end of the header.
/// Python's `safetensors` and PyTorch open what `SafeTensorsWriter` writes.
public enum SafeTensors {
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", i8 = "I8", u8 = "U8", i32 = "I32", i64 = "I64"

        public var byteWidth: Int {
            switch self {
            case .f32, .i32: 4
            case .f16, .bf16: 2
            case .i8, .u8: 1
            case .i64: 8
            }
        }
    }

    /// Where one tensor lives in the file.
    public struct TensorInfo: Hashable, Sendable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        /// Byte range within the whole file (header included).
        public var byteRange: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Headers larger than this are refused: real ones are kilobytes.
    public static let maximumHeaderBytes = 100 << 20
}

/// A loading failure: what is wrong and at which byte of the file.
public struct SafeTensorsError: Error, Sendable, CustomStringConvertible, Equatable {
    public var offset: Int
    public var reason: String

    public var description: String { "byte \(offset): \(reason)" }
}
