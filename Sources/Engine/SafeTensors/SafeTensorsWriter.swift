/// Builds a safetensors file in memory: tensors in the order added, metadata as strings, the
/// header padded with spaces to a multiple of 8 bytes as the reference writer does, so the data
/// section stays aligned for memory mapping.
public struct SafeTensorsWriter: Sendable {
    private var entries: [(name: String, dtype: SafeTensors.DType, shape: [Int], data: [UInt8])] = []
    public var metadata: [String: String] = [:]

    public init() {}

    /// Adds a float tensor stored as `dtype` (F32, F16 or BF16).
    public mutating func add(_ name: String, shape: [Int], floats: [Float], as dtype: SafeTensors.DType = .f32) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not match \(floats.count) values")
        var data: [UInt8] = []
        data.reserveCapacity(floats.count * dtype.byteWidth)
        switch dtype {
        case .f32:
            for f in floats { let b = f.bitPattern; data += [UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8), UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24)] }
        case .f16:
            for f in floats { let h = HalfPrecision.float16Bits(f); data += [UInt8(truncatingIfNeeded: h), UInt8(h >> 8)] }
        case .bf16:
            for f in floats { let h = HalfPrecision.bfloat16Bits(f); data += [UInt8(truncatingIfNeeded: h), UInt8(h >> 8)] }
        default:
            preconditionFailure("\(dtype) is not a float type")
        }
        add(name, dtype: dtype, shape: shape, data: data)
    }

    /// Adds an int8 tensor.
    public mutating func add(_ name: String, shape: [Int], int8s: [Int8]) {
        precondition(shape.reduce(1, *) == int8s.count, "shape \(shape) does not match \(int8s.count) values")
        add(name, dtype: .i8, shape: shape, data: int8s.map { UInt8(bitPattern: $0) })
    }

    private mutating func add(_ name: String, dtype: SafeTensors.DType, shape: [Int], data: [UInt8]) {
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "tensor names must be unique")
        entries.append((name, dtype, shape, data))
    }

    /// The whole file.
    public func bytes() -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            let sorted = metadata.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONValue.string($0.value)) }
            members.append(("__metadata__", .object(sorted)))
        }
        var offset = 0
        for e in entries {
            members.append((e.name, .object([
                ("dtype", .string(e.dtype.rawValue)),
                ("shape", .array(e.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + e.data.count))])),
            ])))
            offset += e.data.count
        }
        var header = Array(JSONValue.object(members).serialized().utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let n = UInt64(header.count)
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        out += header
        for e in entries { out += e.data }
        return out
    }
}
