import Testing
@testable import MIDIFormats
import MusicScore

/// Well-formed files built byte by byte: formats, running status, sysex, every meta event.
struct MIDIFileReadingTests {
    @Test func formatZeroSplitsIntoOneScoreTrackPerChannel() throws {
        let bytes = SMF.file(
            format: 0,
            SMF.meta(0, 0x03, Array("Band".utf8))
                + [0x00, 0xC0, 0x21]  // program 33 on channel 0
                + [0x00, 0x90, 60, 100]
                + [0x00, 0x99, 36, 90]  // drum on channel 9 (no program change)
                + [0x60, 0x80, 60, 0]  // 96 ticks later
                + [0x00, 0x89, 36, 0]
                + [0x00, 0xC0, 0x05]  // a later program change does not replace the first
                + SMF.endOfTrack)
        let (file, reading) = try SMF.readBothWays(bytes, mode: .strict)
        #expect(file.format == 0)
        #expect(file.division == .ticksPerQuarter(480))
        #expect(file.repairs.isEmpty)
        let score = reading.score
        #expect(score.ticksPerQuarter == 480)
        #expect(score.tracks.count == 2)
        #expect(reading.sourceChunks == [0, 0])
        let bass = try #require(score.tracks.first)
        #expect(bass.name == "Band" && bass.channel == 0 && bass.program == 33 && !bass.isDrum)
        #expect(bass.notes == [Note(start: 0, duration: 96, pitch: 60, velocity: 100)])
        let drums = score.tracks[1]
        #expect(drums.channel == 9 && drums.isDrum && drums.program == 0)
        #expect(drums.notes == [Note(start: 0, duration: 96, pitch: 36, velocity: 90)])
    }

    @Test func formatOneConductorTrackGoesToTheScore() throws {
        let conductor = SMF.meta(0, 0x51, [0x07, 0xA1, 0x20])  // 500,000 µs
            + SMF.meta(0, 0x58, [3, 2, 24, 8])  // 3/4
            + SMF.meta(0, 0x59, [0xFD, 1])  // 3 flats, minor: C minor
            + SMF.meta(0, 0x02, Array("© 2026".utf8))
            + SMF.meta(480, 0x06, Array("B".utf8))
            + SMF.meta(0, 0x51, [0x09, 0x27, 0xC0])  // 600,000 µs at tick 480
            + SMF.endOfTrack
        let piano = SMF.meta(0, 0x03, Array("Piano".utf8))
            + [0x00, 0x90, 60, 80, 0x83, 0x60, 0x80, 60, 64]  // 480-tick note
            + SMF.meta(0, 0x05, Array("la".utf8))
            + SMF.endOfTrack
        let (_, reading) = try SMF.readBothWays(SMF.file(format: 1, conductor, piano), mode: .strict)
        let score = reading.score
        #expect(score.tempos == [TempoChange(tick: 0, microsecondsPerQuarter: 500_000), TempoChange(tick: 480, microsecondsPerQuarter: 600_000)])
        #expect(score.timeSignatures == [TimeSignature(tick: 0, numerator: 3, denominator: 4)])
        #expect(score.keySignatures == [KeySignature(tick: 0, sharps: -3, isMinor: true)])
        #expect(score.keySignatures.first?.description == "Cm")
        #expect(score.texts == [
            TextEvent(tick: 0, kind: .copyright, text: "© 2026"),
            TextEvent(tick: 480, kind: .marker, text: "B"),
            TextEvent(tick: 480, kind: .lyric, text: "la"),
        ])
        #expect(score.tracks.map(\.name) == ["Piano"])
        #expect(reading.sourceChunks == [1])
        #expect(score.tracks[0].notes == [Note(start: 0, duration: 480, pitch: 60, velocity: 80)])
    }

    @Test func formatTwoTracksEachStartAtTickZero() throws {
        let pattern = { (key: UInt8) in [0x00, 0x90, key, 70, 0x30, 0x80, key, 0] + SMF.endOfTrack }
        let (file, reading) = try SMF.readBothWays(SMF.file(format: 2, pattern(60), pattern(62), pattern(64)), mode: .strict)
        #expect(file.format == 2)
        #expect(file.tracks.count == 3)
        #expect(reading.score.tracks.map { $0.notes.map(\.start) } == [[0], [0], [0]])
        #expect(reading.score.tracks.map { $0.notes.map(\.pitch) } == [[60], [62], [64]])
        #expect(reading.sourceChunks == [0, 1, 2])
    }

    @Test func runningStatusAndNoteOnVelocityZero() throws {
        // 0x90 once, then data bytes only; velocity 0 ends notes.
        let data: [UInt8] = [0x00, 0x90, 60, 100, 0x00, 64, 90, 0x10, 60, 0, 0x00, 64, 0, 0x00, 0xB0, 64, 127, 0x05, 64, 0] + SMF.endOfTrack
        let (file, reading) = try SMF.readBothWays(SMF.file(data), mode: .strict)
        #expect(file.tracks[0].events.map(\.kind) == [
            .noteOn(channel: 0, key: 60, velocity: 100), .noteOn(channel: 0, key: 64, velocity: 90),
            .noteOn(channel: 0, key: 60, velocity: 0), .noteOn(channel: 0, key: 64, velocity: 0),
            .controlChange(channel: 0, controller: 64, value: 127), .controlChange(channel: 0, controller: 64, value: 0),
            .meta(.endOfTrack),
        ])
        #expect(file.tracks[0].events.map(\.tick) == [0, 0, 16, 16, 16, 21, 21])
        #expect(file.tracks[0].events[2].isNoteOff)
        let track = try #require(reading.score.tracks.first)
        #expect(track.notes == [Note(start: 0, duration: 16, pitch: 60, velocity: 100), Note(start: 0, duration: 16, pitch: 64, velocity: 90)])
        #expect(track.controls == [ControlChange(tick: 16, controller: 64, value: 127), ControlChange(tick: 21, controller: 64, value: 0)])
        #expect(track.sustainIntervals == [16..<21])
    }

    @Test func repeatedKeysPairFirstInFirstOut() throws {
        // C4 struck at 0 and again at 10 (no release between); releases at 20 and 30.
        // FIFO: the first release closes the first strike.
        let data: [UInt8] = [0x00, 0x90, 60, 100, 0x0A, 60, 50, 0x0A, 0x80, 60, 0, 0x0A, 60, 0] + SMF.endOfTrack
        let (_, reading) = try SMF.readBothWays(SMF.file(data))
        #expect(reading.score.tracks[0].notes == [Note(start: 0, duration: 20, pitch: 60, velocity: 100), Note(start: 10, duration: 20, pitch: 60, velocity: 50)])
        #expect(reading.repairs.isEmpty)
    }

    @Test func zeroDurationNotesAreKept() throws {
        // Note-on and note-off at the same tick: a note of duration 0, as symusic keeps it.
        let data: [UInt8] = [0x00, 0x90, 60, 100, 0x00, 60, 0, 0x00, 62, 90, 0x18, 62, 0] + SMF.endOfTrack
        let (_, reading) = try SMF.readBothWays(SMF.file(data), mode: .strict)
        #expect(reading.score.tracks[0].notes == [Note(start: 0, duration: 0, pitch: 60, velocity: 100), Note(start: 0, duration: 24, pitch: 62, velocity: 90)])
    }

    @Test func channelMessagesOfEveryKind() throws {
        let data: [UInt8] = [
            0x00, 0xC3, 40,  // program 40, channel 3
            0x00, 0xB3, 7, 100,  // volume
            0x00, 0xE3, 0x00, 0x40,  // pitch bend centre
            0x00, 0xE3, 0x7F, 0x7F,  // max
            0x00, 0xE3, 0x00, 0x00,  // min
            0x00, 0xA3, 60, 30,  // poly pressure
            0x00, 0xD3, 20,  // channel pressure
            0x00, 0x93, 60, 1, 0x01, 0x83, 60, 127,
        ] + SMF.endOfTrack
        let (file, reading) = try SMF.readBothWays(SMF.file(data), mode: .strict)
        #expect(file.tracks[0].events.map(\.kind) == [
            .programChange(channel: 3, program: 40), .controlChange(channel: 3, controller: 7, value: 100),
            .pitchBend(channel: 3, value: 0), .pitchBend(channel: 3, value: 8191), .pitchBend(channel: 3, value: -8192),
            .polyPressure(channel: 3, key: 60, pressure: 30), .channelPressure(channel: 3, pressure: 20),
            .noteOn(channel: 3, key: 60, velocity: 1), .noteOff(channel: 3, key: 60, velocity: 127), .meta(.endOfTrack),
        ])
        #expect(file.tracks[0].events.compactMap(\.channel) == Array(repeating: 3, count: 9))
        let track = try #require(reading.score.tracks.first)
        #expect(track.program == 40 && track.channel == 3)
        #expect(track.pitchBends.map(\.value) == [0, 8191, -8192])
        #expect(track.controls == [ControlChange(tick: 0, controller: 7, value: 100)])
    }

    @Test func sysexPacketsOfEveryKind() throws {
        let data: [UInt8] = [0x00, 0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01, 0xF7]  // GM on, complete
            + [0x00, 0xF0, 0x03, 0x43, 0x12, 0x00]  // first packet of a split message
            + [0x10, 0xF7, 0x03, 0x43, 0x12, 0xF7]  // its continuation, ending it
            + [0x00, 0xF7, 0x01, 0xFA]  // an escape: a real-time Start
            + SMF.endOfTrack
        let bytes = SMF.file(data)
        let (file, _) = try SMF.readBothWays(bytes, mode: .strict)
        #expect(file.tracks[0].events.map(\.kind) == [
            .sysex([0x7E, 0x7F, 0x09, 0x01, 0xF7]), .sysex([0x43, 0x12, 0x00]), .sysexContinuation([0x43, 0x12, 0xF7]),
            .sysexEscape([0xFA]), .meta(.endOfTrack),
        ])
        #expect(file.bytes() == bytes)
    }

    @Test func everyMetaEventIsDecodedAndWrittenBack() throws {
        var data: [UInt8] = SMF.meta(0, 0x00, [0x00, 0x07]) + SMF.meta(0, 0x00, [])
        for type: UInt8 in 0x01...0x0F { data += SMF.meta(0, type, Array("t\(type)".utf8)) }
        data += SMF.meta(0, 0x20, [9]) + SMF.meta(0, 0x21, [1])
        data += SMF.meta(0, 0x51, [0x0F, 0x42, 0x40])
        data += SMF.meta(0, 0x54, [0x61, 2, 3, 4, 5])
        data += SMF.meta(0, 0x58, [6, 3, 36, 8])
        data += SMF.meta(0, 0x59, [0x02, 0])
        data += SMF.meta(0, 0x7F, [0x00, 0x00, 0x41, 1, 2])
        data += SMF.meta(0, 0x60, [9, 9])  // unknown type: kept raw
        data += SMF.endOfTrack
        let bytes = SMF.file(data)
        let (file, reading) = try SMF.readBothWays(bytes, mode: .strict)
        var expected: [MIDIMetaEvent] = [.sequenceNumber(7), .sequenceNumber(nil)]
        for type: UInt8 in 0x01...0x0F { expected.append(.text(MIDITextType(rawValue: type), Array("t\(type)".utf8))) }
        expected += [
            .channelPrefix(9), .port(1), .tempo(microsecondsPerQuarter: 1_000_000),
            .smpteOffset(hours: 0x61, minutes: 2, seconds: 3, frames: 4, subframes: 5),
            .timeSignature(numerator: 6, denominatorPower: 3, clocksPerClick: 36, thirtySecondsPerQuarter: 8),
            .keySignature(sharps: 2, isMinor: false), .sequencerSpecific([0x00, 0x00, 0x41, 1, 2]),
            .raw(type: 0x60, data: [9, 9]), .endOfTrack,
        ]
        #expect(file.tracks[0].events.map(\.kind) == expected.map { .meta($0) })
        #expect(file.tracks[0].name == "t3")
        #expect(file.bytes() == bytes)
        // Texts of the kinds a Score keeps, at score level; the rest stay in the file.
        #expect(reading.score.texts.map(\.kind) == [.text, .copyright, .lyric, .marker, .cuePoint])
        #expect(reading.score.texts.map(\.text) == ["t1", "t2", "t5", "t6", "t7"])
        #expect(reading.score.timeSignatures == [TimeSignature(numerator: 6, denominator: 8)])
        #expect(reading.score.keySignatures == [KeySignature(sharps: 2, isMinor: false)])
    }

    @Test func textThatIsNotUTF8IsReadAsLatin1() throws {
        let data = SMF.meta(0, 0x01, [0x43, 0x61, 0x66, 0xE9]) + SMF.meta(0, 0x03, Array("Café".utf8)) + SMF.endOfTrack
        let (file, reading) = try SMF.readBothWays(SMF.file(data + []), mode: .strict)
        #expect(reading.score.texts.map(\.text) == ["Café"])
        #expect(file.tracks[0].name == "Café")
    }

    @Test func smpteDivisionBecomesAQuarterNoteClock() throws {
        // 25 fps × 40 ticks per frame = 1000 ticks per second: 500 ticks per quarter at 120 qpm.
        let division = UInt16(UInt8(bitPattern: -25)) << 8 | 40
        let data: [UInt8] = SMF.meta(0, 0x51, [0x0F, 0x42, 0x40])  // ignored under SMPTE timing
            + [0x00, 0x90, 60, 100, 0x87, 0x68, 0x80, 60, 0] + SMF.endOfTrack  // 1000 ticks: one second
        let (file, reading) = try SMF.readBothWays(SMF.file(division: division, data), mode: .strict)
        #expect(file.division == .smpte(framesPerSecond: 25, ticksPerFrame: 40))
        let score = reading.score
        #expect(score.ticksPerQuarter == 500)
        #expect(score.tempos == [TempoChange(tick: 0, microsecondsPerQuarter: 500_000)])
        #expect(score.tracks[0].notes == [Note(start: 0, duration: 1000, pitch: 60, velocity: 100)])
        #expect(abs(score.durationSeconds - 1.0) < 1e-9)

        // 29.97 drop-frame × 80: 2397.6 ticks per second.
        let clock = ScoreBuilder.smpteClock(framesPerSecond: 29, ticksPerFrame: 80)
        #expect(clock.ticksPerQuarter == 1199)
        #expect(clock.microsecondsPerQuarter == 500_083)
        let thirty = ScoreBuilder.smpteClock(framesPerSecond: 30, ticksPerFrame: 1)
        #expect(thirty.ticksPerQuarter == 15 && thirty.microsecondsPerQuarter == 500_000)
    }

    @Test func unknownChunksAreSkippedInBothModes() throws {
        let alien = Array("XFIH".utf8) + SMF.be32(3) + [1, 2, 3]
        let bytes = SMF.header(tracks: 1) + alien + SMF.track([0x00, 0x90, 60, 1, 0x01, 60, 0] + SMF.endOfTrack)
        for mode in [MIDIReadMode.strict, .lenient] {
            let (file, reading) = try SMF.readBothWays(bytes, mode: mode)
            #expect(file.repairs == [MIDIRepair(offset: 14, kind: .unknownChunkSkipped)])
            #expect(reading.score.noteCount == 1)
        }
    }
}
