import Foundation
import Testing

/// `cadenza render` as a user runs it: exit codes, the default output name, and the WAV it writes.
@Suite struct RenderCLITests {
    /// A one-track Standard MIDI File: A4 for one quarter note at 120 qpm (0.5 s), on a piano.
    static let oneNote: [UInt8] = {
        let events: [UInt8] = [
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,  // tempo 500,000 µs per quarter
            0x00, 0xC0, 0x00,                          // program 0
            0x00, 0x90, 0x45, 0x64,                    // note on A4, velocity 100
            0x83, 0x60, 0x80, 0x45, 0x40,              // 480 ticks later, note off
            0x00, 0xFF, 0x2F, 0x00,                    // end of track
        ]
        return Array("MThd".utf8) + [0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xE0]
            + Array("MTrk".utf8) + [0, 0, 0, UInt8(events.count)] + events
    }()

    /// Runs the built `cadenza` in `folder`, through `CLITests`' runner.
    func cadenza(_ arguments: [String], in folder: String) throws -> CLITests.Run {
        try CLITests().cadenza(arguments, in: folder)
    }

    /// A scratch folder holding `in/song.mid`.
    func folderWithSong() throws -> (folder: String, song: String) {
        let folder = NSTemporaryDirectory() + "cadenza-render-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/in", withIntermediateDirectories: true)
        let song = folder + "/in/song.mid"
        try Data(Self.oneNote).write(to: URL(fileURLWithPath: song))
        return (folder, song)
    }

    static func u32(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24 }

    @Test func rendersAWAVAndSaysHowFast() throws {
        let (folder, song) = try folderWithSong()
        let run = try cadenza(["render", song, "-o", folder + "/a.wav", "--sample-rate", "22050"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("rendered 1 note, 2.0 s of audio in "))
        #expect(run.stdout.contains("× real time) to \(folder)/a.wav"))
        let wav = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/a.wav")))
        // 0.5 s of note and 1.5 s of tail, stereo 16-bit.
        #expect(wav.count == 44 + 2 * 22_050 * 4)
        #expect(Array(wav[0..<4]) == Array("RIFF".utf8))
        #expect(Self.u32(wav, 24) == 22_050)
        #expect(Self.u32(wav, 40) == 2 * 22_050 * 4)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.wav", "in"])
    }

    @Test func defaultOutputIsTheInputNameInTheCurrentFolder() throws {
        let (folder, song) = try folderWithSong()
        let run = try cadenza(["render", song, "--sample-rate", "8000"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/song.wav"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: song)) == Data(Self.oneNote))
    }

    @Test func wrongUsageIsExitTwo() throws {
        let (folder, song) = try folderWithSong()
        for rate in ["7999", "192001", "fast"] {
            let run = try cadenza(["render", song, "-o", folder + "/x.wav", "--sample-rate", rate], in: folder)
            #expect(run.status == 2)
            #expect(run.stderr.contains("sample-rate"))
        }
        // The input is never overwritten, whatever -o says.
        let same = try cadenza(["render", song, "-o", song], in: folder)
        #expect(same.status == 2)
        #expect(same.stderr.contains("is the input file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: song)) == Data(Self.oneNote))
        #expect(try cadenza(["render"], in: folder).status == 2)
    }

    @Test func badInputIsExitOne() throws {
        let (folder, _) = try folderWithSong()
        let bad = folder + "/bad.mid"
        try Data("MThd\u{0}\u{0}\u{0}\u{6}\u{0}\u{1}".utf8).write(to: URL(fileURLWithPath: bad))
        let run = try cadenza(["render", bad, "-o", folder + "/bad.wav"], in: folder)
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("cadenza: error: \(bad): byte "))
        #expect(!FileManager.default.fileExists(atPath: folder + "/bad.wav"))
        let unwritable = try cadenza(["render", folder + "/in/song.mid", "-o", folder + "/missing/x.wav"], in: folder)
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("could not write"))
    }
}
