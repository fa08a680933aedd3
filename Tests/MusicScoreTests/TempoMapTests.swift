import Testing
@testable import MusicScore

@Suite struct TempoMapTests {
    @Test func defaultTempoIs120() {
        let map = TempoMap(ticksPerQuarter: 480, tempos: [])
        #expect(map.seconds(atTick: 480) == 0.5)
        #expect(map.tick(atSeconds: 1.0) == 960)
        #expect(map.quartersPerMinute(atTick: 0) == 120)
    }

    @Test func changesAccumulate() {
        // 120 qpm for one quarter (0.5 s), then 60 qpm (1 s per quarter).
        let map = TempoMap(ticksPerQuarter: 100, tempos: [
            TempoChange(tick: 0, microsecondsPerQuarter: 500_000),
            TempoChange(tick: 100, microsecondsPerQuarter: 1_000_000),
        ])
        #expect(map.seconds(atTick: 100) == 0.5)
        #expect(abs(map.seconds(atTick: 250) - 2.0) < 1e-12)
        #expect(map.tick(atSeconds: 2.0) == 250)
        #expect(map.tick(atSeconds: 0.25) == 50)
        #expect(map.quartersPerMinute(atTick: 150) == 60)
    }

    @Test func roundTripsEveryTick() {
        let map = TempoMap(ticksPerQuarter: 96, tempos: [
            TempoChange(tick: 0, quartersPerMinute: 97),
            TempoChange(tick: 1000, quartersPerMinute: 143),
            TempoChange(tick: 1000, quartersPerMinute: 150),  // the later event at a tick wins
            TempoChange(tick: 5000, quartersPerMinute: 41),
        ])
        #expect(map.quartersPerMinute(atTick: 1000) > 149.9)
        for tick in stride(from: 0, to: 20000, by: 37) {
            #expect(map.tick(atSeconds: map.seconds(atTick: tick)) == tick)
        }
    }
}

@Suite struct ScoreTests {
    func piece() -> Score {
        Score(
            ticksPerQuarter: 480,
            tracks: [
                Track(name: "piano", program: 0, channel: 0, notes: [
                    Note(start: 0, duration: 470, pitch: 60, velocity: 80),
                    Note(start: 475, duration: 250, pitch: 64, velocity: 90),
                ]),
                Track(name: "drums", program: 0, channel: 9, isDrum: true, notes: [Note(start: 0, duration: 60, pitch: 36, velocity: 100)]),
            ],
            timeSignatures: [TimeSignature(tick: 0, numerator: 3, denominator: 4), TimeSignature(tick: 2880, numerator: 6, denominator: 8)],
            keySignatures: [KeySignature(tick: 0, sharps: 1, isMinor: false)])
    }

    @Test func barStartsFollowMeterChanges() {
        var score = piece()
        score.tracks[0].notes.append(Note(start: 5000, duration: 10, pitch: 60, velocity: 80))
        // 3/4 bars of 1440 ticks until 2880, then 6/8 bars of 1440 ticks.
        #expect(score.barStarts() == [0, 1440, 2880, 4320])
        // A meter change in the middle of a bar starts a new bar there.
        score.timeSignatures[1].tick = 3000
        #expect(score.barStarts() == [0, 1440, 2880, 3000, 4440])
    }

    @Test func quantizeSnapsBothEnds() {
        let q = piece().quantized(toGrid: 120)
        #expect(q.tracks[0].notes[0] == Note(start: 0, duration: 480, pitch: 60, velocity: 80))
        #expect(q.tracks[0].notes[1].start == 480)
        #expect(q.tracks[0].notes[1].duration == 240)
        #expect(q.tracks[1].notes[0].duration == 120)  // at least one step
    }

    @Test func resampleKeepsTheMusic() {
        let r = piece().resampled(ticksPerQuarter: 12)
        #expect(r.ticksPerQuarter == 12)
        #expect(r.tracks[0].notes[0].start == 0)
        #expect(r.tracks[0].notes[0].duration == 12)
        #expect(r.timeSignatures[1].tick == 72)
        #expect(abs(r.durationSeconds - piece().durationSeconds) < 0.05)
    }

    @Test func transposeLeavesDrumsAndMovesKey() throws {
        let up = try #require(piece().transposed(by: 2))
        #expect(up.tracks[0].notes.map(\.pitch) == [62, 66])
        #expect(up.tracks[1].notes[0].pitch == 36)
        #expect(up.keySignatures[0].description == "A")
        var high = piece()
        high.tracks[0].notes[0].pitch = 126
        #expect(high.transposed(by: 2) == nil)
        #expect(high.transposed(by: -2) != nil)
    }

    @Test func sustainIntervals() {
        let track = Track(notes: [Note(start: 0, duration: 10, pitch: 60, velocity: 64)], controls: [
            ControlChange(tick: 0, controller: 64, value: 127),
            ControlChange(tick: 5, controller: 64, value: 100),
            ControlChange(tick: 8, controller: 64, value: 0),
            ControlChange(tick: 9, controller: 64, value: 64),
        ])
        #expect(track.sustainIntervals == [0..<8, 9..<10])
    }
}

@Suite struct NoteAndKeyTests {
    @Test func velocityScalingIsLossless() {
        for v in UInt8(0)...127 {
            let note = Note(start: 0, duration: 1, pitch: 60, velocity: v)
            #expect(note.velocity == v)
        }
        #expect(Note.scaleUp(127) == 0xFFFF)
        #expect(Note.scaleUp(64) == 0x8000)
        #expect(Note(start: 0, duration: 1, pitch: 60, velocity16: 0x1234).velocity == UInt8(0x1234 >> 9))
    }

    @Test func keyNames() throws {
        for name in ["C", "G", "D", "F", "Bb", "Eb", "F#", "Am", "Em", "Dm", "C#m", "Bbm"] {
            let key = try #require(KeySignature(name: name))
            #expect(key.description == name)
        }
        #expect(KeySignature(name: "D major")?.sharps == 2)
        #expect(KeySignature(name: "E minor")?.sharps == 1)
        #expect(KeySignature(name: "H") == nil)
        #expect(KeySignature(name: "A")?.scalePitchClasses == [9, 11, 1, 2, 4, 6, 8])
    }

    @Test func generalMIDINames() {
        #expect(GeneralMIDI.program(named: "violin") == 40)
        #expect(GeneralMIDI.program(named: "0") == 0)
        #expect(GeneralMIDI.program(named: "acoustic grand") == 0)
        #expect(GeneralMIDI.program(named: "piano") == nil)  // ambiguous prefix
        #expect(GeneralMIDI.programNames.count == 128)
    }

    @Test func stableHashIsStable() {
        // FNV-1a 64 of "a" is a published test vector.
        #expect(StableHasher.hash(Array("a".utf8)) == 0xaf63dc4c8601ec8c)
        #expect(StableHasher.hex(0xff) == "00000000000000ff")
    }
}
