import Testing
@testable import MIDIFormats
import MusicScore

/// Input no mode can read: an error with the byte offset, a one-line reason and a hint.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let offset: Int
    /// A phrase the reason must contain.
    let reason: String

    var testDescription: String { name }

    static let all: [ErrorCase] = [
        ErrorCase(name: "empty file", bytes: [], offset: 0, reason: "empty"),
        ErrorCase(name: "a WAVE file", bytes: Array("RIFF".utf8) + [36, 0, 0, 0] + Array("WAVEfmt ".utf8) + [UInt8](repeating: 0, count: 28),
                  offset: 0, reason: "not a Standard MIDI File: it starts with 52 49 46 46 (\"RIFF\")"),
        ErrorCase(name: "text file", bytes: Array("hello, world\n".utf8), offset: 0, reason: "not a Standard MIDI File"),
        ErrorCase(name: "header cut off", bytes: Array("MThd".utf8) + [0, 0, 0, 6, 0, 1], offset: 0, reason: "cut off"),
        ErrorCase(name: "header length 2", bytes: Array("MThd".utf8) + [0, 0, 0, 2, 0, 1, 0, 1, 0, 96], offset: 4, reason: "less than 6"),
        ErrorCase(name: "header length past the end", bytes: Array("MThd".utf8) + [0, 0, 0, 100, 0, 1, 0, 1, 0, 96], offset: 4,
                  reason: "runs past the end of the file (file is 14 bytes)"),
        ErrorCase(name: "format 3", bytes: SMF.header(format: 3, tracks: 1) + SMF.track(SMF.endOfTrack), offset: 8, reason: "format 3"),
        ErrorCase(name: "no tracks", bytes: SMF.header(tracks: 0) + SMF.track(SMF.endOfTrack), offset: 10, reason: "0 tracks"),
        ErrorCase(name: "division 0", bytes: SMF.header(tracks: 1, division: 0) + SMF.track(SMF.endOfTrack), offset: 12, reason: "division of 0"),
        ErrorCase(name: "SMPTE at 26 fps", bytes: SMF.header(tracks: 1, division: UInt16(UInt8(bitPattern: -26)) << 8 | 4) + SMF.track(SMF.endOfTrack),
                  offset: 12, reason: "26 frames per second"),
        ErrorCase(name: "SMPTE with 0 ticks per frame", bytes: SMF.header(tracks: 1, division: UInt16(UInt8(bitPattern: -25)) << 8) + SMF.track(SMF.endOfTrack),
                  offset: 12, reason: "0 ticks per frame"),
        ErrorCase(name: "header only", bytes: SMF.header(tracks: 1), offset: 14, reason: "no track chunk"),
        ErrorCase(name: "header and an alien chunk", bytes: SMF.header(tracks: 1) + Array("XFIH".utf8) + SMF.be32(0), offset: 14, reason: "no track chunk"),
    ]
}

struct MIDIFileErrorTests {
    @Test(arguments: ErrorCase.all)
    func rejectedInBothModes(_ bad: ErrorCase) throws {
        for mode in [MIDIReadMode.strict, .lenient] {
            let error = try #require(SMF.error(bad.bytes, mode: mode))
            #expect(error.offset == bad.offset)
            #expect(error.reason.contains(bad.reason), "\(error.reason)")
            #expect(!error.hint.isEmpty)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func strictErrorsReadLikeTheirDocumentation() {
        let bytes = SMF.header(tracks: 1) + SMF.track([0x00, 0x90, 60, 100] + SMF.endOfTrack, length: 99999)
        let error = SMF.error(bytes, mode: .strict)
        #expect(error?.description == "byte 18: track chunk length 99999 runs past the end of the file (file is 30 bytes) — "
                + "the file is truncated or its lengths are wrong; try lenient mode to read what is there")
        let running = SMF.error(SMF.file([0x00, 0x3C, 0x40] + SMF.endOfTrack), mode: .strict)
        #expect(running?.description.hasPrefix("byte 23: data byte 0x3C at byte 23 has no status byte before it") == true)
        #expect(running?.hint.contains("lenient mode") == true)
    }

    @Test func eventCountIsCapped() throws {
        let bytes = SMF.file([0x00, 0x90, 60, 100, 0x00, 0x80, 60, 0, 0x00, 0x90, 62, 100, 0x00, 0x80, 62, 0] + SMF.endOfTrack)
        for mode in [MIDIReadMode.strict, .lenient] {
            #expect(throws: MIDIError.self) { try MIDIFile(bytes: bytes, mode: mode, maximumEvents: 4) }
            #expect(throws: MIDIError.self) { try MIDIFile.readScore(bytes: bytes, mode: mode, maximumEvents: 4) }
            #expect(try MIDIFile(bytes: bytes, mode: mode, maximumEvents: 5).tracks[0].events.count == 5)
        }
        do {
            _ = try MIDIFile.readScore(bytes: bytes, mode: .lenient, maximumEvents: 4)
        } catch {
            #expect(error.offset == 38 && error.reason == "more than 4 events")
        }
    }

    @Test func timeIsBounded() throws {
        // 65,537 empty text events 2^28 - 1 ticks apart pass the latest tick a file may reach.
        let event: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0x01, 0x00]
        var data: [UInt8] = []
        data.reserveCapacity(65_537 * 7 + 4)
        for _ in 0..<65_537 { data += event }
        let error = try #require(SMF.error(SMF.file(data + SMF.endOfTrack), mode: .lenient))
        #expect(error.offset == 22 + 65_536 * 7)
        #expect(error.reason.contains("more than \(MIDIFile.maximumTick) ticks"))
        // The writer clamps instead, so what it writes can be read.
        let far = MIDIFile(tracks: [MIDITrack(events: [MIDIEvent(tick: .max, .meta(.text(.marker, [])))])])
        let back = try MIDIFile(bytes: far.bytes(), mode: .strict)
        #expect(back.tracks[0].events.last?.tick == MIDIFile.maximumTick)
    }

    @Test func hugeLengthFieldsAllocateNothing() throws {
        // A meta event claiming 2^28 - 1 bytes in a 40-byte file: refused before any allocation.
        let data: [UInt8] = [0x00, 0xFF, 0x01, 0xFF, 0xFF, 0xFF, 0x7F, 0x41]
        let bytes = SMF.file(data)
        let error = try #require(SMF.error(bytes, mode: .strict))
        #expect(error.offset == 22 && error.reason.contains("cut off"))
        let (file, _) = try SMF.readBothWays(bytes)
        #expect(file.tracks[0].events.map(\.kind) == [.meta(.endOfTrack)])
        #expect(file.repairs.map(\.kind) == [.truncatedEvent, .missingEndOfTrack])
    }
}
