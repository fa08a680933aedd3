import CKernels
import Testing

/// The fp16 pieces of generation's KV cache: conversions that agree with the hardware's, the
/// fp16 Aᵀ·x on every path against a double-sum loop, and fp16-cache attention against the
/// fp32 one on the same (fp16-rounded) values.
extension KernelTests {
    static func halves(_ values: [Float]) -> [UInt16] {
        var bits = [UInt16](repeating: 0, count: values.count)
        cdz_f32_to_f16(values.count, values, &bits)
        return bits
    }

    static func floats(_ bits: [UInt16]) -> [Float] {
        var values = [Float](repeating: 0, count: bits.count)
        cdz_f16_to_f32(bits.count, bits, &values)
        return values
    }

    #if !(os(macOS) && arch(x86_64))  // Swift has no Float16 on Intel Macs
    /// Every binary16 value widens exactly as Swift's Float16 does (NaNs: still NaN, same
    /// sign), and fp32 values, including ties, subnormals, overflow and ±0, round like it.
    @Test func halfConversionsMatchFloat16() {
        let all = (0...UInt16.max).map { $0 }
        for (bits, widened) in zip(all, Self.floats(all)) {
            let expected = Float(Float16(bitPattern: bits))
            if expected.isNaN {
                #expect(widened.isNaN && widened.sign == expected.sign, "bits \(bits)")
            } else {
                #expect(widened.bitPattern == expected.bitPattern, "bits \(bits)")
            }
        }
        var samples: [Float] = [0, -0, 1, -1, 65504, 65519.996, 65520, -65520, 1e9, .infinity, -.infinity,
                                0x1p-14, 0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1.8p-24, 0x1.4p-24, 0x1p-30, 6.1e-5,
                                .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        samples += (0..<4096).map { Float(bitPattern: 0x3300_0000 &+ UInt32($0) &* 0x0002_5A3F) }  // 2⁻²⁵ … 2¹⁶ and beyond
        samples += Self.values(2000, seed: 91).map { $0 * 70000 }
        samples += samples.map { -$0 }
        // Every path narrows the same way (AVX2 with F16C, in blocks of 8 and a scalar tail).
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            for (value, bits) in zip(samples, Self.halves(samples)) {
                #expect(bits == Float16(value).bitPattern, "isa \(isa.rawValue) value \(value)")
            }
            #expect(Self.floats(Self.halves([.nan]))[0].isNaN)
            let nans = [Float(bitPattern: 0x7fc0_1234), Float(bitPattern: 0xff80_2001), Float(bitPattern: 0x7f81_e000)]
            #expect(Self.halves(nans + nans + nans) == (0..<9).map { i in
                let x = nans[i % 3].bitPattern  // quiet bit set, payload truncated, sign kept
                return UInt16((x >> 16) & 0x8000) | 0x7e00 | UInt16((x & 0x7f_ffff) >> 13)
            }, "isa \(isa.rawValue): NaN payloads")
        }
    }
    #endif

    /// cdz_hgemv_t on each path: widths with every tail length (1 ..< 16 columns past the
    /// blocks), a padded leading dimension, against double sums of the widened halves.
    @Test func halfTransposedGemvMatchesReference() {
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for (M, N) in [(1, 1), (32, 3), (32, 37), (7, 64), (32, 129), (300, 32), (5, 143)] {
            let lda = N + 5
            let a = Self.halves(Self.values(M * lda, seed: UInt64(M * 1000 + N))), x = Self.values(M, seed: 7)
            let wide = Self.floats(a)
            let expected = (0..<N).map { j in Float((0..<M).reduce(0.0) { $0 + Double(wide[$1 * lda + j]) * Double(x[$1]) } * 0.5) }
            for isa in Self.paths {
                _ = cdz_set_isa(isa)
                var y = [Float](repeating: .nan, count: N + 3)
                cdz_hgemv_t(M, N, 0.5, a, lda, x, &y)
                #expect(Self.maxRelativeError(Array(y[..<N]), expected) < 1e-5, "isa \(isa.rawValue) M \(M) N \(N)")
                #expect(y[N...].allSatisfy { $0.isNaN }, "isa \(isa.rawValue): wrote past N")
            }
        }
    }

    /// Attention over an fp16 cache equals attention over the same values widened to fp32 in
    /// the fp32 head-major cache (both sum in fp32 in the same order), on 1 and 2 threads.
    @Test func halfCacheAttentionMatchesFloatCache() {
        let (T, NH, hs, context) = (300, 4, 32, 320)
        let C = NH * hs
        let keys = Self.halves(Self.values(C * context, seed: 93).map { $0 * 3 })
        let values = Self.halves(Self.values(C * context, seed: 94))
        let q = Self.values(C, seed: 95)
        var expected = [Float](repeating: 0, count: C), scores = [Float](repeating: 0, count: T)
        cdz_attention_decode_heads(T, NH, hs, q, Self.floats(keys), Self.floats(values), context, &expected, &scores, 1)
        defer { _ = cdz_set_isa(Self.paths.last!) }
        for isa in Self.paths {
            _ = cdz_set_isa(isa)
            for threads in [Int32(1), 2] {
                var out = [Float](repeating: .nan, count: C)
                cdz_attention_decode_heads_f16(T, NH, hs, q, keys, values, context, &out, &scores, threads)
                #expect(Self.maxRelativeError(out, expected) < 1e-5, "isa \(isa.rawValue) threads \(threads)")
            }
        }
        // More positions than the cache holds: a caller error that must not pass unnoticed.
        var out = [Float](repeating: 0, count: C)
        cdz_attention_decode_heads_f16(context + 1, NH, hs, q, keys, values, context, &out, &scores, 1)
        #expect(out.allSatisfy { $0.isNaN })
    }
}
