/// The parameter table is the checkpoint's map: each entry becomes one tensor with the entry's
/// name and shape (PyTorch's state_dict names), so Python and Cadenza exchange weights.
extension ParameterTable {
    /// Adds every entry's slice of `values` (laid out by this table) to `writer` as `dtype`
    /// (F32 for training checkpoints, F16/BF16 for a compact shipped model).
    public func write(_ values: UnsafePointer<Float>, into writer: inout SafeTensorsWriter, as dtype: SafeTensors.DType = .f32, prefix: String = "") {
        for entry in entries {
            let slice = Array(UnsafeBufferPointer(start: values + entry.offset, count: entry.count))
            writer.add(prefix + entry.name, shape: entry.shape, floats: slice, as: dtype)
        }
    }

    /// Adds every entry to `writer` for int8 inference: each matrix and embedding (2-D) as an
    /// I8 tensor quantized per row, with its row scales as F32 `NAME.scale` (rows), so that
    /// W[i, k] ≈ scale[i] · Q[i, k]; vectors (biases, LayerNorm) stay F32.
    public func writeQuantized(_ values: UnsafePointer<Float>, into writer: inout SafeTensorsWriter) {
        for entry in entries {
            if entry.shape.count == 2 {
                let q = QuantizedMatrix(quantizing: values + entry.offset, rows: entry.shape[0], columns: entry.shape[1])
                writer.add(entry.name, shape: entry.shape, int8s: q.values)
                writer.add(entry.name + Self.scaleSuffix, shape: [entry.shape[0]], floats: q.scales, as: .f32)
            } else {
                writer.add(entry.name, shape: entry.shape, floats: Array(UnsafeBufferPointer(start: values + entry.offset, count: entry.count)))
            }
        }
    }

    /// Name suffix of the row scales beside an I8 tensor.
    public static let scaleSuffix = ".scale"

    /// Fills `values` (laid out by this table) from the tensors of `file` with the same names.
    /// Every entry must be present with exactly its shape; tensors the table does not know are
    /// an error too, so a checkpoint of another architecture is never half-loaded. F32, F16 and
    /// BF16 tensors are converted; an I8 matrix (`writeQuantized`) is dequantized with its
    /// `NAME.scale` rows. Returns those int8 matrices by their entry's offset, so inference can
    /// use them as stored instead of quantizing the dequantized values again. With
    /// `dequantize: false` their ranges of `values` are left untouched, for a caller that
    /// writes them later (or never needs them in fp32).
    @discardableResult
    public func read(from file: SafeTensorsFile, into values: UnsafeMutablePointer<Float>, prefix: String = "",
                     dequantize: Bool = true) throws(SafeTensorsError) -> [Int: QuantizedMatrix]
    {
        var quantized: [Int: QuantizedMatrix] = [:]
        var known = Set(entries.map { prefix + $0.name })
        for entry in entries where entry.shape.count == 2 { known.insert(prefix + entry.name + Self.scaleSuffix) }
        if let stranger = file.tensors.first(where: { $0.name.hasPrefix(prefix) && !known.contains($0.name) }) {
            throw SafeTensorsError(offset: stranger.byteRange.lowerBound, reason: "tensor \"\(stranger.name)\" is not a parameter of this model (another architecture or size?)")
        }
        for entry in entries {
            guard let info = file.info(prefix + entry.name) else {
                throw SafeTensorsError(offset: 8, reason: "parameter \"\(prefix + entry.name)\" \(entry.shape) is missing")
            }
            guard info.shape == entry.shape else {
                throw SafeTensorsError(offset: info.byteRange.lowerBound, reason: "parameter \"\(entry.name)\" has shape \(info.shape), the model needs \(entry.shape)")
            }
            if info.dtype == .i8 {
                let rows = entry.shape.count == 2 ? entry.shape[0] : 0
                let scaleName = prefix + entry.name + Self.scaleSuffix
                guard rows > 0, let scaleInfo = file.info(scaleName), scaleInfo.shape == [rows] else {
                    throw SafeTensorsError(offset: info.byteRange.lowerBound, reason: "I8 tensor \"\(entry.name)\" needs F32 row scales \"\(scaleName)\" of shape [\(max(rows, 1))]")
                }
                let scales = try file.floats(scaleName)
                // At most max/128, so that every scale · q (any int8, even -128) is finite too.
                guard scales.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= .greatestFiniteMagnitude / 128 }) else {
                    throw SafeTensorsError(offset: scaleInfo.byteRange.lowerBound, reason: "row scales \"\(scaleName)\" must be finite, non-negative and at most 2.6e36")
                }
                let q = QuantizedMatrix(values: try file.int8s(prefix + entry.name), scales: scales, rows: rows, columns: entry.shape[1])
                if dequantize { q.dequantized(into: values + entry.offset) }
                quantized[entry.offset] = q
                continue
            }
            let floats = try file.floats(prefix + entry.name)
            floats.withUnsafeBufferPointer { (values + entry.offset).update(from: $0.baseAddress!, count: entry.count) }
        }
        return quantized
    }
}
