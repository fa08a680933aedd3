#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Karplus–Strong string state (Karplus & Strong 1983, with Jaffe & Smith's 1983 extensions:
/// a weighted two-point loop filter for brightness, a loop gain for the decay time, and a
/// fractional delay for tuning). The delay line belongs to the synthesizer's pool.
struct PluckString {
    var line: UnsafeMutablePointer<Float>? = nil
    var mask = 0
    var write = 0
    /// Delay in samples: integer part and fraction (linear interpolation).
    var whole = 1
    var fraction: Float = 0
    /// Loop filter y = (1 - s)·x[n] + s·x[n-1] and loop gain per pass.
    var weight: Float = 0.5
    var gain: Float = 0.99
    var previous: Float = 0
    var drive: Float = 0
}

/// Drum-machine voice state (see `DrumSound`). Tone frequencies are cycles per sample.
struct DrumState {
    var tonePhase: UInt32 = 0
    var tone: Float = 0
    var toneEnd: Float = 0
    var sweep: Float = 0
    var toneAmp: Float = 0
    var toneCoefficient: Float = 0
    var partialPhase: UInt32 = 0
    var partialIncrement: UInt32 = 0
    var partialAmp: Float = 0
    var noiseAmp: Float = 0
    var noiseCoefficient: Float = 1
    var lowA: Float = 0
    var highA: Float = 0
    var low1: Float = 0
    var low2: Float = 0
    /// xorshift32 state, never 0; seeded from the note's place in the score for determinism.
    var seed: UInt32 = 1
}

/// A xorshift32 step (Marsaglia 2003) as a float in [-1, 1).
@inline(__always)
func whiteNoise(_ state: inout UInt32) -> Float {
    state ^= state << 13
    state ^= state >> 17
    state ^= state << 5
    return Float(Int32(bitPattern: state)) * (1 / 2_147_483_648)
}

extension Voice {
    /// Plucks the string: fills one period of `line` (capacity `mask + 1`, a power of two) with
    /// a noise burst, lowpassed more for soft notes and combed at the pluck position.
    mutating func pluck(_ patch: Patch, velocity: Float, frequency: Double, line: UnsafeMutablePointer<Float>, mask: Int, seed: UInt32) {
        let period = Double(sampleRate) / max(frequency, 1)
        let s = patch.damping
        let delay = min(max(period - Double(s), 2), Double(mask - 2))
        var str = PluckString(line: line, mask: mask, weight: s, drive: patch.drive)
        str.whole = Int(delay)
        str.fraction = Float(delay - Double(str.whole))
        // Gain per pass for a 60 dB fall in the key-tracked ring time.
        let ring = patch.ringTime * exp2f(-patch.keyTrack * Float(log2(max(frequency, 1) / 261.63)))
        // The loop filter also loses |H(f)| per pass at the fundamental; the gain makes up for it
        // (|H| falls with frequency, so every higher harmonic still decays faster).
        let omega = 2 * Float.pi * Float(max(frequency, 1)) / sampleRate
        let filterLoss = (1 - 2 * s * (1 - s) * (1 - cosf(omega))).squareRoot()
        str.gain = min(0.9999, powf(10, -3 / (ring * Float(max(frequency, 1)))) / max(filterLoss, 0.1))
        lifetime = Int(ring * 1.35 * sampleRate)

        let n = str.whole + 1
        var burst = [Float](repeating: 0, count: n)
        var state = seed | 1
        let smoothing = 0.12 + 0.88 * velocity * velocity
        var low: Float = 0
        for i in 0..<n { low += smoothing * (whiteNoise(&state) - low); burst[i] = low }
        let notch = max(1, Int(Float(n) * patch.pluckPosition))
        for i in stride(from: n - 1, through: notch, by: -1) { burst[i] -= burst[i - notch] }
        // Zero mean (no DC in the loop), and a fixed RMS so bright and dark plucks are equally loud.
        let mean = burst.reduce(0, +) / Float(n)
        var power: Float = 1e-12
        for i in 0..<n { burst[i] -= mean; power += burst[i] * burst[i] }
        let scale = 0.8 / (power / Float(n)).squareRoot()
        // Only the last period is ever read before it is overwritten, so the rest needs no clearing.
        for i in 0..<n { line[(str.write - n + i) & mask] = burst[i] * scale }
        string = str
    }

    /// Sets up the drum engine; `pitched` scales the tone (given as ratios) by `frequency`.
    mutating func strike(_ sound: DrumSound, frequency: Double?, seed: UInt32) {
        let sr = sampleRate
        let scale = frequency.map { Float($0) } ?? 1
        var d = DrumState()
        d.tone = sound.toneStart * scale / sr
        d.toneEnd = sound.toneEnd * scale / sr
        d.sweep = Voice.coefficient(sound.sweep, sr)
        d.toneAmp = sound.toneDecay > 0 ? sound.toneLevel : 0
        d.toneCoefficient = Voice.coefficient(sound.toneDecay, sr)
        d.partialIncrement = Wavetables.increment(Double(min(d.toneEnd * sound.partialRatio, 0.45)))
        d.partialAmp = sound.partialRatio > 0 && d.toneEnd * sound.partialRatio < 0.45 ? sound.partialLevel * d.toneAmp : 0
        if d.tone >= 0.45 { d.toneAmp = 0 }
        d.lowA = 1 - expf(-2 * Float.pi * min(sound.noiseLow, 0.45 * sr) / sr)
        d.highA = sound.noiseHigh > 0 ? 1 - expf(-2 * Float.pi * min(sound.noiseHigh, 0.4 * sr) / sr) : 0
        d.seed = seed | 1
        d.noiseAmp = sound.noiseDecay > 0 ? sound.noiseLevel * Self.noiseMakeUp(d) : 0
        d.noiseCoefficient = sound.noiseDecay.isFinite ? Voice.coefficient(sound.noiseDecay, sr) : 1
        drum = d
        let longest = max(sound.toneDecay, sound.noiseDecay.isFinite ? sound.noiseDecay : 0)
        if sound.noiseDecay.isFinite { lifetime = Int(longest * 9.3 * sr) + 1 }  // e^-9.3 ≈ -80 dB
    }

    /// The gain that brings this noise band to an RMS of 0.5 whatever its width and the sample
    /// rate (a narrow band near Nyquist loses most of white noise's power), measured by running
    /// the filters on 512 samples of the voice's own noise, so it stays deterministic.
    static func noiseMakeUp(_ d: DrumState) -> Float {
        var state = d.seed, low1: Float = 0, low2: Float = 0, power: Float = 0
        for i in 0..<768 {
            low1 += d.lowA * (whiteNoise(&state) - low1)
            low2 += d.highA * (low1 - low2)
            if i >= 256 { power += (low1 - low2) * (low1 - low2) }  // after the filters settle
        }
        return min(20, 0.5 / max((power / 512).squareRoot(), 1e-6))
    }

    mutating func renderPluck(_ out: UnsafeMutablePointer<Float>, _ env: UnsafePointer<Float>, _ n: Int) {
        guard let line = string.line else { for i in 0..<n { out[i] = 0 }; return }
        var s = string
        let mask = s.mask, whole = s.whole, f = s.fraction, w = s.weight, g = s.gain, drive = s.drive
        var write = s.write, previous = s.previous
        for i in 0..<n {
            let y = line[(write - whole) & mask] * (1 - f) + line[(write - whole - 1) & mask] * f
            line[write & mask] = g * ((1 - w) * y + w * previous)
            previous = y
            write &+= 1
            // Overdrive is a soft clip of the string's output, outside the loop so it cannot blow up.
            let x = drive > 0 ? y * drive / (1 + abs(y * drive)) : y
            out[i] = x * env[i]
        }
        s.write = write & mask
        s.previous = previous
        string = s
    }

    mutating func renderDrum(_ out: UnsafeMutablePointer<Float>, _ env: UnsafePointer<Float>, _ n: Int) {
        var d = drum
        // Each part runs only while it is audible: a cymbal's tail is noise alone, a kick's mostly tone.
        let quiet = Voice.inaudible / max(gainLeft, gainRight, 1e-9)
        if d.toneAmp + d.partialAmp > quiet {
            let sine = Wavetables.shared.sine
            let end = d.toneEnd, sweep = d.sweep, c = d.toneCoefficient, partialIncrement = d.partialIncrement
            var phase = d.tonePhase, partialPhase = d.partialPhase, tone = d.tone, amp = d.toneAmp, partialAmp = d.partialAmp
            for i in 0..<n {
                out[i] = Wavetables.read(sine, phase) * amp + Wavetables.read(sine, partialPhase) * partialAmp
                phase &+= UInt32(truncatingIfNeeded: Int64(tone * 4_294_967_296))
                partialPhase &+= partialIncrement
                tone = end + (tone - end) * sweep
                amp *= c
                partialAmp *= c
            }
            d.tonePhase = phase; d.partialPhase = partialPhase; d.tone = tone; d.toneAmp = amp; d.partialAmp = partialAmp
        } else {
            d.toneAmp = 0; d.partialAmp = 0
            for i in 0..<n { out[i] = 0 }
        }
        if d.noiseAmp > quiet {
            // Band-passed noise: a lowpass, minus a lower lowpass of it.
            let la = d.lowA, ha = d.highA, c = d.noiseCoefficient
            var seed = d.seed, low1 = d.low1, low2 = d.low2, amp = d.noiseAmp
            for i in 0..<n {
                low1 += la * (whiteNoise(&seed) - low1)
                low2 += ha * (low1 - low2)
                out[i] += (low1 - low2) * amp
                amp *= c
            }
            d.seed = seed; d.low1 = low1; d.low2 = low2; d.noiseAmp = amp
        } else {
            d.noiseAmp = 0
        }
        for i in 0..<n { out[i] *= env[i] }
        drum = d
        if d.toneAmp + d.partialAmp + d.noiseAmp <= quiet { stage = .done }
    }
}
