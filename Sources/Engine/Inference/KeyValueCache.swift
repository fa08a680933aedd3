import CKernels

/// The transformer decoder's cache of keys and values per layer, in fp32 or fp16.
///
/// Layout per layer, head-major so that each head is read as a few long streams: keys
/// transposed (heads, head size, context), values (heads, context, head size); see
/// `cdz_attention_decode_heads`. At 512 positions transformer-small's fp32 cache is 6 MB,
/// more than its int8 weights (5 MB), and is read once per token like them; the int8 decoder
/// therefore keeps it in fp16 (relative rounding 2⁻¹¹, far below int8's 2⁻⁸).
final class KeyValueCache {
    enum Precision { case float32, float16 }

    let precision: Precision
    let layers: Int, heads: Int, headSize: Int, context: Int
    private var channels: Int { heads * headSize }
    private var layerCount: Int { 2 * context * channels }  // keys then values
    private let memory: UnsafeMutableRawPointer  // Floats or UInt16 halves, by `precision`
    private let byteCount: Int
    private let staging: UnsafeMutablePointer<UInt16>  // fp16: one position's key or value

    init(precision: Precision, layers: Int, heads: Int, headSize: Int, context: Int) {
        (self.precision, self.layers, self.heads, self.headSize, self.context) = (precision, layers, heads, headSize, context)
        let count = max(layers * 2 * context * heads * headSize, 1)
        // Zero-filled (positions not yet written are never read, but a wrong length should
        // read zeros, not old memory) by fresh pages that cost nothing until a token reaches them.
        byteCount = count * (precision == .float32 ? 4 : 2)
        guard let memory = cdz_zeroed_alloc(byteCount) else { fatalError("out of memory allocating a KV cache of \(byteCount) bytes") }
        switch precision {
        case .float32: memory.bindMemory(to: Float.self, capacity: count)
        case .float16: memory.bindMemory(to: UInt16.self, capacity: count)
        }
        self.memory = memory
        staging = .allocate(capacity: max(heads * headSize, 1))
    }

    deinit {
        cdz_zeroed_free(memory, byteCount)
        staging.deallocate()
    }

    /// Writes position `t` of `layer`: key and value (C = heads · head size each, as the QKV
    /// projection lays them out).
    func store(layer: Int, position t: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        precondition(layer < layers && t < context, "cache position out of range")
        let (C, T, hs) = (channels, context, headSize), base = layer * layerCount
        switch precision {
        case .float32:
            let k = memory.assumingMemoryBound(to: Float.self) + base, v = k + C * T
            for i in 0..<C { k[i * T + t] = key[i] }  // row h·hs + d of Kᵀ
            for h in 0..<heads { (v + (h * T + t) * hs).update(from: value + h * hs, count: hs) }
        case .float16:
            let k = memory.assumingMemoryBound(to: UInt16.self) + base, v = k + C * T, bits = staging
            cdz_f32_to_f16(C, key, bits)
            for i in 0..<C { k[i * T + t] = bits[i] }
            cdz_f32_to_f16(C, value, bits)
            for h in 0..<heads { (v + (h * T + t) * hs).update(from: bits + h * hs, count: hs) }
        }
    }

    /// Attention of `query` (C) against positions 0 ..< length of `layer` into `output` (C);
    /// `scores` is scratch of `length` floats.
    func attend(layer: Int, length: Int, query: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                scores: UnsafeMutablePointer<Float>, threads: Int32) {
        let (C, T) = (channels, context), base = layer * layerCount
        switch precision {
        case .float32:
            let k = memory.assumingMemoryBound(to: Float.self) + base
            cdz_attention_decode_heads(length, heads, headSize, query, k, k + C * T, T, output, scores, threads)
        case .float16:
            let k = memory.assumingMemoryBound(to: UInt16.self) + base
            cdz_attention_decode_heads_f16(length, heads, headSize, query, k, k + C * T, T, output, scores, threads)
        }
    }
}
