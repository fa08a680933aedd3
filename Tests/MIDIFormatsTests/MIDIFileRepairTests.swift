import Testing
@testable import MIDIFormats
import MusicScore

/// One hand-built broken (or merely unusual) file per repair kind.
struct RepairCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    /// Every repair lenient reading must list, in order.
    let repairs: [MIDIRepair]
    /// Notes the lenient score must have.
    let notes: Int

    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], _ repairs: [(Int, MIDIRepair.Kind)], notes: Int) {
        self.name = name
        self.bytes = bytes
        self.repairs = repairs.map { MIDIRepair(offset: $0.0, kind: $0.1) }
        self.notes = notes
    }

    /// A track of one 24-tick note: 12 bytes with its end-of-track event.
    static let note: [UInt8] = [0x00, 0x90, 60, 100, 0x18, 0x80, 60, 0] + SMF.endOfTrack
    static let noteFile = SMF.file(note)  // 14 + 8 + 12 = 34 bytes; track data at 22

    static let all: [RepairCase] = [
        RepairCase("RIFF wrapper before MThd", Array("RIFF".utf8) + [26, 0, 0, 0] + Array("RMIDdata".utf8) + [18, 0, 0, 0] + noteFile,
                   [(0, .leadingBytesSkipped)], notes: 1),
        RepairCase("alien chunk", SMF.header(tracks: 1) + Array("XFIH".utf8) + SMF.be32(2) + [7, 7] + SMF.track(note),
                   [(14, .unknownChunkSkipped)], notes: 1),
        RepairCase("junk between chunks", SMF.header(tracks: 1) + [0, 1, 2, 3, 4, 5, 6, 7, 8] + SMF.track(note),
                   [(14, .junkSkipped)], notes: 1),
        RepairCase("zero padding after the last chunk", noteFile + [0, 0, 0], [(34, .trailingBytesIgnored)], notes: 1),
        RepairCase("garbage chunk after the last chunk", noteFile + Array("ZZZZ".utf8) + SMF.be32(1000), [(34, .trailingBytesIgnored)], notes: 1),
        RepairCase("header announces more tracks", SMF.header(tracks: 2) + SMF.track(note), [(10, .trackCountMismatch)], notes: 1),
        RepairCase("header announces fewer tracks", SMF.header(tracks: 1) + SMF.track(note) + SMF.track(note),
                   [(34, .trackCountMismatch)], notes: 2),
        RepairCase("format 0 with two tracks", SMF.file(format: 0, note, note), [(8, .formatZeroWithSeveralTracks)], notes: 2),
        RepairCase("chunk length past the end of the file", SMF.header(tracks: 1) + SMF.track(note, length: 99999),
                   [(18, .chunkLengthPastEnd)], notes: 1),
        RepairCase("chunk length too short", SMF.header(tracks: 1) + SMF.track(note, length: 4),
                   [(18, .chunkLengthTooShort)], notes: 1),
        RepairCase("chunk length runs into the next chunk", SMF.header(tracks: 2) + SMF.track(note, length: 12 + 8 + 12) + SMF.track(note),
                   [(18, .chunkLengthTooLong)], notes: 2),
        RepairCase("bytes after end of track", SMF.file(note + [0, 0, 0]), [(34, .dataAfterEndOfTrack)], notes: 1),
        RepairCase("no end of track", SMF.file(Array(note.dropLast(4))), [(30, .missingEndOfTrack)], notes: 1),
        RepairCase("no end of track before the next chunk", SMF.file(Array(note.dropLast(4)), note),
                   [(30, .missingEndOfTrack)], notes: 2),
        RepairCase("file cut inside an event", SMF.header(tracks: 1) + SMF.track([0x00, 0x90, 60, 100, 0x18, 0x80, 60], length: 12),
                   [(18, .chunkLengthPastEnd), (26, .truncatedEvent), (29, .missingEndOfTrack), (22, .unterminatedNote)], notes: 1),
        RepairCase("variable-length number of 5 bytes", SMF.file([0x00, 0x90, 60, 100, 0x81, 0x82, 0x83, 0x84, 0x05, 0x80, 60, 0] + SMF.endOfTrack),
                   [(26, .badVariableLengthNumber), (38, .missingEndOfTrack), (22, .unterminatedNote)], notes: 1),
        RepairCase("data byte with no status", SMF.file([0x00, 0x3C] + note), [(23, .dataByteWithoutStatus)], notes: 1),
        RepairCase("running status after a meta event", SMF.file([0x00, 0x90, 60, 100] + SMF.meta(0, 0x01, [0x41]) + [0x18, 60, 0] + SMF.endOfTrack),
                   [(32, .runningStatusAfterMetaOrSysex)], notes: 1),
        RepairCase("running status after a sysex event", SMF.file([0x00, 0x90, 60, 100, 0x00, 0xF0, 0x01, 0xF7, 0x18, 60, 0] + SMF.endOfTrack),
                   [(31, .runningStatusAfterMetaOrSysex)], notes: 1),
        RepairCase("velocity byte of 200", SMF.file([0x00, 0x90, 60, 200, 0x18, 0x80, 60, 0] + SMF.endOfTrack),
                   [(24, .dataByteOutOfRange)], notes: 1),
        RepairCase("song position pointer in a file", SMF.file([0x00, 0xF2, 0x10, 0x20] + note), [(22, .systemMessageSkipped)], notes: 1),
        RepairCase("tempo of two bytes", SMF.file(SMF.meta(0, 0x51, [1, 2]) + note), [(22, .malformedMetaEvent)], notes: 1),
        RepairCase("port 253", SMF.file(SMF.meta(0, 0x21, [253]) + note), [(22, .malformedMetaEvent)], notes: 1),
        RepairCase("key signature of 9 sharps", SMF.file(SMF.meta(0, 0x59, [9, 0]) + note), [(22, .malformedMetaEvent)], notes: 1),
        RepairCase("end of track with data", SMF.file(Array(note.dropLast(4)) + [0x00, 0xFF, 0x2F, 0x01, 0x00]), [(30, .malformedMetaEvent)], notes: 1),
        RepairCase("note-off with no note", SMF.file([0x00, 0x80, 61, 0] + note), [(22, .orphanNoteOff)], notes: 1),
        RepairCase("note never released", SMF.file([0x00, 0x90, 61, 100] + note), [(22, .unterminatedNote)], notes: 2),
    ]
}

struct MIDIFileRepairTests {
    @Test(arguments: RepairCase.all)
    func lenientRepairsAndStrictRejectsAtTheSameByte(_ repair: RepairCase) throws {
        let (file, reading) = try SMF.readBothWays(repair.bytes, mode: .lenient)
        #expect(file.repairs == repair.repairs)
        #expect(reading.score.noteCount == repair.notes)
        for track in file.tracks { #expect(track.events.last?.kind == .meta(.endOfTrack)) }

        // Strict mode stops at the first repair that breaks the specification, at its byte.
        if let first = repair.repairs.first(where: { $0.kind.breaksSpecification }) {
            let error = try #require(SMF.error(repair.bytes, mode: .strict))
            #expect(error.offset == first.offset)
            #expect(!error.reason.isEmpty && !error.hint.isEmpty)
            #expect(error.description.hasPrefix("byte \(first.offset): "))
        } else {
            let (strict, _) = try SMF.readBothWays(repair.bytes, mode: .strict)
            #expect(strict.repairs == repair.repairs)
        }

        // What lenient reading produced is a clean file: written out, strict mode accepts it
        // (a malformed meta event stays raw, so it is the one exception).
        if !repair.repairs.contains(where: { $0.kind == .malformedMetaEvent }) {
            let rewritten = try MIDIFile(bytes: file.bytes(), mode: .strict)
            #expect(rewritten.repairs.isEmpty)
            #expect(Score(midiFile: rewritten) == reading.score)
        }
    }

    @Test func everyRepairKindHasACase() {
        let covered = Set(RepairCase.all.flatMap { $0.repairs.map(\.kind) })
        #expect(covered == Set(MIDIRepair.Kind.allCases))
    }

    @Test func repairsChangeWhatTheyDescribe() throws {
        // Running status across a meta event keeps the note-on status, so the note closes.
        let across = try MIDIFile(bytes: RepairCase.all.first { $0.name == "running status after a meta event" }!.bytes)
        #expect(across.tracks[0].events.map(\.kind).contains(.noteOn(channel: 0, key: 60, velocity: 0)))
        // A chunk read past its stated length gives the events after the stated end.
        let short = try MIDIFile.readScore(bytes: SMF.header(tracks: 1) + SMF.track(RepairCase.note, length: 4))
        #expect(short.score.tracks[0].notes == [Note(start: 0, duration: 24, pitch: 60, velocity: 100)])
        // A clipped velocity is 127.
        let loud = try MIDIFile.readScore(bytes: SMF.file([0x00, 0x90, 60, 200, 0x18, 0x80, 60, 0] + SMF.endOfTrack))
        #expect(loud.score.tracks[0].notes[0].velocity == 127)
        // A note never released is closed at the end-of-track tick (24), the orphan dropped.
        let open = try MIDIFile(bytes: SMF.file([0x00, 0x90, 61, 100, 0x00, 0x80, 62, 0] + RepairCase.note))
        #expect(open.tracks[0].events.filter(\.isNoteOff).map(\.tick) == [24, 24])
        #expect(!open.tracks[0].events.contains { $0.kind == .noteOff(channel: 0, key: 62, velocity: 0) })
        // A malformed tempo stays raw in the file and out of the score.
        let tempo = try SMF.readBothWays(SMF.file(SMF.meta(0, 0x51, [1, 2]) + RepairCase.note))
        #expect(tempo.0.tracks[0].events[0].kind == .meta(.raw(type: 0x51, data: [1, 2])))
        #expect(tempo.1.score.tempos.isEmpty)
    }

    @Test func aFileCutAnywhereStillReadsInLenientMode() throws {
        let bytes = SMF.file(
            SMF.meta(0, 0x51, [0x07, 0xA1, 0x20]) + [0x00, 0x90, 60, 100, 0x10, 62, 90, 0x10, 60, 0, 0x10, 62, 0] + SMF.endOfTrack)
        for cut in 14..<bytes.count {
            let prefix = Array(bytes.prefix(cut))
            if cut < 23 {  // no event left: no track chunk data to speak of, still a track
                _ = SMF.error(prefix, mode: .lenient)
                continue
            }
            let (_, reading) = try SMF.readBothWays(prefix)
            #expect(reading.score.noteCount <= 2)
            #expect(SMF.error(prefix, mode: .strict) != nil)
        }
    }
}
