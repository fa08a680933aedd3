// The few elementary functions the engine needs, in one place: the stdlib has no `exp`,
// and the C library is the only other module Engine may import (ARCHITECTURE.md, layer 0).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Single-precision elementary functions from the platform's C library.
enum Math {
    @inline(__always) static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func cos(_ x: Float) -> Float { cosf(x) }

    /// 1 / (1 + e^-x), written so that neither branch overflows.
    @inline(__always) static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
}
