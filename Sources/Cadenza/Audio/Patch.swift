/// How one General MIDI program is synthesized: which engine, its envelope and its tone.
///
/// Times are seconds; envelope segments after the attack are exponential, given as time
/// constants (the level falls to 37 % of the way to its target in that time). Levels are 0...1.
struct Patch: Sendable {
    enum Engine: Sendable {
        /// One band-limited wavetable oscillator that crossfades from `bright` to `mellow`
        /// (piano, organ, brass, reeds, pipes, solo strings).
        case table
        /// Two detuned oscillators on the `bright` table (ensembles, pads, leads).
        case doubleTable
        /// Two-operator phase modulation (electric pianos, mallets, bells).
        case fm
        /// Karplus–Strong plucked string (guitars, basses, harp, harpsichord).
        case pluck
        /// The drum-machine voice of `DrumSound`, tuned to the note (melodic percussion, effects).
        case drum
    }

    var engine: Engine
    /// Peak amplitude at full velocity before the pan law, 0...1.
    var level: Float = 0.3
    /// Semitones added to the note (guitar harmonics sound an octave up).
    var transpose: Int = 0

    // Amplitude envelope.
    /// Linear rise time, seconds.
    var attack: Float = 0.005
    /// Time constant of the fall from the peak to `sustain`, seconds.
    var decay: Float = 0.5
    /// Level held while the key is down, 0...1.
    var sustain: Float = 1
    /// Time constant of the held level's own fade (a piano string dies out), seconds; 0 = no fade.
    var sustainFade: Float = 0
    /// Time constant after the key (and sustain pedal) is released, seconds.
    var release: Float = 0.1
    /// How decay times shorten with pitch: they halve every `1 / keyTrack` octaves above middle C.
    var keyTrack: Float = 0

    // Table engines.
    var bright: Wavetables.Timbre = .saw
    var mellow: Wavetables.Timbre = .saw
    /// Weight of `bright` at the attack and where it settles (0...1), and the time constant between.
    var brightStart: Float = 1
    var brightEnd: Float = 1
    var brightTime: Float = 0.3
    /// How much brightness follows velocity, 0 (not at all) ... 1 (silent keys are fully mellow).
    var velocityBrightness: Float = 0.5
    /// Detune of the two `doubleTable` oscillators from each other, cents.
    var detuneCents: Float = 0
    /// Frequency ratio of the second `doubleTable` oscillator (1.5 = a fifth, 0.5 = an octave below).
    var secondRatio: Float = 1
    /// Vibrato depth in semitones, rate in Hz, and the delay before it fades in, seconds.
    var vibratoDepth: Float = 0
    var vibratoRate: Float = 5.5
    var vibratoDelay: Float = 0.3

    // FM engine.
    /// Modulator frequency as a multiple of the note's; index (radians, at full velocity) and its decay time constant.
    var modRatio: Float = 1
    var modIndex: Float = 1
    var modDecay: Float = 0.5

    // Pluck engine.
    /// Loop filter weight 0...0.5: 0 keeps the string bright, 0.5 is the classic dark average.
    var damping: Float = 0.4
    /// Time for the string to fall 60 dB at middle C, seconds (shorter up the neck via `keyTrack`).
    var ringTime: Float = 3
    /// Where the string is plucked, as a fraction of its length (0.5 = the middle, hollow).
    var pluckPosition: Float = 0.15
    /// Soft-clipping drive for overdriven guitars, 0 = clean.
    var drive: Float = 0

    // Drum engine.
    var drum = DrumSound()
}

extension Patch {
    /// The patch for General MIDI program `program` (0...127, 0-based), grouped by the 16 GM families.
    static func program(_ program: UInt8) -> Patch {
        let p = Int(program & 0x7F)
        switch p {
        case 0...3: return piano(brightEnd: p == 1 || p == 2 ? 0.3 : 0.12)
        case 4, 5: return fm(ratio: p == 4 ? 1 : 2, index: 1.6, indexDecay: 0.6, decay: 1.2, sustain: 0.3, fade: 3, release: 0.15, level: 0.35)
        case 6: return pluck(damping: 0.12, ringTime: 2.5, position: 0.1, level: 0.4)
        case 7: return pluck(damping: 0.08, ringTime: 1.2, position: 0.05, level: 0.4)
        case 8: return fm(ratio: 3, index: 1.2, indexDecay: 0.15, decay: 0.7, level: 0.3)
        case 9: return fm(ratio: 3.5, index: 1.5, indexDecay: 0.2, decay: 1.0, level: 0.3)
        case 10: return fm(ratio: 4, index: 1, indexDecay: 0.1, decay: 0.8, level: 0.3)
        case 11: return fm(ratio: 4, index: 0.8, indexDecay: 0.3, decay: 1.5, level: 0.35)
        case 12: return fm(ratio: 4, index: 1, indexDecay: 0.05, decay: 0.35, level: 0.45)
        case 13: return fm(ratio: 3, index: 1.2, indexDecay: 0.04, decay: 0.25, level: 0.45)
        case 14: return fm(ratio: 3.5, index: 2.5, indexDecay: 1, decay: 2.5, level: 0.3)
        case 15: return pluck(damping: 0.15, ringTime: 2, position: 0.12, level: 0.4)
        case 16...18, 20:
            var organ = sustained(p == 20 ? .reed : .organ, attack: 0.005, release: 0.05, level: 0.4)
            if p == 17 { organ.decay = 0.3; organ.sustain = 0.7 }
            if p == 18 { organ.vibratoDepth = 0.05; organ.vibratoRate = 6.5; organ.vibratoDelay = 0 }  // a Leslie, roughly
            return organ
        case 19: return ensemble(.organ, detune: 6, attack: 0.08, release: 0.3, level: 0.35)
        case 21, 23: return ensemble(.reed, detune: 12, attack: 0.03, release: 0.08, level: 0.3)
        case 22: return sustained(.nasal, attack: 0.03, release: 0.08, vibrato: 0.12, level: 0.45)
        case 24: return pluck(damping: 0.45, ringTime: 2.5, position: 0.2, level: 0.5)
        case 25: return pluck(damping: 0.25, ringTime: 3.5, position: 0.12, level: 0.45)
        case 26: return pluck(damping: 0.5, ringTime: 2.5, position: 0.25, level: 0.5)
        case 27: return pluck(damping: 0.3, ringTime: 3.5, position: 0.15, level: 0.45)
        case 28: return pluck(damping: 0.5, ringTime: 0.25, position: 0.1, level: 0.5)
        case 29: return pluck(damping: 0.3, ringTime: 4, position: 0.15, level: 0.3, drive: 4)
        case 30: return pluck(damping: 0.25, ringTime: 5, position: 0.12, level: 0.28, drive: 10)
        case 31:
            var harmonics = fm(ratio: 1, index: 0.3, indexDecay: 0.2, decay: 1.5, level: 0.3)
            harmonics.transpose = 12
            return harmonics
        case 32: return pluck(damping: 0.5, ringTime: 1.6, position: 0.2, level: 0.6)
        case 33: return pluck(damping: 0.45, ringTime: 2.5, position: 0.2, level: 0.6)
        case 34: return pluck(damping: 0.3, ringTime: 2.5, position: 0.12, level: 0.55)
        case 35:
            var fretless = sustained(.bass, attack: 0.01, release: 0.08, vibrato: 0.05, level: 0.5)
            fretless.decay = 0.8; fretless.sustain = 0.5; fretless.sustainFade = 2.5
            return fretless
        case 36, 37: return pluck(damping: 0.15, ringTime: 1.5, position: 0.08, level: 0.55)
        case 38, 39:
            var synth = sustained(p == 38 ? .saw : .square, attack: 0.003, release: 0.05, level: 0.55)
            synth.mellow = p == 38 ? .bass : .hollow
            synth.brightStart = 1; synth.brightEnd = 0.15; synth.brightTime = 0.15
            synth.decay = 0.4; synth.sustain = 0.6
            return synth
        case 40...43:
            var solo = sustained(.saw, attack: 0.06, release: 0.15, vibrato: 0.12, level: 0.5)
            solo.mellow = .warmSaw; solo.brightStart = 0.6; solo.brightEnd = 0.6; solo.sustain = 0.9
            return solo
        case 44, 48, 49: return ensemble(.warmSaw, detune: 7, attack: p == 49 ? 0.25 : 0.12, release: 0.35, level: 0.4)
        case 45: return pluck(damping: 0.5, ringTime: 0.5, position: 0.3, level: 0.5)
        case 46: return pluck(damping: 0.35, ringTime: 3, position: 0.3, level: 0.45)
        case 47: return drum(DrumSound(toneStart: 1.05, toneEnd: 1, sweep: 0.05, toneDecay: 0.8, noiseDecay: 0.05, noiseLevel: 0.2,
                                       noiseLow: 2_000, noiseHigh: 100, level: 0.5))
        case 50, 51: return ensemble(.saw, detune: 10, attack: 0.08, release: 0.3, level: 0.33)
        case 52, 54: return ensemble(.vowel, detune: p == 52 ? 6 : 8, attack: p == 52 ? 0.15 : 0.05, release: 0.4, level: 0.35)
        case 53: return ensemble(.flute, detune: 5, attack: 0.12, release: 0.4, level: 0.4)
        case 55:
            var hit = ensemble(.saw, detune: 12, attack: 0.002, release: 0.1, level: 0.7)
            hit.decay = 0.15; hit.sustain = 0
            return hit
        case 56...60: return brass(p)
        case 61: return ensemble(.brassBright, detune: 8, attack: 0.04, release: 0.1, level: 0.38)
        case 62, 63: return ensemble(.saw, detune: 10, attack: 0.02, release: 0.1, level: 0.38)
        case 64...67: return wind(bright: .reed, mellow: .warmSaw, vibrato: 0.1)
        case 68, 69: return wind(bright: .nasal, mellow: .nasal, vibrato: 0.08)
        case 70: return wind(bright: .nasal, mellow: .warmSaw, vibrato: 0.05)
        case 71: return wind(bright: .square, mellow: .hollow, vibrato: 0.05)
        case 72...77, 79: return wind(bright: .flute, mellow: .sine, vibrato: 0.08)
        case 78: return wind(bright: .sine, mellow: .sine, vibrato: 0.1)
        case 80: return sustained(.square, attack: 0.005, release: 0.05, level: 0.45)
        case 81: return ensemble(.saw, detune: 6, attack: 0.005, release: 0.05, level: 0.38)
        case 82: return wind(bright: .flute, mellow: .flute, vibrato: 0.1)
        case 83:
            var chiff = wind(bright: .flute, mellow: .sine, vibrato: 0.05)
            chiff.brightStart = 1; chiff.brightEnd = 0.2; chiff.brightTime = 0.03
            return chiff
        case 84: return pluck(damping: 0.2, ringTime: 3, position: 0.15, level: 0.3, drive: 3)
        case 85: return ensemble(.vowel, detune: 8, attack: 0.02, release: 0.1, level: 0.35)
        case 86, 87:
            var layered = ensemble(.saw, detune: 0, attack: 0.005, release: 0.06, level: 0.38)
            layered.secondRatio = p == 86 ? 1.5 : 0.5
            return layered
        case 88, 89, 92, 97, 102: return pad(.warmSaw, detune: p == 89 ? 10 : 7, attack: p == 92 ? 0.5 : 0.35)
        case 90, 95, 100: return pad(.saw, detune: 12, attack: p == 90 ? 0.05 : 0.45)
        case 91, 94, 101: return pad(.vowel, detune: 9, attack: 0.5)
        case 93:
            var metallic = fm(ratio: 3.5, index: 1, indexDecay: 2, decay: 1, sustain: 0.8, release: 0.6, level: 0.22)
            metallic.attack = 0.2
            return metallic
        case 96, 98: return fm(ratio: p == 96 ? 5 : 3.5, index: 1.5, indexDecay: 0.3, decay: 1.2, level: 0.3)
        case 99: return pluck(damping: 0.2, ringTime: 4, position: 0.2, level: 0.4)
        case 103: return fm(ratio: 1.41, index: 2, indexDecay: 1.5, decay: 2, sustain: 0.5, release: 0.5, level: 0.25)
        case 104: return pluck(damping: 0.1, ringTime: 4, position: 0.05, level: 0.4)
        case 105: return pluck(damping: 0.15, ringTime: 1.5, position: 0.07, level: 0.45)
        case 106: return pluck(damping: 0.2, ringTime: 1.2, position: 0.1, level: 0.45)
        case 107: return pluck(damping: 0.3, ringTime: 2.5, position: 0.15, level: 0.45)
        case 108: return fm(ratio: 5.9, index: 0.6, indexDecay: 0.05, decay: 0.6, level: 0.4)
        case 109, 111: return wind(bright: .nasal, mellow: .nasal, vibrato: p == 109 ? 0 : 0.1)
        case 110: return Patch.program(40)
        case 112: return fm(ratio: 3.5, index: 1.5, indexDecay: 0.3, decay: 1.5, level: 0.3)
        case 113: return fm(ratio: 2.5, index: 1.2, indexDecay: 0.1, decay: 0.3, level: 0.35)
        case 114: return fm(ratio: 2, index: 1.2, indexDecay: 0.3, decay: 0.8, level: 0.35)
        case 115: return drum(DrumSound(toneStart: 1, toneEnd: 1, toneDecay: 0.05, level: 0.9))
        case 116: return drum(DrumSound(toneStart: 0.8, toneEnd: 0.5, sweep: 0.05, toneDecay: 0.5, noiseDecay: 0.08, noiseLevel: 0.4,
                                        noiseLow: 1_500, noiseHigh: 60, level: 0.55))
        case 117, 118: return drum(DrumSound(toneStart: p == 117 ? 1.5 : 2, toneEnd: 1, sweep: 0.06, toneDecay: 0.3, noiseDecay: 0.03,
                                             noiseLevel: 0.2, noiseLow: 3_000, noiseHigh: 300, level: 0.7))
        case 119: return noise(low: 12_000, high: 3_000, attack: 1.2, release: 0.05, level: 1)
        case 120: return noise(low: 6_000, high: 2_000, attack: 0.002, release: 0.03, decay: 0.05, level: 1)
        case 121: return noise(low: 2_500, high: 400, attack: 0.05, release: 0.1, level: 0.33)
        case 122: return noise(low: 3_000, high: 200, attack: 0.8, release: 1, level: 1)
        case 123: return fm(ratio: 1, index: 0.5, indexDecay: 0.1, decay: 0.2, level: 0.25)
        case 124: return fm(ratio: 2, index: 0.5, indexDecay: 10, decay: 1, sustain: 1, release: 0.05, level: 0.2)
        case 125, 126: return noise(low: p == 125 ? 800 : 6_000, high: p == 125 ? 40 : 800, attack: 0.3, release: 0.4, level: 0.4)
        default: return noise(low: 4_000, high: 100, attack: 0.001, release: 0.1, decay: 0.3, level: 0.6)
        }
    }

    static func piano(brightEnd: Float) -> Patch {
        Patch(engine: .table, level: 0.65, attack: 0.002, decay: 0.35, sustain: 0.45, sustainFade: 2.5, release: 0.12, keyTrack: 0.5,
              bright: .pianoBright, mellow: .pianoMellow, brightStart: 1, brightEnd: brightEnd, brightTime: 0.5, velocityBrightness: 0.8)
    }

    static func fm(ratio: Float, index: Float, indexDecay: Float, decay: Float, sustain: Float = 0, fade: Float = 0,
                   release: Float = 0.2, level: Float) -> Patch {
        Patch(engine: .fm, level: level, attack: 0.002, decay: decay, sustain: sustain, sustainFade: fade, release: release,
              keyTrack: 0.4, modRatio: ratio, modIndex: index, modDecay: indexDecay)
    }

    static func pluck(damping: Float, ringTime: Float, position: Float, level: Float, drive: Float = 0) -> Patch {
        Patch(engine: .pluck, level: level, attack: 0, decay: 1, sustain: 1, release: 0.06, keyTrack: 0.35,
              damping: damping, ringTime: ringTime, pluckPosition: position, drive: drive)
    }

    static func sustained(_ timbre: Wavetables.Timbre, attack: Float, release: Float, vibrato: Float = 0, level: Float) -> Patch {
        Patch(engine: .table, level: level, attack: attack, decay: 0.3, sustain: 1, release: release,
              bright: timbre, mellow: timbre, vibratoDepth: vibrato)
    }

    static func ensemble(_ timbre: Wavetables.Timbre, detune: Float, attack: Float, release: Float, level: Float) -> Patch {
        Patch(engine: .doubleTable, level: level, attack: attack, decay: 0.3, sustain: 1, release: release,
              bright: timbre, mellow: timbre, detuneCents: detune)
    }

    static func pad(_ timbre: Wavetables.Timbre, detune: Float, attack: Float) -> Patch {
        ensemble(timbre, detune: detune, attack: attack, release: 0.7, level: 0.35)
    }

    /// Brass: the tone opens up during the attack, as a player's lips do.
    static func brass(_ p: Int) -> Patch {
        var brass = Patch(engine: .table, level: 0.55, attack: p == 57 || p == 60 ? 0.05 : 0.03, decay: 0.2, sustain: 0.85, release: 0.08,
                          bright: p == 59 ? .nasal : .brassBright, mellow: .brassMellow, brightStart: 0, brightEnd: 0.85,
                          brightTime: 0.04, velocityBrightness: 0.7, vibratoDepth: 0.06, vibratoDelay: 0.35)
        if p == 58 { brass.brightEnd = 0.5 }
        if p == 60 { brass.brightEnd = 0.35 }
        return brass
    }

    static func wind(bright: Wavetables.Timbre, mellow: Wavetables.Timbre, vibrato: Float) -> Patch {
        Patch(engine: .table, level: 0.5, attack: 0.04, decay: 0.3, sustain: 0.92, release: 0.09,
              bright: bright, mellow: mellow, brightStart: 0.5, brightEnd: 0.5, velocityBrightness: 0.8,
              vibratoDepth: vibrato, vibratoRate: 5, vibratoDelay: 0.3)
    }

    static func drum(_ sound: DrumSound) -> Patch {
        Patch(engine: .drum, level: 1, attack: 0.0005, decay: 1, sustain: 1, release: 0.05, drum: sound)
    }

    /// Steady band-passed noise shaped by the amplitude envelope (sound effects); Hz band, fixed.
    static func noise(low: Float, high: Float, attack: Float, release: Float, decay: Float = 0, level: Float) -> Patch {
        var patch = drum(DrumSound(noiseDecay: .infinity, noiseLevel: 1, noiseLow: low, noiseHigh: high, level: level))
        patch.attack = attack
        patch.release = release
        if decay > 0 { patch.decay = decay; patch.sustain = 0 }
        return patch
    }
}
