#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One sounding note: its envelope, its engine's oscillators or string, and where it sits in
/// the stereo field. The synthesizer renders voices a block at a time into a mono scratch
/// buffer, then pans them into the mix; each engine's loop copies its state into locals,
/// runs, and stores it back, so the per-sample work is table reads and multiplies.
struct Voice {
    enum Stage { case attack, decay, release, done }

    /// Rendering stops once the envelope is this far down (-80 dB).
    static let silence: Float = 1e-4
    /// Output amplitude below which a freely decaying part stops: a third of one 16-bit step.
    static let inaudible: Float = 1e-5

    let engine: Patch.Engine
    let track: Int
    let key: UInt8
    let startFrame: Int
    /// Frame of note-off (after the sustain pedal); `Int.max` for one-shot drums.
    var releaseFrame: Int
    let chokeGroup: Int
    let gainLeft: Float
    let gainRight: Float
    /// Frames rendered so far.
    var age = 0
    /// Frames after which a freely decaying engine (string, drum) is inaudible; `Int.max` otherwise.
    var lifetime = Int.max

    // Amplitude envelope (see `Patch`): linear attack, then exponential segments.
    var stage = Stage.attack
    var level: Float = 0
    var attackLeft: Int
    var attackStep: Float
    var decayCoefficient: Float
    var sustainLevel: Float
    var sustainCoefficient: Float
    var releaseCoefficient: Float

    // Table and FM oscillators. Phases and increments are fractions of a cycle × 2³².
    var table: UnsafePointer<Float>
    var table2: UnsafePointer<Float>
    var phase: UInt32 = 0
    var phase2: UInt32 = 0
    /// Fundamental in cycles per sample, before pitch bend and vibrato.
    let cyclesPerSample: Double
    let secondRatio: Double
    var brightness: Float
    let brightTarget: Float
    let brightCoefficient: Float
    let vibratoDepth: Float
    let vibratoRate: Float
    let vibratoDelay: Int
    let sampleRate: Float
    var modPhase: UInt32 = 0
    let modRatio: Double
    /// Modulation index in cycles (radians / 2π), decaying by `indexCoefficient` per sample.
    var index: Float
    let indexCoefficient: Float

    // Pluck (Karplus–Strong) and drum state, set up by `Voice+Percussion.swift`.
    var string = PluckString()
    var drum = DrumState()

    /// - Parameters:
    ///   - frequency: the note's fundamental, Hz (after the patch's transposition).
    ///   - velocity: 0...1.
    ///   - gainLeft, gainRight: the channel gains, pan law and loudness included.
    init(patch: Patch, track: Int, key: UInt8, frequency: Double, velocity: Float, gainLeft: Float, gainRight: Float,
         startFrame: Int, releaseFrame: Int, chokeGroup: Int, sampleRate: Int) {
        let sr = Float(sampleRate)
        engine = patch.engine
        self.track = track
        self.key = key
        self.startFrame = startFrame
        self.releaseFrame = releaseFrame
        self.chokeGroup = chokeGroup
        self.gainLeft = gainLeft
        self.gainRight = gainRight
        self.sampleRate = sr
        // Decays shorten up the keyboard, as real strings and bars do.
        let octavesAboveC4 = Float(log2(max(frequency, 1) / 261.63))
        let keyScale = exp2f(-patch.keyTrack * octavesAboveC4)
        attackLeft = Int(patch.attack * sr)
        attackStep = attackLeft > 0 ? 1 / Float(attackLeft) : 0
        decayCoefficient = Voice.coefficient(patch.decay * keyScale, sr)
        sustainLevel = patch.sustain
        sustainCoefficient = patch.sustainFade > 0 ? Voice.coefficient(patch.sustainFade * keyScale, sr) : 1
        releaseCoefficient = Voice.coefficient(patch.release, sr)

        cyclesPerSample = frequency / Double(sampleRate)
        secondRatio = Double(patch.secondRatio) * exp2(Double(patch.detuneCents) / 1200)
        let tables = Wavetables.shared
        table = tables.table(patch.bright, cyclesPerSample: cyclesPerSample)
        let second = patch.engine == .doubleTable ? patch.bright : patch.mellow
        table2 = tables.table(second, cyclesPerSample: cyclesPerSample * max(1, secondRatio))
        let velocityShade = 1 - patch.velocityBrightness * (1 - velocity)
        brightness = patch.brightStart * velocityShade
        brightTarget = patch.brightEnd * velocityShade
        brightCoefficient = Voice.coefficient(patch.brightTime * keyScale, sr)
        vibratoDepth = patch.vibratoDepth
        vibratoRate = patch.vibratoRate
        vibratoDelay = Int(patch.vibratoDelay * sr)
        // The detuned partner starts a quarter cycle away so the pair does not begin in phase.
        phase2 = 1 << 30
        modRatio = Double(patch.modRatio)
        index = patch.modIndex * (0.3 + 0.7 * velocity) / (2 * Float.pi)
        indexCoefficient = Voice.coefficient(patch.modDecay * keyScale, sr)
    }

    /// Per-sample multiplier that falls by 1/e in `seconds` (0 → instant).
    static func coefficient(_ seconds: Float, _ sampleRate: Float) -> Float {
        seconds > 0 ? expf(-1 / (seconds * sampleRate)) : 0
    }

    var isFinished: Bool { stage == .done || age >= lifetime }

    /// Loudness used to choose a voice to steal: released voices count half, and a voice not yet
    /// rendered (started in this block) counts as full, so a big chord does not steal from itself.
    var loudness: Float { (age == 0 ? 1 : level) * max(gainLeft, gainRight) * (stage == .release ? 0.5 : 1) }

    /// Moves to the release segment (key up, sustain pedal up, or choked).
    mutating func noteOff() {
        if stage != .done { stage = .release }
    }

    /// Cuts the voice off quickly (a closed hi-hat choking an open one): 10 ms time constant.
    mutating func choke(at frame: Int) {
        releaseFrame = min(releaseFrame, frame)
        releaseCoefficient = Voice.coefficient(0.01, sampleRate)
    }

    /// Renders `count` samples (mono, envelope applied) into `out`, using `envelope` as scratch.
    /// `bend` is the channel's pitch-bend frequency ratio.
    mutating func render(into out: UnsafeMutablePointer<Float>, envelope: UnsafeMutablePointer<Float>, count: Int, bend: Double) {
        fillEnvelope(envelope, count)
        let ratio = bend * vibrato(count)
        switch engine {
        case .table: renderTable(out, envelope, count, ratio)
        case .doubleTable: renderDoubleTable(out, envelope, count, ratio)
        case .fm: renderFM(out, envelope, count, ratio)
        case .pluck: renderPluck(out, envelope, count)
        case .drum: renderDrum(out, envelope, count)
        }
        age += count
    }

    /// Writes the amplitude envelope for the next `count` samples; zeros once it is done.
    mutating func fillEnvelope(_ out: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        var l = level
        while i < count {
            switch stage {
            case .attack:
                let m = min(count - i, attackLeft)
                for k in 0..<m { l += attackStep; out[i + k] = l }
                i += m
                attackLeft -= m
                if attackLeft == 0 { l = 1; stage = .decay }
            case .decay:
                var s = sustainLevel
                let d = decayCoefficient, f = sustainCoefficient
                if f == 1, abs(l - s) < 1e-6 {
                    // Settled on a steady sustain (organs, strings, drums): nothing left to compute.
                    l = s
                    for k in i..<count { out[k] = s }
                } else {
                    for k in i..<count { l = s + (l - s) * d; s *= f; out[k] = l }
                }
                sustainLevel = s
                i = count
                if l < Voice.silence && s < Voice.silence { stage = .done }
            case .release:
                let r = releaseCoefficient
                for k in i..<count { l *= r; out[k] = l }
                i = count
                if l < Voice.silence { stage = .done }
            case .done:
                for k in i..<count { out[k] = 0 }
                l = 0
                i = count
            }
        }
        level = l
    }

    /// The vibrato's frequency ratio for this block (a block-rate LFO; blocks are a few ms).
    private func vibrato(_ count: Int) -> Double {
        guard vibratoDepth > 0, age > vibratoDelay else { return 1 }
        let fadeIn = min(1, Float(age - vibratoDelay) / (0.3 * sampleRate))
        let lfo = sinf(2 * Float.pi * vibratoRate * Float(age) / sampleRate)
        return Double(exp2f(vibratoDepth * fadeIn * lfo / 12))
    }

    private mutating func renderTable(_ out: UnsafeMutablePointer<Float>, _ env: UnsafePointer<Float>, _ n: Int, _ ratio: Double) {
        let bright = table, mellow = table2
        let increment = Wavetables.increment(cyclesPerSample * ratio)
        var p = phase, b = brightness
        let target = brightTarget, c = brightCoefficient
        let shift = Wavetables.indexShift, mask: UInt32 = (1 << shift) - 1, scale = 1 / Float(1 << shift)
        for i in 0..<n {
            let j = Int(p >> shift)
            let f = Float(p & mask) * scale
            let a0 = bright[j], m0 = mellow[j]
            let sb = a0 + (bright[j + 1] - a0) * f
            let sm = m0 + (mellow[j + 1] - m0) * f
            out[i] = (sm + (sb - sm) * b) * env[i]
            b = target + (b - target) * c
            p &+= increment
        }
        phase = p
        brightness = b
    }

    private mutating func renderDoubleTable(_ out: UnsafeMutablePointer<Float>, _ env: UnsafePointer<Float>, _ n: Int, _ ratio: Double) {
        let t1 = table, t2 = table2
        let i1 = Wavetables.increment(cyclesPerSample * ratio)
        let i2 = Wavetables.increment(cyclesPerSample * ratio * secondRatio)
        var p1 = phase, p2 = phase2
        for i in 0..<n {
            out[i] = (Wavetables.read(t1, p1) + Wavetables.read(t2, p2)) * env[i]
            p1 &+= i1
            p2 &+= i2
        }
        phase = p1
        phase2 = p2
    }

    private mutating func renderFM(_ out: UnsafeMutablePointer<Float>, _ env: UnsafePointer<Float>, _ n: Int, _ ratio: Double) {
        let sine = Wavetables.shared.sine
        let carrier = Wavetables.increment(cyclesPerSample * ratio)
        let modulator = Wavetables.increment(cyclesPerSample * ratio * modRatio)
        var p = phase, q = modPhase, x = index
        let c = indexCoefficient
        for i in 0..<n {
            // Phase modulation: the modulator (in cycles) shifts the carrier's phase.
            let m = Wavetables.read(sine, q) * x
            let offset = UInt32(truncatingIfNeeded: Int64(m * 4_294_967_296))
            out[i] = Wavetables.read(sine, p &+ offset) * env[i]
            p &+= carrier
            q &+= modulator
            x *= c
        }
        phase = p
        modPhase = q
        index = x
    }
}
