#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MIDIFormats
import MusicScore
import Testing
@testable import Tokenization

/// The 18 real MIDI files in Tests/Fixtures (3 per genre, listed in manifest.csv).
@Suite struct FixtureTests {
    let tokenizer = Tokenizer()

    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// (genre, path relative to the fixtures folder) from the manifest; its first three
    /// columns (split, genre, path) hold no commas or quotes.
    static func fixtures() throws -> [(genre: String, path: String)] {
        let manifest = try String(decoding: Data(contentsOf: folder.appendingPathComponent("manifest.csv")), as: UTF8.self)
        return manifest.split(whereSeparator: \.isNewline).dropFirst().map { line in
            let columns = line.split(separator: ",", maxSplits: 3)
            return (String(columns[1]), String(columns[2]))
        }
    }

    func score(_ path: String) throws -> Score {
        let bytes = try [UInt8](Data(contentsOf: FixtureTests.folder.appendingPathComponent(path)))
        return try MIDIFile.readScore(bytes: bytes).score
    }

    @Test func fixturesRoundTrip() throws {
        let fixtures = try FixtureTests.fixtures()
        #expect(fixtures.count == 18)
        for (genre, path) in fixtures {
            let score = try score(path)
            let slot = try #require(tokenizer.config.genreSlot(named: genre))
            let ids = tokenizer.encode(score, genre: slot)
            #expect(tokenizer.check(ids).isEmpty, "\(path)")
            let canonical = tokenizer.canonicalize(score)
            let decoded = try tokenizer.decode(ids)
            #expect(decoded == canonical, "\(path)")
            #expect(tokenizer.encode(decoded, genre: slot) == ids, "\(path)")
            #expect(tokenizer.canonicalize(canonical) == canonical, "\(path)")
            // Merging and de-duplication may only remove notes, never all of them.
            #expect(canonical.noteCount > 0 && canonical.noteCount <= score.noteCount, "\(path)")
            #expect(ids[1] == tokenizer.vocabulary.id(for: .genre(slot)))
        }
    }

    @Test func tokensPerBeatIsSane() throws {
        var total = TokenStatistics()
        for (genre, path) in try FixtureTests.fixtures() {
            let stats = tokenizer.statistics(of: try score(path), genre: tokenizer.config.genreSlot(named: genre) ?? 0)
            #expect(stats.tokensPerBeat > 1 && stats.tokensPerBeat < 60, "\(path): \(stats.tokensPerBeat)")
            total += stats
        }
        #expect(total.pieces == 18)
        #expect(total.tokensPerBeat > 2 && total.tokensPerBeat < 40, "\(total.tokensPerBeat)")
        // A note costs its three tokens plus a share of Position and Program tokens.
        #expect(total.tokensPerNote > 3 && total.tokensPerNote < 6, "\(total.tokensPerNote)")
    }
}
