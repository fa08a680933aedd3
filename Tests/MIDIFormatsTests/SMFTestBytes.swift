import Foundation
import Testing
@testable import MIDIFormats
import MusicScore

/// Builds Standard MIDI File bytes by hand, so each test shows the exact bytes it feeds the reader.
enum SMF {
    /// `MThd` chunk: format, track count, division (raw 16-bit field).
    static func header(format: UInt16 = 1, tracks: UInt16, division: UInt16 = 480) -> [UInt8] {
        Array("MThd".utf8) + [0, 0, 0, 6] + be16(format) + be16(tracks) + be16(division)
    }

    /// `MTrk` chunk with the stated length `length` (default: the real one).
    static func track(_ data: [UInt8], length: Int? = nil) -> [UInt8] {
        Array("MTrk".utf8) + be32(UInt32(length ?? data.count)) + data
    }

    /// A whole file: header + one MTrk per element of `tracks`.
    static func file(format: UInt16 = 1, division: UInt16 = 480, _ tracks: [UInt8]...) -> [UInt8] {
        header(format: format, tracks: UInt16(tracks.count), division: division) + tracks.flatMap { track($0) }
    }

    static let endOfTrack: [UInt8] = [0x00, 0xFF, 0x2F, 0x00]

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func vlq(_ value: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.appendVariableLength(value)
        return writer.bytes
    }

    /// Meta event bytes with delta time `delta`.
    static func meta(_ delta: Int = 0, _ type: UInt8, _ data: [UInt8]) -> [UInt8] {
        vlq(delta) + [0xFF, type] + vlq(data.count) + data
    }

    /// Reads `bytes` both ways (event list and direct score) and checks that they agree on the
    /// score and the repairs, as `readScore` promises. Returns the event-list reading.
    @discardableResult
    static func readBothWays(_ bytes: [UInt8], mode: MIDIReadMode = .lenient, sourceLocation: SourceLocation = #_sourceLocation) throws -> (MIDIFile, ScoreReading) {
        let file = try MIDIFile(bytes: bytes, mode: mode)
        let reading = try MIDIFile.readScore(bytes: bytes, mode: mode)
        #expect(reading.score == Score(midiFile: file), sourceLocation: sourceLocation)
        #expect(reading.repairs == file.repairs, sourceLocation: sourceLocation)
        #expect(reading.format == file.format, sourceLocation: sourceLocation)
        #expect(reading.trackChunks == file.tracks.count, sourceLocation: sourceLocation)
        return (file, reading)
    }

    /// The error both readers throw for `bytes` (they must agree).
    static func error(_ bytes: [UInt8], mode: MIDIReadMode, sourceLocation: SourceLocation = #_sourceLocation) -> MIDIError? {
        var first: MIDIError? = nil
        do { _ = try MIDIFile(bytes: bytes, mode: mode) } catch { first = error }
        var second: MIDIError? = nil
        do { _ = try MIDIFile.readScore(bytes: bytes, mode: mode) } catch { second = error }
        #expect(first == second, sourceLocation: sourceLocation)
        return first
    }
}

/// The real MIDI files in Tests/Fixtures/<genre>/.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Paths relative to `folder` ("jazz/x.mid"), sorted.
    static var midiPaths: [String] {
        let genres = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var paths: [String] = []
        for genre in genres {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(genre).path)) ?? []
            paths += files.filter { $0.hasSuffix(".mid") }.map { "\(genre)/\($0)" }
        }
        return paths.sorted()
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(path)))
    }
}
