import MusicScore
import Testing
@testable import MIDIFormats

/// Hostile and broken inputs, built by hand: each must fail with a `ClipFileError` that
/// points at the right byte, or (for unknown message types) be read safely.
struct ClipFileMalformedTests {
    typealias B = ClipTestBytes

    /// Reads `bytes` and returns the error, failing the test if reading succeeds.
    func error(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ClipFileError? {
        do {
            let clip = try ClipFile(bytes: bytes)
            Issue.record("expected an error, read \(clip.packets.count) packets", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    // Offsets in the minimal clip: header 0...7, DCS 8, DCTPQ 12, DCS 16, Start of Clip 20,
    // body from 36, then DCS and End of Clip.

    @Test func emptyInput() {
        let e = error([])
        #expect(e?.offset == 0)
        #expect(e?.reason.contains("empty") == true)
    }

    @Test func wrongMagic() {
        let e = error(Array("SMF2CLIX".utf8) + B.clip().dropFirst(8))
        #expect(e?.offset == 0)
        #expect(e?.reason.contains("SMF2CLIP") == true)
        #expect(error(Array("SMF2".utf8))?.offset == 0)
    }

    @Test func standardMIDIFileGetsAHint() {
        let smf: [UInt8] = Array("MThd".utf8) + [0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xE0]
        #expect(error(smf)?.hint.contains("MIDIFile") == true)
    }

    @Test func truncatedPacket() {
        // A MIDI 2.0 Note On (two words) cut after its first word, at offset 36 + 4 (its DCS).
        let bytes = B.fileHeader + B.dcs(0) + B.dctpq(96) + B.dcs(0) + B.startOfClip + B.dcs(0) + B.words(0x4090_3C00)
        let e = error(bytes)
        #expect(e?.offset == 40)
        #expect(e?.reason.contains("needs 8 bytes") == true)
        // Two stray bytes after a complete message.
        #expect(error(B.fileHeader + B.dcs(0) + B.dctpq(96) + [0x00, 0x40])?.offset == 16)
        // End of Clip cut in its third word.
        let cut = Array(B.clip().dropLast(5))
        #expect(error(cut)?.offset == cut.count - 11)
    }

    @Test func unknownMessageTypesAreKeptAndSkipped() throws {
        // Reserved types 0x6 (32 bits), 0xB (96 bits) and 0xE (128 bits): their sizes are fixed
        // by the type, so they can be stepped over and kept verbatim.
        let body = B.dcs(0) + B.words(0x6000_0001) + B.dcs(1) + B.words(0xB000_0002, 3, 4) + B.dcs(0) + B.words(0xE000_0005, 6, 7, 8)
        let bytes = B.clip(body)
        let clip = try ClipFile(bytes: bytes)
        #expect(clip.packets == [
            ClipEvent(tick: 0, message: .other([0x6000_0001])),
            ClipEvent(tick: 1, message: .other([0xB000_0002, 3, 4])),
            ClipEvent(tick: 1, message: .other([0xE000_0005, 6, 7, 8])),
        ])
        #expect(clip.bytes() == bytes)
        // A reserved 128-bit message cut short is still a truncation at its own offset.
        let cut = B.fileHeader + B.dcs(0) + B.dctpq(96) + B.dcs(0) + B.startOfClip + B.words(0xE000_0000, 1)
        let e = error(cut)
        #expect(e?.offset == 36)
        #expect(e?.reason.contains("type 0xE") == true)
    }

    @Test func missingEndOfClip() {
        let bytes = B.fileHeader + B.dcs(0) + B.dctpq(96) + B.dcs(0) + B.startOfClip + B.dcs(0) + B.words(0x4090_3C00, 0x8000_0000)
        let e = error(bytes)
        #expect(e?.offset == bytes.count)
        #expect(e?.reason.contains("End of Clip") == true)
    }

    @Test func missingStartOfClipOrResolution() {
        let noStart = B.fileHeader + B.dcs(0) + B.dctpq(96)
        #expect(error(noStart)?.offset == noStart.count)
        #expect(error(noStart)?.reason.contains("Start of Clip") == true)
        let noResolution = B.fileHeader + B.dcs(0) + B.startOfClip + B.dcs(0) + B.endOfClip
        #expect(error(noResolution)?.offset == 12)
        #expect(error(B.fileHeader)?.offset == 8)
    }

    @Test func absurdTickResolution() {
        let e = error(B.fileHeader + B.dcs(0) + B.dctpq(0) + B.dcs(0) + B.startOfClip + B.dcs(0) + B.endOfClip)
        #expect(e?.offset == 12)
        #expect(e?.reason.contains("reserved") == true)
        // A second DCTPQ that changes the resolution mid-clip; repeating the same one is harmless.
        let changed = B.clip(B.dcs(0) + B.dctpq(480))
        #expect(error(changed)?.offset == 40)
        #expect((try? ClipFile(bytes: B.clip(B.dcs(0) + B.dctpq(96)))) != nil)
    }

    @Test func structureViolations() {
        // Data after End of Clip.
        let trailing = B.clip() + B.dcs(0)
        #expect(error(trailing)?.offset == trailing.count - 4)
        // A second Start of Clip.
        #expect(error(B.clip(B.dcs(0) + B.startOfClip))?.offset == 40)
        // End of Clip before Start of Clip.
        #expect(error(B.fileHeader + B.dcs(0) + B.dctpq(96) + B.dcs(0) + B.endOfClip)?.offset == 20)
    }

    @Test func everyPrefixAndEveryByteFlipFailsCleanly() {
        // Cutting the hand-built clip anywhere, or corrupting any byte, must give a result or a
        // ClipFileError whose offset lies inside the input; never a crash.
        let bytes = ClipFileHandBuiltTests.bytes
        for length in 0..<bytes.count {
            #expect(error(Array(bytes[..<length])).map { (0...length).contains($0.offset) } == true)
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for position in bytes.indices {
            var corrupt = bytes
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            corrupt[position] ^= UInt8(truncatingIfNeeded: state >> 56) | 1
            do {
                let clip = try ClipFile(bytes: corrupt)
                _ = Score(clipFile: clip)
            } catch {
                #expect((0...corrupt.count).contains(error.offset))
            }
        }
    }
}
