import MusicScore
import Testing
@testable import Tokenization

/// Each step of `Tokenizer.canonicalize`, on scores already at the 12-steps-per-quarter grid.
@Suite struct CanonicalTests {
    let tokenizer = Tokenizer()

    func pedal(_ down: Int, _ up: Int?) -> [ControlChange] {
        [ControlChange(tick: down, controller: 64, value: 127)] + (up.map { [ControlChange(tick: $0, controller: 64, value: 0)] } ?? [])
    }

    @Test func sustainExtendsNotesEndingUnderThePedal() {
        let notes = [
            Note(start: 0, duration: 12, pitch: 60, velocity: 64),  // ends at 12, pedal down 6..<48: to 48
            Note(start: 0, duration: 60, pitch: 64, velocity: 64),  // ends after the release: unchanged
            Note(start: 0, duration: 3, pitch: 67, velocity: 64),  // ends before the pedal: unchanged
            Note(start: 0, duration: 12, pitch: 72, velocity: 64),  // re-struck at 24: cut there
            Note(start: 24, duration: 6, pitch: 72, velocity: 64),  // ends at 30: to 48
        ]
        let track = Track(program: 0, notes: notes, controls: pedal(6, 48) + [ControlChange(tick: 0, controller: 7, value: 1)])
        let score = Score(ticksPerQuarter: 12, tracks: [track])
        let durations = tokenizer.canonicalize(score).tracks[0].notes.map { ($0.pitch, $0.duration) }
        #expect(durations.map(\.0) == [60, 64, 67, 72, 72])
        #expect(durations.map(\.1) == [48, 60, 3, 24, 24])

        var config = TokenizerConfig()
        config.applySustain = false
        let plain = Tokenizer(config: config).canonicalize(score).tracks[0].notes.map(\.duration)
        #expect(plain == [12, 60, 3, 12, 6])
    }

    @Test func pedalNeverReleasedHoldsToTheTrackEnd() {
        let track = Track(program: 0, notes: [
            Note(start: 0, duration: 6, pitch: 60, velocity: 64),
            Note(start: 0, duration: 72, pitch: 48, velocity: 64),
        ], controls: pedal(2, nil))
        let notes = tokenizer.canonicalize(Score(ticksPerQuarter: 12, tracks: [track])).tracks[0].notes
        #expect(notes.map(\.duration) == [72, 72])
    }

    @Test func tracksMergeByInstrument() {
        let a = Track(name: "violin 1", program: 40, channel: 2, notes: [Note(start: 0, duration: 12, pitch: 76, velocity: 90)])
        let b = Track(name: "violin 2", program: 40, channel: 3, notes: [Note(start: 12, duration: 12, pitch: 69, velocity: 90)])
        let kick = Track(name: "kick", program: 0, channel: 9, isDrum: true, notes: [
            Note(start: 0, duration: 1, pitch: 36, velocity: 110),
            Note(start: 0, duration: 1, pitch: 20, velocity: 110),  // below the drum range: dropped
        ])
        let snare = Track(name: "snare", program: 25, channel: 9, isDrum: true, notes: [
            Note(start: 12, duration: 1, pitch: 38, velocity: 110),
            Note(start: 12, duration: 1, pitch: 88, velocity: 110),  // above the drum range: dropped
        ])
        let cello = Track(name: "cello", program: 42, channel: 4, notes: [Note(start: 0, duration: 48, pitch: 36, velocity: 70)])
        let empty = Track(name: "conductor", program: 0)
        let canonical = tokenizer.canonicalize(Score(ticksPerQuarter: 12, tracks: [kick, cello, a, empty, snare, b]))
        #expect(canonical.tracks.map(\.program) == [40, 42, 0])
        #expect(canonical.tracks.map(\.isDrum) == [false, false, true])
        #expect(canonical.tracks.map(\.channel) == [0, 1, 9])
        #expect(canonical.tracks.allSatisfy { $0.name.isEmpty && $0.controls.isEmpty && $0.pitchBends.isEmpty })
        #expect(canonical.tracks[0].notes.map(\.pitch) == [76, 69])
        #expect(canonical.tracks[2].notes.map(\.pitch) == [36, 38])
    }

    @Test func pitchedChannelsSkipNineAndWrap() {
        let tracks = (0..<17).map { Track(program: UInt8($0), notes: [Note(start: 0, duration: 1, pitch: 60, velocity: 60)]) }
        let channels = tokenizer.canonicalize(Score(ticksPerQuarter: 12, tracks: tracks)).tracks.map(\.channel)
        #expect(channels == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 0, 1])
    }

    @Test func notesAreBinnedAndDeduplicated() {
        let track = Track(program: 0, notes: [
            Note(start: 0, duration: 13, pitch: 60, velocity: 0),
            Note(start: 0, duration: 27, pitch: 62, velocity: 127),
            Note(start: 0, duration: 9999, pitch: 64, velocity: 64),
            Note(start: 12, duration: 6, pitch: 65, velocity: 100),
            Note(start: 12, duration: 12, pitch: 65, velocity: 20),  // same onset and key: the longest stays
            Note(start: 24, duration: 12, pitch: 67, velocity: 20),
            Note(start: 24, duration: 12, pitch: 67, velocity: 90),  // equally long: the loudest stays
            Note(start: -5, duration: 12, pitch: 67, velocity: 90),  // before the start: dropped
        ])
        let notes = tokenizer.canonicalize(Score(ticksPerQuarter: 12, tracks: [track])).tracks[0].notes
        #expect(notes.map(\.duration) == [12, 24, 384, 12, 12])
        #expect(notes.map(\.velocity) == [4, 124, 68, 20, 92])
        #expect(notes.map(\.start) == [0, 0, 0, 12, 24])
    }

    @Test func meters() {
        func canonicalMeters(_ signatures: [(Int, Int, Int)]) -> [String] {
            let score = Score(ticksPerQuarter: 12, timeSignatures: signatures.map { TimeSignature(tick: $0.0, numerator: $0.1, denominator: $0.2) })
            return tokenizer.canonicalize(score).timeSignatures.map { "\($0.tick):\($0)" }
        }
        #expect(canonicalMeters([]) == ["0:4/4"])
        #expect(canonicalMeters([(96, 3, 4)]) == ["0:4/4", "96:3/4"])
        #expect(canonicalMeters([(0, 3, 4), (36, 3, 4), (72, 7, 4)]) == ["0:3/4", "72:6/4"])  // repeat dropped, 7/4 → 6/4
        #expect(canonicalMeters([(0, 4, 4), (60, 3, 4)]) == ["0:4/4", "96:3/4"])  // mid-bar: the next bar start
        #expect(canonicalMeters([(0, 4, 4), (50, 3, 4), (70, 2, 4)]) == ["0:4/4", "96:2/4"])  // the last in a bar wins
        #expect(canonicalMeters([(0, 4, 4), (50, 3, 4), (70, 4, 4)]) == ["0:4/4"])
        #expect(canonicalMeters([(0, 1, 4), (12, 4, 4)]) == ["0:3/8", "18:4/4"])  // a 1/4 pickup
        #expect(canonicalMeters([(0, 2, 4), (48_000, 3, 4)]) == ["0:2/4", "48000:3/4"])
    }

    @Test func tempos() {
        func canonicalTempos(_ tempos: [(Int, Double)]) -> [String] {
            let score = Score(ticksPerQuarter: 12, tempos: tempos.map { TempoChange(tick: $0.0, quartersPerMinute: $0.1) })
            return tokenizer.canonicalize(score).tempos.map { "\($0.tick):\(tokenizer.tempoBin(quartersPerMinute: $0.quartersPerMinute))" }
        }
        #expect(canonicalTempos([]) == ["0:19"])
        #expect(canonicalTempos([(24, 60)]) == ["0:19", "24:7"])
        #expect(canonicalTempos([(0, 60), (0, 90), (12, 91), (24, 60)]) == ["0:14", "24:7"])  // last at a tick wins
        #expect(canonicalTempos([(0, 10), (5, 1000)]) == ["0:0", "5:31"])
        #expect(canonicalTempos([(12, 121)]) == ["0:19"])  // the same bin as the 120 qpm default
        let us = tokenizer.canonicalize(Score(ticksPerQuarter: 12)).tempos[0].microsecondsPerQuarter
        #expect(us == Int((60_000_000 / tokenizer.config.tempoQuartersPerMinute(bin: 19)).rounded()))
    }

    @Test func droppedEvents() {
        var score = Score(
            ticksPerQuarter: 480,
            tracks: [Track(program: 0, notes: [Note(start: 0, duration: 480, pitch: 60, velocity: 60)],
                           controls: [ControlChange(tick: 0, controller: 10, value: 3)], pitchBends: [PitchBend(tick: 0, value: 100)])],
            keySignatures: [KeySignature(sharps: 1, isMinor: false)], texts: [TextEvent(tick: 0, kind: .lyric, text: "la")])
        score = tokenizer.canonicalize(score)
        #expect(score.keySignatures.isEmpty && score.texts.isEmpty)
        #expect(score.tracks[0].controls.isEmpty && score.tracks[0].pitchBends.isEmpty)
        #expect(score.ticksPerQuarter == 12)
    }
}
