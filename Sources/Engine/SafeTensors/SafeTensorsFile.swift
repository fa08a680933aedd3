/// A safetensors file read into memory and validated as hostile input: the header length, the
/// JSON, every dtype, shape and offset are checked before any tensor is touched, and the
/// tensors must tile the data section exactly (as the Python library requires).
public struct SafeTensorsFile: Sendable {
    public let bytes: [UInt8]
    /// `__metadata__`: string keys and values.
    public let metadata: [String: String]
    /// Tensors in file order.
    public let tensors: [SafeTensors.TensorInfo]
    private let index: [String: Int]

    public init(bytes: [UInt8]) throws(SafeTensorsError) {
        self.bytes = bytes
        guard bytes.count >= 8 else { throw SafeTensorsError(offset: 0, reason: "file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(SafeTensors.maximumHeaderBytes), Int(length) <= bytes.count - 8 else {
            throw SafeTensorsError(offset: 0, reason: "header length \(length) is larger than the file (\(bytes.count) bytes) or than 100 MB")
        }
        let headerEnd = 8 + Int(length)
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes[8..<headerEnd])
        } catch {
            throw SafeTensorsError(offset: 8 + error.offset, reason: "header JSON: \(error.reason)")
        }
        guard case .object(let members) = json else { throw SafeTensorsError(offset: 8, reason: "the header is not a JSON object") }
        var metadata: [String: String] = [:]
        var tensors: [SafeTensors.TensorInfo] = []
        var seen: Set<String> = []
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw SafeTensorsError(offset: 8, reason: "tensor \"\(name)\" appears twice") }
            if name == "__metadata__" {
                guard case .object(let entries) = value else { throw SafeTensorsError(offset: 8, reason: "__metadata__ is not an object") }
                for (key, item) in entries {
                    guard let text = item.stringValue else { throw SafeTensorsError(offset: 8, reason: "__metadata__ value of \"\(key)\" is not a string") }
                    metadata[key] = text
                }
                continue
            }
            let bad = { (what: String) in SafeTensorsError(offset: 8, reason: "tensor \"\(name)\": \(what)") }
            guard let dtypeName = value["dtype"]?.stringValue else { throw bad("no dtype") }
            guard let dtype = SafeTensors.DType(rawValue: dtypeName) else { throw bad("unsupported dtype \(dtypeName)") }
            guard case .array(let dims)? = value["shape"], dims.count <= 8 else { throw bad("shape is not an array of at most 8 dimensions") }
            var shape: [Int] = []
            var count = 1
            for dim in dims {
                guard let d = dim.integerValue, d <= Int(Int32.max) else { throw bad("shape has a dimension that is not a small non-negative integer") }
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= bytes.count else { throw bad("shape \(dims.map { $0.serialized() }) holds more elements than the file has bytes") }
                count = product
                shape.append(d)
            }
            guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2,
                  let begin = offsets[0].integerValue, let end = offsets[1].integerValue, begin <= end,
                  end <= bytes.count - headerEnd
            else { throw bad("data_offsets are missing or outside the data section") }
            guard end - begin == count * dtype.byteWidth else {
                throw bad("data_offsets span \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(count * dtype.byteWidth)")
            }
            tensors.append(.init(name: name, dtype: dtype, shape: shape, byteRange: (headerEnd + begin)..<(headerEnd + end)))
        }
        // The tensors must tile the data section with no gap or overlap.
        let sorted = tensors.sorted { $0.byteRange.lowerBound < $1.byteRange.lowerBound }
        var cursor = headerEnd
        for t in sorted {
            guard t.byteRange.lowerBound == cursor else {
                throw SafeTensorsError(offset: cursor, reason: "tensor \"\(t.name)\" does not start where the previous one ends (gap or overlap)")
            }
            cursor = t.byteRange.upperBound
        }
        guard cursor == bytes.count else { throw SafeTensorsError(offset: cursor, reason: "\(bytes.count - cursor) bytes after the last tensor") }
        self.metadata = metadata
        self.tensors = tensors
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    public func info(_ name: String) -> SafeTensors.TensorInfo? { index[name].map { tensors[$0] } }

    /// A floating-point tensor as Float, converted from F32, F16 or BF16.
    public func floats(_ name: String) throws(SafeTensorsError) -> [Float] {
        guard let t = info(name) else { throw SafeTensorsError(offset: 8, reason: "no tensor named \"\(name)\"") }
        let start = t.byteRange.lowerBound
        let loadU16 = { (i: Int) -> UInt16 in UInt16(bytes[start + 2 * i]) | UInt16(bytes[start + 2 * i + 1]) << 8 }
        switch t.dtype {
        case .f32:
            return (0..<t.elementCount).map { i in
                let o = start + 4 * i
                return Float(bitPattern: UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
            }
        case .f16: return (0..<t.elementCount).map { HalfPrecision.float(float16Bits: loadU16($0)) }
        case .bf16: return (0..<t.elementCount).map { HalfPrecision.float(bfloat16Bits: loadU16($0)) }
        default: throw SafeTensorsError(offset: start, reason: "tensor \"\(name)\" is \(t.dtype.rawValue), not a floating-point type")
        }
    }

    /// An I8 tensor's values.
    public func int8s(_ name: String) throws(SafeTensorsError) -> [Int8] {
        guard let t = info(name), t.dtype == .i8 else { throw SafeTensorsError(offset: 8, reason: "no I8 tensor named \"\(name)\"") }
        // One copy of the bytes (a per-element map cost ~1 ns a byte: 5 ms of the default
        // model's load, before the first note).
        let range = t.byteRange
        return [Int8](unsafeUninitializedCapacity: range.count) { values, initialized in
            bytes[range].withUnsafeBytes { UnsafeMutableRawBufferPointer(values).copyMemory(from: $0) }
            initialized = range.count
        }
    }
}
