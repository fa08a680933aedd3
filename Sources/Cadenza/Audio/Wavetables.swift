#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The single-cycle waveforms every pitched voice reads: one table per timbre and per harmonic
/// limit, so a note only ever plays harmonics below the Nyquist frequency (the "band-limited
/// wavetable" / mip-map scheme of classic wavetable synthesizers), and oscillators cost one
/// table read and one interpolation per sample instead of a `sin` call per harmonic.
///
/// Tables hold `size + 1` samples (the last repeats the first) so linear interpolation never wraps.
/// Phases are `UInt32` fractions of a cycle: the top `indexBits` bits index the table.
final class Wavetables: @unchecked Sendable {
    // @unchecked: `base` is written only in `init` and read-only afterwards.

    /// Harmonic spectra. Amplitudes are relative; every timbre is scaled so its fullest table
    /// has an RMS of `rms`.
    enum Timbre: Int, CaseIterable, Sendable {
        case sine, saw, warmSaw, square, hollow, pianoBright, pianoMellow, organ
        case reed, nasal, brassBright, brassMellow, flute, vowel, bass

        /// Amplitude of harmonic `n` (1-based).
        func amplitude(_ n: Int) -> Float {
            let x = Float(n)
            let odd = n % 2 == 1
            func bump(_ centre: Float, _ width: Float) -> Float { expf(-(x - centre) * (x - centre) / width) }
            switch self {
            case .sine: return n == 1 ? 1 : 0
            case .saw: return 1 / x
            case .warmSaw: return powf(x, -1.5)
            case .square: return odd ? 1 / x : 0
            case .hollow: return odd ? powf(x, -1.8) : 0
            // A hammer striking near 1/7 of the string weakens harmonics near multiples of 7.
            case .pianoBright: return (0.35 + 0.65 * fabsf(sinf(Float.pi * x * 0.137))) * powf(x, -1.1)
            case .pianoMellow: return powf(x, -2.6)
            // Drawbars 8', 4', 2 2/3', 2', 1 3/5' (weak), 1': harmonics 1, 2, 3, 4, 5, 8.
            case .organ: return [1: 1, 2: 0.75, 3: 0.5, 4: 0.45, 5: 0.1, 6: 0.3, 8: 0.25, 10: 0.08, 12: 0.08, 16: 0.06][n] ?? 0
            case .reed: return powf(x, -1.1) * (1 + 2 * bump(4, 6))
            case .nasal: return powf(x, -0.9) * (0.3 + 3 * bump(5, 4))
            case .brassBright: return powf(x, -0.8)
            case .brassMellow: return powf(x, -2.2)
            case .flute: return n == 1 ? 1 : n == 2 ? 0.2 : n == 3 ? 0.08 : 0.02 / x
            // An "ah" near 220 Hz: formant bumps around harmonics 3, 5 and 12.
            case .vowel: return (1 + 2.5 * bump(3, 2) + 1.5 * bump(5, 2) + 0.6 * bump(12, 8)) / x
            case .bass: return n == 1 ? 1 : n == 2 ? 0.5 : n == 3 ? 0.25 : n == 4 ? 0.12 : 0.3 * powf(x, -3)
            }
        }
    }

    /// Samples per cycle (a power of two).
    static let size = 2048
    static let indexBits: UInt32 = 11
    /// Shift from a `UInt32` phase to a table index.
    static let indexShift: UInt32 = 32 - indexBits
    /// The highest harmonic of each table of a timbre, ascending.
    static let harmonicLimits = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]
    /// RMS of every timbre's fullest table: a sine then peaks at 0.5, a sawtooth at about 0.61.
    static let rms: Float = 0.5 / Float(2).squareRoot()

    static let shared = Wavetables()

    /// All tables, timbre-major then limit, `size + 1` samples each; never freed (one per process).
    let base: UnsafeMutablePointer<Float>
    /// A sine of amplitude 1 (`size + 1` samples), for FM operators and drum tones.
    let sine: UnsafePointer<Float>
    private static let stride = size + 1

    private init() {
        let n = Self.size, limits = Self.harmonicLimits
        let count = Timbre.allCases.count * limits.count * Self.stride
        base = .allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
        // Harmonic h of sample i is sine[(i * h) mod n]: exact, and no sin() per harmonic.
        let sine = (0..<n).map { Float(sin(2 * Double.pi * Double($0) / Double(n))) }
        let unit = UnsafeMutablePointer<Float>.allocate(capacity: n + 1)
        unit.initialize(from: sine + [0], count: n + 1)
        self.sine = UnsafePointer(unit)
        var sum = [Float](repeating: 0, count: n)
        for timbre in Timbre.allCases {
            for i in 0..<n { sum[i] = 0 }
            var harmonic = 1
            for (k, limit) in limits.enumerated() {
                // Each table adds the harmonics above the previous table's limit.
                while harmonic <= limit {
                    let a = timbre.amplitude(harmonic)
                    if a != 0 {
                        for i in 0..<n { sum[i] += a * sine[(i &* harmonic) & (n - 1)] }
                    }
                    harmonic += 1
                }
                let table = base + (timbre.rawValue * limits.count + k) * Self.stride
                for i in 0..<n { table[i] = sum[i] }
                table[n] = sum[0]
            }
            // Scale every limit by the fullest table's RMS, so timbres are equally loud (a spiky
            // bright spectrum peaks higher than a sine) and loudness does not jump between registers.
            let first = base + timbre.rawValue * limits.count * Self.stride
            let last = first + (limits.count - 1) * Self.stride
            var power: Float = 0
            for i in 0..<n { power += last[i] * last[i] }
            let scale = power > 0 ? Self.rms / (power / Float(n)).squareRoot() : 1
            for i in 0..<(limits.count * Self.stride) { first[i] *= scale }
        }
    }

    /// The table of `timbre` for a fundamental of `cyclesPerSample` (frequency / sample rate):
    /// the richest one whose top harmonic, with two semitones of pitch-bend headroom, stays
    /// below the Nyquist frequency.
    func table(_ timbre: Timbre, cyclesPerSample: Double) -> UnsafePointer<Float> {
        let allowed = 0.5 / (max(cyclesPerSample, 1e-9) * 1.13)
        var k = 0
        while k + 1 < Self.harmonicLimits.count, Double(Self.harmonicLimits[k + 1]) <= allowed { k += 1 }
        return UnsafePointer(base + (timbre.rawValue * Self.harmonicLimits.count + k) * Self.stride)
    }

    /// Linear-interpolated read of `table` at `phase` (fraction of a cycle × 2³²).
    @inline(__always)
    static func read(_ table: UnsafePointer<Float>, _ phase: UInt32) -> Float {
        let i = Int(phase >> indexShift)
        let fraction = Float(phase & ((1 << indexShift) - 1)) * (1 / Float(1 << indexShift))
        let a = table[i]
        return a + (table[i + 1] - a) * fraction
    }

    /// A phase increment per sample for `cyclesPerSample` (wraps, as the phase does).
    @inline(__always)
    static func increment(_ cyclesPerSample: Double) -> UInt32 {
        UInt32(truncatingIfNeeded: Int64(cyclesPerSample * 4_294_967_296.0))
    }
}
