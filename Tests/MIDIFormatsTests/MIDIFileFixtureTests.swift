import Foundation
import Testing
@testable import MIDIFormats
import MusicScore

/// The real files in Tests/Fixtures: round trips, and note-for-note agreement with mido.
struct MIDIFileFixtureTests {
    @Test func fixturesArePresent() {
        #expect(Fixtures.midiPaths.count == 18)
    }

    @Test(arguments: Fixtures.midiPaths)
    func scoreRoundTrip(_ path: String) throws {
        let bytes = try Fixtures.bytes(path)
        let (_, reading) = try SMF.readBothWays(bytes)
        #expect(reading.score.noteCount > 0)
        let written = MIDIFile(score: reading.score).bytes()
        let back = try MIDIFile.readScore(bytes: written, mode: .strict)
        #expect(back.score == reading.score)
        #expect(back.repairs.isEmpty)
        // Deterministic: the same score gives the same bytes, and so does the score read back.
        #expect(MIDIFile(score: back.score).bytes() == written)
    }

    @Test(arguments: Fixtures.midiPaths)
    func eventRoundTrip(_ path: String) throws {
        let file = try MIDIFile(bytes: Fixtures.bytes(path))
        let written = file.bytes()
        let back = try MIDIFile(bytes: written, mode: .strict)
        #expect(back.tracks == file.tracks)
        #expect(back.division == file.division)
        #expect(back.format == file.format)
        #expect(back.bytes() == written)
    }

    @Test(arguments: Fixtures.midiPaths)
    func strictModeReadsTheCleanCorpus(_ path: String) throws {
        let strict = try MIDIFile.readScore(bytes: Fixtures.bytes(path), mode: .strict)
        let lenient = try MIDIFile.readScore(bytes: Fixtures.bytes(path), mode: .lenient)
        #expect(strict.score == lenient.score)
        #expect(strict.repairs == lenient.repairs)
        #expect(lenient.repairs.allSatisfy { !$0.kind.breaksSpecification })
    }

    /// Tests/Fixtures/expected_notes.json comes from Scripts/reference_notes.py (mido, FIFO pairing).
    @Test func notesMatchMido() throws {
        let url = Fixtures.folder.appendingPathComponent("expected_notes.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == Fixtures.midiPaths.count)
        for entry in files {
            let path = try #require(entry["path"] as? String)
            let expectedNotes = try #require(entry["notes"] as? [[Int]])
            let reading = try MIDIFile.readScore(bytes: Fixtures.bytes(path))
            #expect(reading.score.ticksPerQuarter == entry["ticks_per_quarter"] as? Int, "\(path)")
            var notes: [[Int]] = []
            for (index, track) in reading.score.tracks.enumerated() {
                for note in track.notes {
                    notes.append([reading.sourceChunks[index], Int(track.channel), note.start, note.end, Int(note.pitch), Int(note.velocity)])
                }
            }
            notes.sort { $0.lexicographicallyPrecedes($1) }
            #expect(notes.count == expectedNotes.count, "\(path)")
            let firstDifference = zip(notes, expectedNotes).first { $0.0 != $0.1 }
            #expect(firstDifference == nil, "\(path): ours \(firstDifference?.0 ?? []) mido \(firstDifference?.1 ?? [])")
        }
    }

    /// Mutated fixtures never crash either reader, and the readers always agree. A small,
    /// fixed-seed version of the fuzzing in Scripts/fuzz, cheap enough for every test run.
    @Test func mutatedFixturesAreHandled() throws {
        var random = SplitMix64(seed: 2026)
        let paths = Fixtures.midiPaths
        for round in 0..<300 {
            var bytes = try Fixtures.bytes(paths[round % paths.count])
            let edits = 1 + Int(random.next() % 8)
            for _ in 0..<edits where !bytes.isEmpty {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                default: bytes.removeLast(Int(random.next() % UInt64(min(bytes.count, 64))))
                }
            }
            for mode in [MIDIReadMode.strict, .lenient] {
                if SMF.error(bytes, mode: mode) == nil { try SMF.readBothWays(bytes, mode: mode) }
            }
        }
    }
}

/// A small deterministic generator for the mutation test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
