import Testing
@testable import MIDIFormats
import MusicScore

struct MIDIFileWritingTests {
    static let score: Score = {
        var score = Score(
            ticksPerQuarter: 96,
            tracks: [
                Track(
                    name: "Lead", program: 81, channel: 2,
                    notes: [
                        Note(start: 0, duration: 96, pitch: 72, velocity: 100),
                        Note(start: 96, duration: 0, pitch: 72, velocity: 50),  // zero length at a re-strike
                        Note(start: 96, duration: 48, pitch: 72, velocity: 90),
                        Note(start: 100, duration: 200, pitch: 74, velocity: 1),
                    ],
                    controls: [ControlChange(tick: 0, controller: 64, value: 127), ControlChange(tick: 144, controller: 64, value: 0)],
                    pitchBends: [PitchBend(tick: 10, value: -8192), PitchBend(tick: 20, value: 8191)]),
                Track(name: "", program: 0, channel: 3, isDrum: true, notes: [Note(start: 0, duration: 10, pitch: 36, velocity: 127)]),
                Track(name: "Empty", program: 5, channel: 4),
            ],
            tempos: [TempoChange(tick: 0, microsecondsPerQuarter: 400_000), TempoChange(tick: 192, quartersPerMinute: 90)],
            timeSignatures: [TimeSignature(tick: 0, numerator: 7, denominator: 8)],
            keySignatures: [KeySignature(tick: 0, sharps: -2, isMinor: false)],
            texts: [TextEvent(tick: 0, kind: .text, text: "cadenza model=test seed=7"), TextEvent(tick: 5, kind: .marker, text: "Ä")])
        score.normalizeOrder()
        return score
    }()

    @Test func scoreRoundTripsThroughBytes() throws {
        let file = MIDIFile(score: Self.score)
        #expect(file.format == 1)
        #expect(file.tracks.count == 4)
        let bytes = file.bytes()
        let back = try MIDIFile.readScore(bytes: bytes, mode: .strict)
        var expected = Self.score
        expected.tracks[1].channel = 9  // drums are written on channel 9
        #expect(back.score == expected)
        #expect(back.repairs.isEmpty)
        #expect(back.sourceChunks == [1, 2, 3])
    }

    @Test func writingIsDeterministic() {
        let first = MIDIFile(score: Self.score).bytes()
        #expect(MIDIFile(score: Self.score).bytes() == first)
        // The score's arrays in another order give the same file.
        var shuffled = Self.score
        shuffled.tracks[0].notes.reverse()
        shuffled.tracks[0].controls.reverse()
        #expect(MIDIFile(score: shuffled).bytes() == first)
    }

    @Test func conductorTrackHoldsTempoMeterKeyAndTexts() throws {
        let conductor = MIDIFile(score: Self.score).tracks[0].events.map(\.kind)
        #expect(conductor == [
            .meta(.tempo(microsecondsPerQuarter: 400_000)),
            .meta(.timeSignature(numerator: 7, denominatorPower: 3, clocksPerClick: 24, thirtySecondsPerQuarter: 8)),
            .meta(.keySignature(sharps: -2, isMinor: false)),
            .meta(.text(.text, Array("cadenza model=test seed=7".utf8))),
            .meta(.text(.marker, Array("Ä".utf8))),
            .meta(.tempo(microsecondsPerQuarter: 666_667)),
        ])
    }

    @Test func exactBytesOfASmallFile() {
        let score = Score(ticksPerQuarter: 480, tracks: [Track(program: 1, notes: [Note(start: 0, duration: 480, pitch: 60, velocity: 64), Note(start: 480, duration: 480, pitch: 62, velocity: 64)])])
        let expected: [UInt8] = SMF.header(format: 1, tracks: 2, division: 480)
            + SMF.track(SMF.endOfTrack)
            + SMF.track([0x00, 0xC0, 1, 0x00, 0x90, 60, 64, 0x83, 0x60, 60, 0, 0x00, 62, 64, 0x83, 0x60, 62, 0] + SMF.endOfTrack)
        #expect(MIDIFile(score: score).bytes() == expected)
    }

    @Test func writerNormalizesHandBuiltEvents() throws {
        let events: [MIDIEvent] = [
            MIDIEvent(tick: 10, .noteOff(channel: 0, key: 60, velocity: 0)),
            MIDIEvent(tick: 0, .noteOn(channel: 0x11, key: 200, velocity: 100)),  // channel masked, key clamped
            MIDIEvent(tick: 5, .meta(.endOfTrack)),  // end of track in the middle: dropped
            MIDIEvent(tick: 0, .noteOn(channel: 0, key: 60, velocity: 100)),
            MIDIEvent(tick: -3, .controlChange(channel: 1, controller: 7, value: 255)),
            MIDIEvent(tick: 20, .meta(.raw(type: 0x2F, data: [1]))),  // would end the track: dropped, but its tick counts
        ]
        let file = MIDIFile(format: 0, division: .ticksPerQuarter(0), tracks: [MIDITrack(events: events)])
        let bytes = file.bytes()
        #expect(bytes == SMF.header(format: 0, tracks: 1, division: 1) + SMF.track([
            0x00, 0x91, 127, 100, 0x00, 0x90, 60, 100, 0x00, 0xB1, 7, 127, 0x0A, 0x80, 60, 0, 0x0A, 0xFF, 0x2F, 0x00,
        ]))
        let back = try MIDIFile(bytes: bytes, mode: .strict)
        #expect(Score(midiFile: back) == Score(midiFile: file))
        #expect(try MIDIFile.readScore(bytes: bytes).score == Score(midiFile: file))
    }

    @Test func emptyFileIsWrittenWithOneTrack() throws {
        let bytes = MIDIFile(tracks: []).bytes()
        let back = try MIDIFile(bytes: bytes, mode: .strict)
        #expect(back.tracks == [MIDITrack(events: [MIDIEvent(tick: 0, .meta(.endOfTrack))])])
    }

    @Test func longGapsAreBridged() throws {
        let tick = 3 * MIDIFile.maximumVariableLength + 5
        let file = MIDIFile(tracks: [MIDITrack(events: [MIDIEvent(tick: tick, .noteOn(channel: 0, key: 60, velocity: 1))])])
        let back = try MIDIFile(bytes: file.bytes(), mode: .strict)
        #expect(back.tracks[0].events.map(\.tick).last == tick)
        #expect(back.tracks[0].events.filter { $0.kind == .meta(.sequencerSpecific([])) }.count == 3)
    }

    @Test func provenanceTextIsAnEvent() throws {
        var file = MIDIFile(score: Self.score)
        file.tracks[0].events.insert(.text("model=x seed=1", type: .text), at: 0)
        file.tracks[0].events.insert(MIDIEvent(tick: 0, .meta(.sequencerSpecific([0x7D] + Array("cadenza".utf8)))), at: 0)
        let back = try MIDIFile(bytes: file.bytes(), mode: .strict)
        #expect(back.tracks[0].events.prefix(2).map(\.kind) == [
            .meta(.sequencerSpecific([0x7D] + Array("cadenza".utf8))), .meta(.text(.text, Array("model=x seed=1".utf8))),
        ])
        #expect(back.tracks[0].events[1].kind == .meta(.text(.text, Array("model=x seed=1".utf8))))
        if case .meta(let meta) = back.tracks[0].events[1].kind { #expect(meta.text == "model=x seed=1") }
    }
}
