/// One synthesized percussion sound: a sine tone whose pitch sweeps down (drum heads), an
/// optional second partial (metal: cowbell, bells, triangle), and band-passed noise (snares,
/// hats, cymbals), each with its own exponential decay. This is the classic analog drum-machine
/// recipe (TR-808/909 style), cheap enough to need no samples.
struct DrumSound: Sendable {
    /// Tone frequency at the hit and after the sweep, Hz (or ratios of the note's frequency when
    /// the sound is played pitched, as the melodic percussion programs do).
    var toneStart: Float = 0
    var toneEnd: Float = 0
    /// Time constant of the pitch sweep, seconds.
    var sweep: Float = 0.03
    /// Time constant of the tone's decay, seconds; 0 means no tone.
    var toneDecay: Float = 0
    /// Tone amplitude, 0...1.
    var toneLevel: Float = 1
    /// Second partial as a ratio of `toneEnd`, 0 = none; it decays with the tone.
    var partialRatio: Float = 0
    var partialLevel: Float = 0
    /// Time constant of the noise's decay, seconds; 0 means no noise, `.infinity` steady noise.
    var noiseDecay: Float = 0
    var noiseLevel: Float = 1
    /// Noise band edges, Hz: one-pole lowpass at `noiseLow`, minus a lowpass at `noiseHigh`
    /// (a highpass); `noiseHigh` 0 keeps the lows.
    var noiseLow: Float = 12_000
    var noiseHigh: Float = 0
    /// Overall gain, 0...1.
    var level: Float = 0.5
    /// Stereo position, -1 (left) ... 1 (right), as a drummer's kit is usually mixed.
    var pan: Float = 0
    /// Sounds of one choke group cut each other off (closed hi-hat silences the open one); 0 = none.
    var chokeGroup: Int = 0
}

/// The General MIDI Level 1 percussion map (keys 35...81 on channel 10), synthesized.
enum DrumKit {
    /// The sound for GM percussion `key`, 0...127; keys outside the GM map get a short click.
    static func sound(key: UInt8) -> DrumSound {
        switch key {
        case 35: return kick(start: 120, end: 45, decay: 0.28)
        case 36: return kick(start: 160, end: 50, decay: 0.22)
        case 37: return DrumSound(toneStart: 620, toneEnd: 500, sweep: 0.01, toneDecay: 0.02, toneLevel: 0.6,
                                  noiseDecay: 0.015, noiseLevel: 0.7, noiseLow: 8_000, noiseHigh: 2_000, level: 0.9)
        case 38: return snare(tone: 185, noiseDecay: 0.13, low: 9_000, high: 1_200)
        case 39: return DrumSound(noiseDecay: 0.09, noiseLevel: 1, noiseLow: 5_000, noiseHigh: 900, level: 0.8, pan: 0.1)
        case 40: return snare(tone: 210, noiseDecay: 0.11, low: 11_000, high: 1_800)
        case 41, 43, 45, 47, 48, 50:
            // Floor toms to high tom, spread from the right to the left as seen from the audience.
            let order: [UInt8: (Float, Float)] = [41: (87, 0.4), 43: (98, 0.3), 45: (110, 0.15), 47: (131, 0), 48: (147, -0.15), 50: (175, -0.3)]
            let (hz, pan) = order[key]!
            return tom(hz, pan: pan)
        case 42: return hat(decay: 0.035, level: 0.7)
        case 44: return hat(decay: 0.05, level: 0.55)
        case 46: return hat(decay: 0.35, level: 0.4)
        case 49, 57: return cymbal(decay: 0.9, low: 14_000, high: 3_000, level: 0.35, pan: key == 49 ? -0.3 : 0.3)
        case 51, 59:
            return DrumSound(toneStart: 2_900, toneEnd: 2_900, toneDecay: 0.5, toneLevel: 0.12, partialRatio: 1.48, partialLevel: 0.08,
                             noiseDecay: 0.6, noiseLevel: 0.35, noiseLow: 14_000, noiseHigh: 5_000, level: 0.65, pan: 0.35)
        case 52: return cymbal(decay: 0.7, low: 9_000, high: 2_000, level: 0.35, pan: -0.35)
        case 53:
            return DrumSound(toneStart: 2_400, toneEnd: 2_400, toneDecay: 0.7, toneLevel: 0.4, partialRatio: 1.5, partialLevel: 0.3,
                             noiseDecay: 0.3, noiseLevel: 0.2, noiseLow: 14_000, noiseHigh: 5_000, level: 0.45, pan: 0.35)
        case 54: return DrumSound(noiseDecay: 0.12, noiseLevel: 1, noiseLow: 14_000, noiseHigh: 6_000, level: 0.4, pan: -0.2)
        case 55: return cymbal(decay: 0.4, low: 14_000, high: 4_000, level: 0.3, pan: -0.2)
        case 56: return bell(560, ratio: 1.48, decay: 0.12, level: 0.35)
        case 58: return DrumSound(noiseDecay: 0.5, noiseLevel: 1, noiseLow: 5_000, noiseHigh: 2_500, level: 0.3)
        case 60: return hand(400, decay: 0.12, pan: -0.25)
        case 61: return hand(300, decay: 0.15, pan: -0.2)
        case 62: return hand(330, decay: 0.07, pan: 0.2)
        case 63: return hand(300, decay: 0.25, pan: 0.2)
        case 64: return hand(200, decay: 0.3, pan: 0.25)
        case 65: return timbale(450)
        case 66: return timbale(330)
        case 67: return bell(880, ratio: 2.7, decay: 0.25, level: 0.3)
        case 68: return bell(660, ratio: 2.7, decay: 0.25, level: 0.3)
        case 69: return DrumSound(noiseDecay: 0.06, noiseLevel: 1, noiseLow: 14_000, noiseHigh: 6_000, level: 0.5, pan: 0.3)
        case 70: return DrumSound(noiseDecay: 0.05, noiseLevel: 1, noiseLow: 12_000, noiseHigh: 5_000, level: 0.5, pan: -0.3)
        case 71: return bell(2_500, ratio: 0, decay: 0.12, level: 0.25)
        case 72: return bell(2_300, ratio: 0, decay: 0.5, level: 0.25)
        case 73: return DrumSound(noiseDecay: 0.08, noiseLevel: 1, noiseLow: 6_000, noiseHigh: 2_000, level: 0.45)
        case 74: return DrumSound(noiseDecay: 0.3, noiseLevel: 1, noiseLow: 6_000, noiseHigh: 2_000, level: 0.3)
        case 75: return bell(2_500, ratio: 0, decay: 0.04, level: 0.4)
        case 76: return bell(1_800, ratio: 0, decay: 0.05, level: 0.4)
        case 77: return bell(1_300, ratio: 0, decay: 0.05, level: 0.4)
        case 78: return DrumSound(toneStart: 600, toneEnd: 400, sweep: 0.05, toneDecay: 0.1, level: 0.35)
        case 79: return DrumSound(toneStart: 500, toneEnd: 300, sweep: 0.2, toneDecay: 0.3, level: 0.35)
        case 80: return bell(4_500, ratio: 2.3, decay: 0.08, level: 0.2)
        case 81: return bell(4_500, ratio: 2.3, decay: 0.9, level: 0.2)
        default:
            return DrumSound(toneStart: 1_000, toneEnd: 1_000, toneDecay: 0.03, noiseDecay: 0.01, noiseLevel: 0.3, level: 0.3)
        }
    }

    static func kick(start: Float, end: Float, decay: Float) -> DrumSound {
        // The noise is the beater's click.
        DrumSound(toneStart: start, toneEnd: end, sweep: 0.035, toneDecay: decay, toneLevel: 1,
                  noiseDecay: 0.004, noiseLevel: 0.4, noiseLow: 6_000, noiseHigh: 1_500, level: 0.9)
    }

    static func snare(tone: Float, noiseDecay: Float, low: Float, high: Float) -> DrumSound {
        DrumSound(toneStart: tone * 1.2, toneEnd: tone, sweep: 0.02, toneDecay: 0.06, toneLevel: 0.6,
                  noiseDecay: noiseDecay, noiseLevel: 0.9, noiseLow: low, noiseHigh: high, level: 0.9)
    }

    static func tom(_ hz: Float, pan: Float) -> DrumSound {
        DrumSound(toneStart: hz * 1.6, toneEnd: hz, sweep: 0.05, toneDecay: 0.3, toneLevel: 1,
                  noiseDecay: 0.05, noiseLevel: 0.2, noiseLow: 3_000, noiseHigh: 300, level: 0.45, pan: pan)
    }

    static func hat(decay: Float, level: Float) -> DrumSound {
        DrumSound(noiseDecay: decay, noiseLevel: 1, noiseLow: 16_000, noiseHigh: 7_000, level: level, pan: 0.25, chokeGroup: 1)
    }

    static func cymbal(decay: Float, low: Float, high: Float, level: Float, pan: Float) -> DrumSound {
        DrumSound(noiseDecay: decay, noiseLevel: 1, noiseLow: low, noiseHigh: high, level: level, pan: pan)
    }

    static func bell(_ hz: Float, ratio: Float, decay: Float, level: Float) -> DrumSound {
        DrumSound(toneStart: hz, toneEnd: hz, toneDecay: decay, toneLevel: 1, partialRatio: ratio, partialLevel: ratio > 0 ? 0.7 : 0,
                  level: level, pan: 0.15)
    }

    static func hand(_ hz: Float, decay: Float, pan: Float) -> DrumSound {
        DrumSound(toneStart: hz * 1.15, toneEnd: hz, sweep: 0.015, toneDecay: decay, toneLevel: 1,
                  noiseDecay: 0.01, noiseLevel: 0.3, noiseLow: 5_000, noiseHigh: 800, level: 0.45, pan: pan)
    }

    static func timbale(_ hz: Float) -> DrumSound {
        DrumSound(toneStart: hz * 1.1, toneEnd: hz, sweep: 0.01, toneDecay: 0.2, toneLevel: 0.8, partialRatio: 1.6, partialLevel: 0.3,
                  noiseDecay: 0.08, noiseLevel: 0.4, noiseLow: 8_000, noiseHigh: 2_000, level: 0.4, pan: -0.3)
    }
}
