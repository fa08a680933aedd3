#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MusicScore

/// A score turned into what the synthesizer plays: every audible note with its start and
/// release in sample frames (through the tempo map), its loudness and stereo gains, and each
/// track's pitch bends as frequency ratios. Built once, read in order.
struct NoteSchedule {
    struct Entry {
        /// First frame, and the frame of note-off after the sustain pedal (`Int.max` for drums).
        var start: Int
        var release: Int
        var track: Int
        var key: UInt8
        /// MIDI velocity as 0...1.
        var velocity: Float
        var gainLeft: Float
        var gainRight: Float
        /// Place in the score's order: seeds the voice's noise, so output never depends on timing.
        var serial: Int
    }

    struct Bend {
        var frame: Int
        var ratio: Double
    }

    /// Audible notes ordered by start frame, then track, then pitch.
    var entries: [Entry] = []
    /// Per track: its patch (nil for drum tracks, whose patch depends on the key).
    var patches: [Patch?] = []
    var isDrum: [Bool] = []
    /// Per track: pitch bends ordered by frame (±2 semitones, the GM default range).
    var bends: [[Bend]] = []

    /// Overall level before the limiter: a few loud voices reach full scale.
    static let masterGain: Float = 1.4
    /// The shortest note that still sounds, seconds (zero-length notes in files become clicks otherwise).
    static let shortestNote = 0.01

    /// - Parameter channelCount: 1 (mono: no pan law) or 2.
    init(score: Score, sampleRate: Int, channelCount: Int) {
        let map = score.tempoMap
        let sr = Double(sampleRate)
        func frame(_ tick: Int) -> Int { Int((map.seconds(atTick: tick) * sr).rounded()) }
        let shortest = Int(Self.shortestNote * sr)
        var serial = 0
        for (t, track) in score.tracks.enumerated() {
            patches.append(track.isDrum ? nil : Patch.program(track.program))
            isDrum.append(track.isDrum)
            bends.append(track.pitchBends.map { Bend(frame: frame($0.tick), ratio: exp2(Double($0.value) / 8192 * 2 / 12)) })
            let pedal = track.isDrum ? [] : track.sustainIntervals
            let volume = Self.controls(track, 7), expression = Self.controls(track, 11), pan = Self.controls(track, 10)
            for note in track.notes {
                serial += 1
                guard note.velocity16 > 0, note.pitch < 128 else { continue }
                let start = frame(note.start)
                var release = Int.max
                if !track.isDrum {
                    var end = note.end
                    // A note released while the pedal is down sounds until the pedal comes up.
                    if let held = Self.interval(containing: end, in: pedal) { end = held.upperBound }
                    release = max(frame(end), start + shortest)
                }
                let velocity = Float(note.velocity16) / 65535
                // GM's recommended curves: 40·log10(v/127) dB for velocity, volume and expression.
                let channel = Self.square(Self.value(volume, at: note.start, default: 100)) * Self.square(Self.value(expression, at: note.start, default: 127))
                let loudness = velocity * velocity * channel * Self.masterGain
                var position = (Float(Self.value(pan, at: note.start, default: 64)) - 64) / 63
                if track.isDrum { position += DrumKit.sound(key: note.pitch).pan }
                let (left, right) = Self.panLaw(position, channelCount: channelCount)
                entries.append(Entry(start: start, release: release, track: t, key: note.pitch, velocity: velocity,
                                     gainLeft: loudness * left, gainRight: loudness * right, serial: serial))
            }
        }
        entries.sort { ($0.start, $0.track, $0.key, $0.serial) < ($1.start, $1.track, $1.key, $1.serial) }
    }

    /// Equal-power pan: -1 left ... 1 right, clamped; both gains 1/√2 in the centre and in mono.
    static func panLaw(_ position: Float, channelCount: Int) -> (Float, Float) {
        if channelCount == 1 { return (Float(0.5).squareRoot(), 0) }
        let angle = (min(max(position, -1), 1) + 1) * Float.pi / 4
        return (cosf(angle), sinf(angle))
    }

    private static func square(_ value: UInt8) -> Float {
        let x = Float(value) / 127
        return x * x
    }

    /// The (tick, value) pairs of one controller, in tick order.
    private static func controls(_ track: Track, _ controller: UInt8) -> [(tick: Int, value: UInt8)] {
        track.controls.filter { $0.controller == controller }.map { ($0.tick, $0.value) }
    }

    /// The controller value in force at `tick` (a change at the same tick as a note applies to it).
    private static func value(_ changes: [(tick: Int, value: UInt8)], at tick: Int, default fallback: UInt8) -> UInt8 {
        var low = 0, high = changes.count
        while low < high {
            let mid = (low + high) / 2
            if changes[mid].tick <= tick { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? fallback : changes[low - 1].value
    }

    /// The pedal interval holding `tick` (start inclusive, end exclusive), if any.
    private static func interval(containing tick: Int, in intervals: [Range<Int>]) -> Range<Int>? {
        var low = 0, high = intervals.count
        while low < high {
            let mid = (low + high) / 2
            if intervals[mid].lowerBound <= tick { low = mid + 1 } else { high = mid }
        }
        return low > 0 && intervals[low - 1].contains(tick) ? intervals[low - 1] : nil
    }
}
