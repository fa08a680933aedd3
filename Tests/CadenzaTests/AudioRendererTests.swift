import Foundation
import MusicScore
import Testing
@testable import Cadenza

/// The built-in synthesizer: WAV layout, timing through the tempo map, pitch, loudness,
/// determinism and limits. Every render here is a few seconds of audio at most.
@Suite struct AudioRendererTests {
    /// A score at 480 ticks per quarter (120 qpm unless `tempos` says otherwise).
    static func score(_ tracks: [Track], tempos: [TempoChange] = []) -> Score {
        Score(ticksPerQuarter: 480, tracks: tracks, tempos: tempos)
    }

    static func track(program: UInt8 = 0, drums: Bool = false, _ notes: [(pitch: UInt8, velocity: UInt8, start: Int, length: Int)],
                      controls: [ControlChange] = [], bends: [PitchBend] = []) -> Track {
        Track(program: program, channel: drums ? 9 : 0, isDrum: drums,
              notes: notes.map { Note(start: $0.start, duration: $0.length, pitch: $0.pitch, velocity: $0.velocity) },
              controls: controls, pitchBends: bends)
    }

    /// The samples of a 16-bit WAV, interleaved, after checking that the header is the canonical one.
    static func samples(_ wav: [UInt8]) -> [Int16] {
        let data = wav[44...]
        return stride(from: data.startIndex, to: data.endIndex - 1, by: 2).map { Int16(bitPattern: UInt16(wav[$0]) | UInt16(wav[$0 + 1]) << 8) }
    }

    static func u32(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }
    static func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }

    /// One channel of interleaved samples as floats in -1...1.
    static func channel(_ samples: [Int16], _ c: Int, of channels: Int) -> [Double] {
        stride(from: c, to: samples.count, by: channels).map { Double(samples[$0]) / 32768 }
    }

    static func rms(_ x: ArraySlice<Double>) -> Double {
        x.isEmpty ? 0 : (x.reduce(0) { $0 + $1 * $1 } / Double(x.count)).squareRoot()
    }

    /// Power at `frequency` (Goertzel's algorithm).
    static func power(_ x: ArraySlice<Double>, _ frequency: Double, sampleRate: Double) -> Double {
        let k = 2 * cos(2 * Double.pi * frequency / sampleRate)
        var s1 = 0.0, s2 = 0.0
        for v in x { let s = v + k * s1 - s2; s2 = s1; s1 = s }
        return s1 * s1 + s2 * s2 - k * s1 * s2
    }

    /// The strongest frequency in `range` (1 Hz steps) of the mono mix of `score`.
    static func dominantFrequency(_ score: Score, in range: ClosedRange<Int>, from: Double, to: Double) throws -> Double {
        let rate = 22_050.0
        let wav = try AudioRenderer(sampleRate: Int(rate), channelCount: 1, tailSeconds: 0).wavBytes(for: score)
        let x = channel(samples(wav), 0, of: 1)[Int(from * rate)..<Int(to * rate)]
        return Double(range.max { power(x, Double($0), sampleRate: rate) < power(x, Double($1), sampleRate: rate) }!)
    }

    @Test func wavHeaderDescribesTheData() throws {
        let score = Self.score([Self.track([(60, 100, 0, 480)])])
        for (rate, channels) in [(44_100, 2), (22_050, 1), (8_000, 2)] {
            let renderer = AudioRenderer(sampleRate: rate, channelCount: channels)
            let wav = try renderer.wavBytes(for: score)
            let frames = renderer.frameCount(for: score)
            #expect(frames == Int((0.5 + 1.5) * Double(rate)))
            #expect(Array(wav[0..<4]) == Array("RIFF".utf8))
            #expect(Self.u32(wav, 4) == wav.count - 8)
            #expect(Array(wav[8..<16]) == Array("WAVEfmt ".utf8))
            #expect(Self.u32(wav, 16) == 16)
            #expect(Self.u16(wav, 20) == 1)  // PCM
            #expect(Self.u16(wav, 22) == channels)
            #expect(Self.u32(wav, 24) == rate)
            #expect(Self.u32(wav, 28) == rate * channels * 2)
            #expect(Self.u16(wav, 32) == channels * 2)
            #expect(Self.u16(wav, 34) == 16)
            #expect(Array(wav[36..<40]) == Array("data".utf8))
            #expect(Self.u32(wav, 40) == frames * channels * 2)
            #expect(wav.count == 44 + frames * channels * 2)
        }
    }

    @Test func lengthFollowsTheTempoMapPlusTail() throws {
        // One quarter at 120 qpm (0.5 s), then 60 qpm: the second note starts at 0.5 + 1.0 s.
        let score = Self.score([Self.track(drums: true, [(36, 100, 0, 240), (36, 100, 960, 480)])],
                               tempos: [TempoChange(tick: 480, quartersPerMinute: 60)])
        #expect(abs(score.durationSeconds - 2.5) < 1e-9)
        let rate = 8_000
        let renderer = AudioRenderer(sampleRate: rate, channelCount: 1, tailSeconds: 0.5)
        let wav = try renderer.wavBytes(for: score)
        let x = Self.channel(Self.samples(wav), 0, of: 1)
        #expect(x.count == Int(3.0 * Double(rate)))
        let before = Self.rms(x[Int(1.46 * 8_000)..<Int(1.495 * 8_000)])
        let after = Self.rms(x[Int(1.5 * 8_000)..<Int(1.535 * 8_000)])
        #expect(after > 0.05)
        #expect(before < after / 20)
    }

    @Test func middleAPianoSoundsAt440Hz() throws {
        let score = Self.score([Self.track(program: 0, [(69, 100, 0, 960)])])
        let peak = try Self.dominantFrequency(score, in: 380...500, from: 0.05, to: 0.55)
        #expect(abs(peak - 440) <= 2, "strongest frequency \(peak) Hz")
        // And far stronger than the semitones either side.
        let wav = try AudioRenderer(sampleRate: 22_050, channelCount: 1).wavBytes(for: score)
        let x = Self.channel(Self.samples(wav), 0, of: 1)[1_000..<12_000]
        let p440 = Self.power(x, 440, sampleRate: 22_050)
        #expect(p440 > 20 * Self.power(x, 415.3, sampleRate: 22_050))
        #expect(p440 > 20 * Self.power(x, 466.2, sampleRate: 22_050))
    }

    @Test func pluckedStringAndFMAreInTune() throws {
        // Karplus–Strong needs its fractional delay to be in tune; FM its carrier.
        let guitar = Self.score([Self.track(program: 24, [(57, 100, 0, 960)])])
        #expect(abs(try Self.dominantFrequency(guitar, in: 200...240, from: 0.05, to: 0.55) - 220) <= 2)
        let vibraphone = Self.score([Self.track(program: 11, [(81, 100, 0, 960)])])
        #expect(abs(try Self.dominantFrequency(vibraphone, in: 840...920, from: 0.02, to: 0.52) - 880) <= 2)
    }

    @Test func pitchBendMovesThePitchTwoSemitones() throws {
        let score = Self.score([Self.track(program: 73, [(69, 100, 0, 960)], bends: [PitchBend(tick: 0, value: 8191)])])
        // Before the vibrato fades in at 0.3 s.
        let peak = try Self.dominantFrequency(score, in: 470...520, from: 0.05, to: 0.3)
        #expect(abs(peak - 493.9) <= 2, "strongest frequency \(peak) Hz")
    }

    @Test func drumsSoundAndDiffer() throws {
        var zeroCrossings: [UInt8: Double] = [:]
        for key: UInt8 in [36, 38, 42, 46, 49, 50, 56, 81] {
            let score = Self.score([Self.track(drums: true, [(key, 110, 0, 120)])])
            let x = Self.channel(Self.samples(try AudioRenderer(sampleRate: 22_050, channelCount: 1, tailSeconds: 0.3).wavBytes(for: score)), 0, of: 1)
            let hit = x[0..<2_205]
            #expect(Self.rms(hit) > 0.02, "drum key \(key) is silent")
            zeroCrossings[key] = Double(zip(hit.dropFirst(), hit).filter { ($0 < 0) != ($1 < 0) }.count) / 0.1
        }
        // A kick is a low thump, a closed hi-hat high noise.
        #expect(zeroCrossings[36]! < 400)
        #expect(zeroCrossings[42]! > 5_000)
    }

    @Test func everyProgramMakesSound() throws {
        let renderer = AudioRenderer(sampleRate: 8_000, channelCount: 1, tailSeconds: 0.2)
        for program in 0...127 {
            let score = Self.score([Self.track(program: UInt8(program), [(60, 100, 0, 480)])])
            let x = Self.channel(Self.samples(try renderer.wavBytes(for: score)), 0, of: 1)
            #expect(Self.rms(x[...]) > 0.005, "program \(program) (\(GeneralMIDI.programNames[program])) is silent")
        }
    }

    @Test func silenceInSilenceOut() throws {
        let renderer = AudioRenderer(sampleRate: 22_050)
        let empty = try renderer.wavBytes(for: Score(ticksPerQuarter: 480))
        #expect(empty.count == 44 + Int(1.5 * 22_050) * 4)
        #expect(Self.samples(empty).allSatisfy { $0 == 0 })
        let mute = Self.score([Self.track([(60, 0, 0, 480)]), Self.track(drums: true, [(36, 0, 0, 480)])])
        #expect(Self.samples(try renderer.wavBytes(for: mute)).allSatisfy { $0 == 0 })
    }

    /// A few seconds of a mixed arrangement: piano, guitar, strings, vibraphone, bass, drums.
    static let arrangement: Score = {
        var tracks: [Track] = []
        for (i, program) in ([0, 24, 48, 11, 33] as [UInt8]).enumerated() {
            let base = UInt8(48 + 5 * i)
            let notes = (0..<8).map { (k: Int) -> (pitch: UInt8, velocity: UInt8, start: Int, length: Int) in
                (base + UInt8(k % 5 * 2), UInt8(60 + 8 * k), k * 240, 360)
            }
            tracks.append(track(program: program, notes, controls: [ControlChange(tick: 0, controller: 10, value: UInt8(i * 30))]))
        }
        let groove: [UInt8] = [36, 42, 38, 42]
        let beats = (0..<16).map { (k: Int) -> (pitch: UInt8, velocity: UInt8, start: Int, length: Int) in (groove[k % 4], 100, k * 120, 60) }
        tracks.append(track(drums: true, beats))
        return score(tracks)
    }()

    @Test func sameScoreSameBytes() throws {
        let renderer = AudioRenderer(sampleRate: 22_050)
        let first = try renderer.wavBytes(for: Self.arrangement)
        let second = try renderer.wavBytes(for: Self.arrangement)
        #expect(first == second)
        #expect(Self.samples(first).contains { $0 != 0 })
        // Streaming to a file gives the very same bytes.
        let path = TestSupport.scratch() + "/a.wav"
        let summary = try renderer.writeWAV(for: Self.arrangement, to: path)
        #expect(TestSupport.bytes(path) == first)
        #expect(summary.byteCount == first.count)
        #expect(summary.notes == Self.arrangement.noteCount)
        #expect(abs(summary.seconds - (Self.arrangement.durationSeconds + 1.5)) < 1e-4)
    }

    @Test func louderVelocityIsLouder() throws {
        let renderer = AudioRenderer(sampleRate: 11_025, channelCount: 1, tailSeconds: 0)
        for (program, drums) in [(UInt8(0), false), (24, false), (48, false), (56, false), (4, false), (0, true)] {
            let levels = try [30, 70, 110].map { (velocity: UInt8) in
                let score = Self.score([Self.track(program: program, drums: drums, [(drums ? 38 : 60, velocity, 0, 480)])])
                return Self.rms(Self.channel(Self.samples(try renderer.wavBytes(for: score)), 0, of: 1)[...])
            }
            #expect(levels[0] < levels[1] && levels[1] < levels[2], "program \(program) drums \(drums): \(levels)")
        }
    }

    @Test func denseChordNeverClips() throws {
        // Four tracks of ten-note fortissimo chords with the pedal down, plus drums.
        var tracks: [Track] = []
        for program: UInt8 in [0, 30, 48, 61] {
            let pedal = [ControlChange(tick: 0, controller: 64, value: 127)]
            tracks.append(Self.track(program: program, (0..<10).map { (UInt8(36 + 5 * $0), 127, 0, 960) }, controls: pedal))
        }
        tracks.append(Self.track(drums: true, [(36, 127, 0, 60), (49, 127, 0, 60), (38, 127, 0, 60)]))
        let samples = Self.samples(try AudioRenderer(sampleRate: 22_050).wavBytes(for: Self.score(tracks)))
        let peak = samples.map { abs(Int($0)) }.max()!
        #expect(peak <= 29_163)
        #expect(peak > 20_000)  // the limiter holds it near -1 dBFS rather than squashing it
    }

    @Test func aChordBeyondThePolyphonyStillSounds() throws {
        // 100 keys at once (all below 4.96 kHz, the highest note 11,025 Hz can play): more than the
        // 64 voices, so the quietest are stolen, never the new ones.
        let chord = (10..<110).map { (pitch: UInt8($0), velocity: UInt8(90), start: 0, length: 480) }
        let renderer = AudioRenderer(sampleRate: 11_025, channelCount: 1, tailSeconds: 0.2)
        var summary: AudioRenderer.Summary?
        var samples: [Int16] = []
        summary = try renderer.render(Self.score([Self.track(program: 48, chord)])) { (block: UnsafeBufferPointer<Int16>) throws(CadenzaError) in
            samples.append(contentsOf: block)
        }
        #expect(summary?.notes == 100)
        #expect(samples.count == renderer.frameCount(for: Self.score([Self.track(program: 48, chord)])))
        #expect(Self.rms(Self.channel(samples, 0, of: 1)[1_000..<5_000]) > 0.05)
    }

    @Test func panFollowsControlChange10() throws {
        let left = Self.score([Self.track(program: 0, [(60, 100, 0, 480)], controls: [ControlChange(tick: 0, controller: 10, value: 0)])])
        let samples = Self.samples(try AudioRenderer(sampleRate: 11_025).wavBytes(for: left))
        let l = Self.rms(Self.channel(samples, 0, of: 2)[...]), r = Self.rms(Self.channel(samples, 1, of: 2)[...])
        #expect(l > 0.01)
        #expect(r < l / 100)
    }

    @Test func sustainPedalHoldsNotes() throws {
        let dry = Self.score([Self.track(program: 0, [(60, 100, 0, 240)])])
        var held = dry
        held.tracks[0].controls = [ControlChange(tick: 0, controller: 64, value: 127), ControlChange(tick: 960, controller: 64, value: 0)]
        let renderer = AudioRenderer(sampleRate: 11_025, channelCount: 1)
        // 0.6...0.9 s: after the key is up (0.25 s), before the pedal is (1.0 s).
        let window = Int(0.6 * 11_025)..<Int(0.9 * 11_025)
        let a = Self.rms(Self.channel(Self.samples(try renderer.wavBytes(for: dry)), 0, of: 1)[window])
        let b = Self.rms(Self.channel(Self.samples(try renderer.wavBytes(for: held)), 0, of: 1)[window])
        #expect(b > 10 * a)
    }

    @Test func realPieceOpeningRendersCleanly() throws {
        // The first three seconds of a pop fixture: real controllers, pedal and chords.
        let loaded = try ScoreLoader.load(path: TestSupport.fixtures + "/pop/447_95a8d98d.mid")
        var score = loaded.score
        let cut = score.tempoMap.tick(atSeconds: 3)
        for t in score.tracks.indices {
            score.tracks[t].notes = score.tracks[t].notes.filter { $0.start < cut }.map { var n = $0; n.duration = min(n.duration, cut - n.start); return n }
        }
        let renderer = AudioRenderer(sampleRate: 22_050, tailSeconds: 0.5)
        let wav = try renderer.wavBytes(for: score, name: "447")
        let samples = Self.samples(wav)
        #expect(samples.count == renderer.frameCount(for: score) * 2)
        #expect(Self.rms(Self.channel(samples, 0, of: 2)[...]) > 0.01)
        #expect(samples.allSatisfy { abs(Int($0)) <= 29_163 })
    }

    @Test func tooLongAPieceIsRefusedWithItsLength() throws {
        // One note ending at 31 minutes (120 qpm: 2 quarters per second).
        let long = Self.score([Self.track([(60, 100, 31 * 60 * 2 * 480 - 480, 480)])])
        do {
            _ = try AudioRenderer().wavBytes(for: long, name: "long.mid")
            Issue.record("a 31-minute piece was rendered")
        } catch {
            guard case .badInput(let file, _, let problem, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(file == "long.mid")
            #expect(problem.contains("31:02"))
            #expect(problem.contains("30:00"))
        }
        let path = TestSupport.scratch() + "/long.wav"
        #expect(throws: CadenzaError.self) { try AudioRenderer(maximumSeconds: 3).writeWAV(for: Self.arrangement, to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(AudioRenderer.clock(3_725) == "1:02:05")
    }
}
