import CKernels

/// A weight matrix (rows, columns) = PyTorch's Linear (out, in), stored for batch-1 inference:
/// in fp32 (the model's own parameters, not copied) or quantized to int8 with one scale per row.
///
/// Generation reads every weight once per token, so it runs at memory speed: int8 reads a
/// quarter of the bytes fp32 does.
public enum InferenceMatrix {
    case float(UnsafePointer<Float>, rows: Int, columns: Int)
    case int8(QuantizedMatrix)

    public var rows: Int {
        switch self {
        case .float(_, let rows, _): rows
        case .int8(let q): q.rows
        }
    }

    /// y (rows) = W · x (columns), then + bias when given.
    public func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?) {
        switch self {
        case .float(let w, let rows, let columns):
            cdz_sgemv(false, rows, columns, 1, w, columns, x, 0, y, MatrixMultiply.threads)
        case .int8(let q):
            q.multiply(x, into: y)
        }
        if let bias {
            for i in 0..<rows { y[i] += bias[i] }
        }
    }
}

/// Symmetric per-row int8 quantization: W[i, k] ≈ scale[i] · Q[i, k], Q in -127...127,
/// scale[i] = max |W[i, :]| / 127.
public final class QuantizedMatrix: @unchecked Sendable {
    /// Gives the quantized form of the fp32 matrix at a pointer (rows, columns), e.g. from a cache.
    public typealias Provider = (UnsafePointer<Float>, Int, Int) -> QuantizedMatrix

    public let rows: Int, columns: Int
    public private(set) var values: [Int8]
    public private(set) var scales: [Float]
    private var rowSums: [Int32]

    /// Quantizes `rows × columns` fp32 values (row-major).
    public init(quantizing w: UnsafePointer<Float>, rows: Int, columns: Int) {
        (self.rows, self.columns) = (rows, columns)
        values = [Int8](repeating: 0, count: rows * columns)
        scales = [Float](repeating: 0, count: rows)
        rowSums = [Int32](repeating: 0, count: rows)
        cdz_quantize_rows_q8(rows, columns, w, columns, &values, columns, &scales, &rowSums)
    }

    /// Rebuilds a quantized matrix from stored values and scales (an int8 checkpoint).
    public init(values: [Int8], scales: [Float], rows: Int, columns: Int) {
        precondition(values.count == rows * columns && scales.count == rows, "quantized matrix sizes do not match")
        (self.rows, self.columns, self.values, self.scales) = (rows, columns, values, scales)
        rowSums = (0..<rows).map { i in (0..<columns).reduce(Int32(0)) { $0 + Int32(values[i * columns + $1]) } }
    }

    /// y = dequantized W · x; x is quantized to int8 on the fly (`cdz_q8gemv`).
    public func multiply(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        cdz_q8gemv(rows, columns, values, columns, scales, rowSums, x, y, MatrixMultiply.threads)
    }

    /// The fp32 values this matrix stands for (scale · Q), row-major.
    public func dequantized(into w: UnsafeMutablePointer<Float>) {
        for i in 0..<rows { dequantizedRow(i, into: w + i * columns) }
    }

    /// Row `i`'s fp32 values (`columns` of them), exactly as `dequantized(into:)` writes them.
    public func dequantizedRow(_ i: Int, into w: UnsafeMutablePointer<Float>) {
        for k in 0..<columns { w[k] = scales[i] * Float(values[i * columns + k]) }
    }
}
