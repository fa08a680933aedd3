import MusicScore
import Testing
@testable import MIDIFormats

/// Score → ClipFile → bytes → ClipFile → Score, on scores built in code.
struct ClipFileRoundTripTests {
    /// Three parts with tempo, meter and key changes, 16-bit velocities, legato repeats of one
    /// pitch, overlapping (not nested) same-pitch notes, a zero-length note, sustain and bends.
    static func sampleScore() -> Score {
        let piano = Track(
            program: 0, channel: 0,
            notes: [
                Note(start: 0, duration: 480, pitch: 60, velocity16: 0x1234),
                Note(start: 0, duration: 480, pitch: 64, velocity16: 0xFFFF),
                Note(start: 480, duration: 480, pitch: 60, velocity16: 0x0001),  // legato repeat
                Note(start: 960, duration: 720, pitch: 67, velocity16: 0x8000),
                Note(start: 1200, duration: 720, pitch: 67, velocity16: 0x7FFF),  // overlaps the last
                Note(start: 1920, duration: 0, pitch: 72, velocity16: 0x4000),  // zero length
                Note(start: 1920, duration: 240, pitch: 72, velocity16: 0x0000),  // silent MIDI 2.0 note
            ],
            controls: [
                ControlChange(tick: 0, controller: 64, value: 127),
                ControlChange(tick: 900, controller: 64, value: 0),
            ])
        let bass = Track(
            program: 33, channel: 1,
            notes: [Note(start: 0, duration: 1920, pitch: 36, velocity: 100)],
            pitchBends: [
                PitchBend(tick: 0, value: -8192), PitchBend(tick: 240, value: 0),
                PitchBend(tick: 480, value: 8191), PitchBend(tick: 720, value: 1234),
            ])
        let drums = Track(
            program: 0, channel: 9, isDrum: true,
            notes: (0..<8).map { Note(start: $0 * 240, duration: 60, pitch: $0 % 2 == 0 ? 36 : 38, velocity16: UInt16(0x1000 * ($0 + 1))) })
        var score = Score(
            ticksPerQuarter: 480, tracks: [piano, bass, drums],
            tempos: [TempoChange(tick: 0, microsecondsPerQuarter: 500_000), TempoChange(tick: 1920, microsecondsPerQuarter: 428_571)],
            timeSignatures: [TimeSignature(tick: 0, numerator: 4, denominator: 4), TimeSignature(tick: 1920, numerator: 7, denominator: 8)],
            keySignatures: [KeySignature(tick: 0, sharps: 1, isMinor: false), KeySignature(tick: 1920, sharps: -2, isMinor: true)])
        score.normalizeOrder()
        return score
    }

    static func roundTrip(_ score: Score) throws -> Score {
        Score(clipFile: try ClipFile(bytes: ClipFile(score: score).bytes()))
    }

    @Test func scoreSurvivesExactly() throws {
        let score = Self.sampleScore()
        let back = try Self.roundTrip(score)
        #expect(back == score)
        #expect(back.tracks[0].notes.first?.velocity16 == 0x1234)
    }

    @Test func clipFileSurvivesItsOwnBytes() throws {
        let clip = ClipFile(score: Self.sampleScore())
        #expect(try ClipFile(bytes: clip.bytes()) == clip)
    }

    @Test func writingIsDeterministic() {
        let score = Self.sampleScore()
        #expect(ClipFile(score: score).bytes() == ClipFile(score: score).bytes())
    }

    @Test func velocityIsWrittenAsSixteenBitsInANoteOn() {
        let score = Score(ticksPerQuarter: 96, tracks: [Track(notes: [Note(start: 0, duration: 96, pitch: 60, velocity16: 0x1234)])])
        let bytes = ClipFile(score: score).bytes()
        // Note On: type 4, group 0, opcode 9, channel 0, note 60, attribute type 0; then velocity.
        let noteOn: [UInt8] = [0x40, 0x90, 0x3C, 0x00, 0x12, 0x34, 0x00, 0x00]
        #expect(bytes.indices.contains { bytes[$0...].starts(with: noteOn) })
    }

    @Test func moreThanSixteenTracksUseFurtherGroups() throws {
        let pitchedChannels: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4]
        var tracks = pitchedChannels.enumerated().map { index, channel in
            Track(program: UInt8(index), channel: channel, notes: [Note(start: index * 10, duration: 10, pitch: 60, velocity: 90)])
        }
        tracks.append(Track(channel: 9, isDrum: true, notes: [Note(start: 0, duration: 10, pitch: 42, velocity: 90)]))
        tracks.append(Track(channel: 9, isDrum: true, notes: [Note(start: 5, duration: 10, pitch: 49, velocity: 90)]))
        var score = Score(ticksPerQuarter: 480, tracks: tracks)
        score.normalizeOrder()

        let slots = ClipFile.channelSlots(for: score.tracks).map { "\($0.0):\($0.1)" }
        #expect(slots[14] == "0:15" && slots[15] == "1:0" && slots[19] == "1:4")
        #expect(slots[20] == "0:9" && slots[21] == "1:9")
        #expect(try Self.roundTrip(score) == score)
    }

    @Test func tracksSharingAChannelGetTheirOwnInGroupZero() {
        let tracks = [Track(channel: 0), Track(channel: 0), Track(channel: 9), Track(channel: 3, isDrum: true)]
        let slots = ClipFile.channelSlots(for: tracks).map { "\($0.0):\($0.1)" }
        // The second channel-0 track takes channel 1; a pitched track never takes channel 9,
        // a drum track always does.
        #expect(slots == ["0:0", "0:1", "0:2", "0:9"])
    }

    @Test func longGapsAreBridgedWithNoops() throws {
        let start = 3 * 0x10_0000 + 17  // three full Delta Clockstamps and a bit
        var score = Score(ticksPerQuarter: 480, tracks: [Track(notes: [Note(start: start, duration: 480, pitch: 60, velocity: 64)])])
        score.normalizeOrder()
        let clip = ClipFile(score: score)
        let bytes = clip.bytes()
        let noop: [UInt8] = [0x00, 0x4F, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00]  // DCS 0xFFFFF, NOOP
        #expect(bytes.indices.filter { bytes[$0...].starts(with: noop) }.count == 3)
        #expect(try ClipFile(bytes: bytes) == clip)
        #expect(try Self.roundTrip(score) == score)
    }

    @Test func resolutionsAboveTheScoreLimitAreHalved() throws {
        typealias B = ClipTestBytes
        let bytes = B.fileHeader + B.dcs(0) + B.dctpq(60_000) + B.dcs(0) + B.startOfClip
            + B.dcs(0) + B.words(0x4090_3C00, 0x8000_0000) + B.dcs(60_000) + B.words(0x4080_3C00, 0)
            + B.dcs(0) + B.endOfClip
        let score = Score(clipFile: try ClipFile(bytes: bytes))
        #expect(score.ticksPerQuarter == 30_000)
        #expect(score.tracks.first?.notes.first?.duration == 30_000)
        let finest = B.fileHeader + B.dcs(0) + B.dctpq(65_535) + B.dcs(0) + B.startOfClip + B.dcs(0) + B.endOfClip
        #expect(Score(clipFile: try ClipFile(bytes: finest)).ticksPerQuarter == 32_767)
    }
}
