#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plays a `NoteSchedule` block by block: starts voices when their notes begin, releases them at
/// note-off, mixes them into a stereo (or mono) bus, and runs the bus through a peak limiter
/// into 16-bit samples. Memory stays bounded however long the piece is.
final class Synthesizer {
    /// Frames per block: pitch bend and vibrato move at this rate (2.9 ms at 44.1 kHz).
    static let blockSize = 128
    /// Voices sounding at once; beyond this the quietest is stolen, as hardware synthesizers do.
    static let maximumVoices = 64
    /// Limiter ceiling, -1 dBFS: no sample reaches ±32767.
    static let ceiling: Float = 0.89

    let sampleRate: Int
    let channelCount: Int
    let totalFrames: Int
    private let schedule: NoteSchedule
    private(set) var frame = 0
    private var nextEntry = 0
    private var voices: [Voice] = []
    private var bendCursor: [Int]
    private var bendRatio: [Double]

    /// Delay lines for plucked strings, reused between voices.
    private var freeLines: [UnsafeMutablePointer<Float>] = []
    private var allLines: [UnsafeMutablePointer<Float>] = []
    private let lineMask: Int

    private let left: UnsafeMutablePointer<Float>
    private let right: UnsafeMutablePointer<Float>
    private let mono: UnsafeMutablePointer<Float>
    private let envelope: UnsafeMutablePointer<Float>

    private var limiterLevel: Float = 0
    private let limiterRelease: Float
    private let fadeFrames: Int

    /// Notes actually started (drums and melodic), for the summary.
    private(set) var notesPlayed = 0

    /// - Parameters:
    ///   - totalFrames: length of the output; voices still sounding then are faded over the last 50 ms.
    init(schedule: NoteSchedule, sampleRate: Int, channelCount: Int, totalFrames: Int) {
        self.schedule = schedule
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.totalFrames = totalFrames
        bendCursor = [Int](repeating: 0, count: schedule.bends.count)
        bendRatio = [Double](repeating: 1, count: schedule.bends.count)
        // A string as low as MIDI key 0 (8.2 Hz) fits in the line.
        var capacity = 1
        while capacity < sampleRate / 8 + 4 { capacity <<= 1 }
        lineMask = capacity - 1
        let n = Self.blockSize
        left = .allocate(capacity: n)
        right = .allocate(capacity: n)
        mono = .allocate(capacity: n)
        envelope = .allocate(capacity: n)
        limiterRelease = Voice.coefficient(0.25, Float(sampleRate))
        fadeFrames = min(totalFrames, sampleRate / 20)
        voices.reserveCapacity(Self.maximumVoices)
    }

    deinit {
        for line in allLines { line.deallocate() }
        left.deallocate()
        right.deallocate()
        mono.deallocate()
        envelope.deallocate()
    }

    /// Renders the next block as interleaved 16-bit samples into `out` (room for
    /// `blockSize × channelCount`). Returns the frames written, 0 when the piece is over.
    func renderBlock(into out: UnsafeMutablePointer<Int16>) -> Int {
        let n = min(Self.blockSize, totalFrames - frame)
        guard n > 0 else { return 0 }
        let blockEnd = frame + n
        while nextEntry < schedule.entries.count, schedule.entries[nextEntry].start < blockEnd {
            start(schedule.entries[nextEntry])
            nextEntry += 1
        }
        updateBends()
        for i in 0..<n { left[i] = 0; right[i] = 0 }
        for v in voices.indices { renderVoice(v, count: n) }
        retireFinishedVoices()
        limit(into: out, count: n)
        frame = blockEnd
        return n
    }

    private func renderVoice(_ v: Int, count n: Int) {
        let from = max(0, voices[v].startFrame - frame)
        let held = voices[v].stage == .attack || voices[v].stage == .decay
        if held, voices[v].releaseFrame < frame + n {
            let release = max(from, voices[v].releaseFrame - frame)
            render(v, from, release)
            voices[v].noteOff()
            render(v, release, n)
        } else {
            render(v, from, n)
        }
    }

    /// Renders frames `from..<to` of this block of voice `v` and pans them into the bus.
    private func render(_ v: Int, _ from: Int, _ to: Int) {
        guard to > from, !voices[v].isFinished else { return }
        let count = to - from
        voices[v].render(into: mono, envelope: envelope, count: count, bend: bendRatio[voices[v].track])
        let gl = voices[v].gainLeft, gr = voices[v].gainRight
        let l = left + from, r = right + from
        if channelCount == 2 {
            for i in 0..<count { l[i] += mono[i] * gl; r[i] += mono[i] * gr }
        } else {
            for i in 0..<count { l[i] += mono[i] * gl }
        }
    }

    private func start(_ entry: NoteSchedule.Entry) {
        let drumTrack = schedule.isDrum[entry.track]
        let sound = drumTrack ? DrumKit.sound(key: entry.key) : nil
        let patch = sound.map { Patch.drum($0) } ?? schedule.patches[entry.track]!
        let key = Double(Int(entry.key) + patch.transpose)
        let frequency = 440 * exp2((key - 69) / 12)
        // A note above the Nyquist frequency cannot be played; drop it rather than alias.
        if !drumTrack, frequency >= 0.45 * Double(sampleRate) { return }
        let chokeGroup = sound?.chokeGroup ?? 0
        for i in voices.indices where voices[i].track == entry.track {
            if !drumTrack, voices[i].key == entry.key {
                voices[i].releaseFrame = min(voices[i].releaseFrame, entry.start)  // a repeated key restarts the note
            } else if chokeGroup != 0, voices[i].chokeGroup == chokeGroup {
                voices[i].choke(at: entry.start)
            }
        }
        if voices.count >= Self.maximumVoices { stealQuietestVoice() }
        let level = patch.level * (patch.engine == .drum ? patch.drum.level : 1)
        var voice = Voice(patch: patch, track: entry.track, key: entry.key, frequency: frequency, velocity: entry.velocity,
                          gainLeft: entry.gainLeft * level, gainRight: entry.gainRight * level,
                          startFrame: entry.start, releaseFrame: entry.release, chokeGroup: chokeGroup, sampleRate: sampleRate)
        let seed = UInt32(truncatingIfNeeded: entry.serial &* 2_654_435_761)
        switch patch.engine {
        case .pluck:
            voice.pluck(patch, velocity: entry.velocity, frequency: frequency, line: takeLine(), mask: lineMask, seed: seed)
        case .drum:
            voice.strike(patch.drum, frequency: drumTrack ? nil : frequency, seed: seed)
        default:
            break
        }
        voices.append(voice)
        notesPlayed += 1
    }

    private func stealQuietestVoice() {
        var quietest = 0
        for i in voices.indices where voices[i].loudness < voices[quietest].loudness { quietest = i }
        if let line = voices[quietest].string.line { freeLines.append(line) }
        voices.remove(at: quietest)
    }

    private func retireFinishedVoices() {
        var kept = 0
        for i in voices.indices {
            if voices[i].isFinished {
                if let line = voices[i].string.line { freeLines.append(line) }
            } else {
                if kept != i { voices[kept] = voices[i] }
                kept += 1
            }
        }
        voices.removeLast(voices.count - kept)
    }

    private func takeLine() -> UnsafeMutablePointer<Float> {
        if let line = freeLines.popLast() { return line }
        let line = UnsafeMutablePointer<Float>.allocate(capacity: lineMask + 1)
        line.initialize(repeating: 0, count: lineMask + 1)
        allLines.append(line)
        return line
    }

    /// Pitch bend in force at the start of this block, per track.
    private func updateBends() {
        for t in schedule.bends.indices {
            let bends = schedule.bends[t]
            var c = bendCursor[t]
            while c < bends.count, bends[c].frame <= frame {
                bendRatio[t] = bends[c].ratio
                c += 1
            }
            bendCursor[t] = c
        }
    }

    /// A stereo-linked peak limiter with instant attack and a 250 ms release: its gain envelope
    /// never lets a sample above `ceiling` through, so nothing wraps or clips, and quiet pieces
    /// pass unchanged. Non-finite samples (which no voice should make) become silence.
    private func limit(into out: UnsafeMutablePointer<Int16>, count n: Int) {
        var level = limiterLevel
        let release = limiterRelease, ceiling = Self.ceiling
        let fadeStart = totalFrames - fadeFrames
        let stereo = channelCount == 2
        for i in 0..<n {
            var l = left[i], r = stereo ? right[i] : 0
            if !l.isFinite { l = 0 }
            if !r.isFinite { r = 0 }
            let peak = max(abs(l), abs(r))
            level = peak > level ? peak : level * release + peak * (1 - release)
            var gain: Float = level > ceiling ? ceiling / level : 1
            let f = frame + i
            if f >= fadeStart { gain *= Float(totalFrames - f) / Float(max(fadeFrames, 1)) }
            if stereo {
                out[2 * i] = Int16((l * gain * 32767).rounded())
                out[2 * i + 1] = Int16((r * gain * 32767).rounded())
            } else {
                out[i] = Int16((l * gain * 32767).rounded())
            }
        }
        limiterLevel = level
    }
}
