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

    /// Fills `values` (laid out by this table) from the tensors of `file` with the same names.
    /// Every entry must be present with exactly its shape; tensors the table does not know are
    /// an error too, so a checkpoint of another architecture is never half-loaded.
    public func read(from file: SafeTensorsFile, into values: UnsafeMutablePointer<Float>, prefix: String = "") throws(SafeTensorsError) {
        let known = Set(entries.map { prefix + $0.name })
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
            let floats = try file.floats(prefix + entry.name)
            floats.withUnsafeBufferPointer { (values + entry.offset).update(from: $0.baseAddress!, count: entry.count) }
        }
    }
}
