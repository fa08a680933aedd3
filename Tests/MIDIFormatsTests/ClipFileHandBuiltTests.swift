import MusicScore
import Testing
@testable import MIDIFormats

/// A clip written out byte by byte from the M2-116-U layout and the M2-104-UM packet formats,
/// independent of `ClipFile.bytes()`.
struct ClipFileHandBuiltTests {
    static let bytes: [UInt8] = [
        // File Header (M2-116-U §5): "SMF2CLIP".
        0x53, 0x4D, 0x46, 0x32, 0x43, 0x4C, 0x49, 0x50,
        // Clip Configuration Header (§6): Delta Clockstamp 0 ...
        0x00, 0x40, 0x00, 0x00,
        // ... Delta Clockstamp Ticks Per Quarter Note: type 0, status 3, 480 (0x01E0).
        0x00, 0x30, 0x01, 0xE0,
        // Clip Sequence Data (§7): DCS 0, Start of Clip (type 0xF, status 0x020), 128 bits.
        0x00, 0x40, 0x00, 0x00,
        0xF0, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // DCS 0, Flex Data Set Tempo: type 0xD group 0, format 0 / address 1 (0x10), bank 0,
        // status 0; 50_000_000 × 10 ns = 0.5 s per quarter (120 qpm).
        0x00, 0x40, 0x00, 0x00,
        0xD0, 0x10, 0x00, 0x00, 0x02, 0xFA, 0xF0, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // DCS 0, Set Time Signature (status 1): numerator 3, denominator 2^-2 (quarter), 8 1/32s.
        0x00, 0x40, 0x00, 0x00,
        0xD0, 0x10, 0x00, 0x01, 0x03, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // DCS 0, Set Key Signature (status 5): -3 sharps (0xD, three flats), tonic C (3): C minor.
        0x00, 0x40, 0x00, 0x00,
        0xD0, 0x10, 0x00, 0x05, 0xD3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // DCS 0, MIDI 2.0 Program Change (type 4, opcode 0xC) channel 0, no bank; program 24.
        0x00, 0x40, 0x00, 0x00,
        0x40, 0xC0, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
        // DCS 0, MIDI 2.0 Note On channel 0, note 60, no attribute; velocity 0x1234.
        0x00, 0x40, 0x00, 0x00,
        0x40, 0x90, 0x3C, 0x00, 0x12, 0x34, 0x00, 0x00,
        // DCS 0, Note On note 64, velocity 0xFFFF.
        0x00, 0x40, 0x00, 0x00,
        0x40, 0x90, 0x40, 0x00, 0xFF, 0xFF, 0x00, 0x00,
        // DCS 480 (0x1E0): Note Off note 60, release velocity 0.
        0x00, 0x40, 0x01, 0xE0,
        0x40, 0x80, 0x3C, 0x00, 0x00, 0x00, 0x00, 0x00,
        // DCS 0: Control Change channel 0, controller 64, value 0xFFFF_FFFF (pedal down).
        0x00, 0x40, 0x00, 0x00,
        0x40, 0xB0, 0x40, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
        // DCS 0: Control Change controller 7 (volume): not kept in the score.
        0x00, 0x40, 0x00, 0x00,
        0x40, 0xB0, 0x07, 0x00, 0x80, 0x00, 0x00, 0x00,
        // DCS 0: Pitch Bend channel 0, 0x4000_0000 = a quarter of the range = -4096 at 14 bits.
        0x00, 0x40, 0x00, 0x00,
        0x40, 0xE0, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
        // DCS 0: MIDI 1.0 Note On in UMP (type 2), channel 9, key 36, velocity 100.
        0x00, 0x40, 0x00, 0x00,
        0x20, 0x99, 0x24, 0x64,
        // DCS 240: MIDI 1.0 Note On velocity 0, which is a Note Off.
        0x00, 0x40, 0x00, 0xF0,
        0x20, 0x99, 0x24, 0x00,
        // DCS 0: a reserved 32-bit message type (0x6), kept but meaningless.
        0x00, 0x40, 0x00, 0x00,
        0x60, 0x12, 0x34, 0x56,
        // DCS 240 (tick 960): End of Clip (status 0x021). Note 64 is still sounding.
        0x00, 0x40, 0x00, 0xF0,
        0xF0, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]

    @Test func decodesTheClip() throws {
        let clip = try ClipFile(bytes: Self.bytes)
        #expect(clip.ticksPerQuarter == 480)
        #expect(clip.header.isEmpty)
        #expect(clip.endTick == 960)
        #expect(clip.packets.count == 13)
        #expect(clip.packets.first == ClipEvent(tick: 0, message: .setTempo(group: 0, tenNanosecondsPerQuarter: 50_000_000)))
        #expect(clip.packets[5] == ClipEvent(
            tick: 0, message: .noteOn(group: 0, channel: 0, note: 64, velocity: 0xFFFF, attributeType: 0, attribute: 0)))
        #expect(clip.packets.last == ClipEvent(tick: 720, message: .other([0x6012_3456])))
    }

    @Test func becomesTheExpectedScore() throws {
        let score = Score(clipFile: try ClipFile(bytes: Self.bytes))
        #expect(score.ticksPerQuarter == 480)
        #expect(score.tempos == [TempoChange(tick: 0, microsecondsPerQuarter: 500_000)])
        #expect(score.timeSignatures == [TimeSignature(tick: 0, numerator: 3, denominator: 4)])
        #expect(score.keySignatures == [KeySignature(tick: 0, sharps: -3, isMinor: true)])
        #expect(score.tracks.count == 2)

        let piano = try #require(score.tracks.first)
        #expect(piano.channel == 0 && piano.program == 24 && !piano.isDrum)
        #expect(piano.notes == [
            Note(start: 0, duration: 480, pitch: 60, velocity16: 0x1234),
            Note(start: 0, duration: 960, pitch: 64, velocity16: 0xFFFF),  // closed by End of Clip
        ])
        #expect(piano.controls == [ControlChange(tick: 480, controller: 64, value: 127)])
        #expect(piano.pitchBends == [PitchBend(tick: 480, value: -4096)])

        let drums = try #require(score.tracks.last)
        #expect(drums.channel == 9 && drums.isDrum && drums.program == 0)
        #expect(drums.notes == [Note(start: 480, duration: 240, pitch: 36, velocity: 100)])
    }

    @Test func writingTheDecodedClipGivesTheSameBytes() throws {
        // The hand-built file is in the writer's canonical form (a DCS before every message),
        // so reading and writing it again must reproduce it exactly.
        #expect(try ClipFile(bytes: Self.bytes).bytes() == Self.bytes)
    }

    @Test func headerMessagesApplyAtTheStart() throws {
        typealias B = ClipTestBytes
        let bytes = B.fileHeader + B.dcs(0) + B.dctpq(96)
            + B.dcs(0) + B.words(0xD010_0000, 60_000_000, 0, 0)  // tempo 100 qpm in the header
            + B.dcs(0) + B.startOfClip
            + B.dcs(0) + B.words(0x4090_3C00, 0x8000_0000)  // note on
            + B.dcs(96) + B.words(0x4080_3C00, 0)  // note off
            + B.dcs(0) + B.endOfClip
        let clip = try ClipFile(bytes: bytes)
        #expect(clip.header == [.setTempo(group: 0, tenNanosecondsPerQuarter: 60_000_000)])
        let score = Score(clipFile: clip)
        #expect(score.tempos == [TempoChange(tick: 0, microsecondsPerQuarter: 600_000)])
        #expect(score.tracks.first?.notes == [Note(start: 0, duration: 96, pitch: 60, velocity16: 0x8000)])
    }

    @Test func messagesWithoutDeltaClockstampShareTheTickBefore() throws {
        typealias B = ClipTestBytes
        // Some writers leave out the DCS before a message; it then happens at the current tick.
        let bytes = B.fileHeader + B.dcs(0) + B.dctpq(96) + B.startOfClip
            + B.dcs(10) + B.words(0x4090_3C00, 0x8000_0000) + B.words(0x4090_4000, 0x8000_0000)
            + B.dcs(5) + B.dcs(5) + B.words(0x4080_3C00, 0) + B.words(0x0000_0000)  // two DCS add up; NOOP dropped
            + B.words(0x4080_4000, 0) + B.endOfClip
        let clip = try ClipFile(bytes: bytes)
        #expect(clip.packets.map(\.tick) == [10, 10, 20, 20])
        #expect(clip.endTick == 20)
    }
}
