import Foundation
import Testing
@testable import Cadenza
import Tokenization

@Suite struct DatasetBuilderTests {
    /// The 18 fixtures in genre folders, plus a copy of one (a duplicate under another name),
    /// a non-MIDI file and a truncated file.
    func corpus() -> String {
        let folder = TestSupport.scratch()
        let input = folder + "/in"
        let manager = FileManager.default
        try! manager.copyItem(atPath: TestSupport.fixtures, toPath: input)
        let folk = try! manager.contentsOfDirectory(atPath: input + "/folk").sorted()
        try! manager.copyItem(atPath: input + "/folk/" + folk[0], toPath: input + "/folk/zz-copy.mid")
        TestSupport.write(Array("this is not a MIDI file".utf8), to: input + "/pop/notes.mid")
        TestSupport.write(Array(TestSupport.bytes(input + "/jazz/" + (try! manager.contentsOfDirectory(atPath: input + "/jazz").sorted()[0])).prefix(20)), to: input + "/jazz/truncated.mid")
        return folder
    }

    @Test func buildsShardsManifestAndIndex() throws {
        let folder = corpus()
        var options = DatasetBuildOptions(input: folder + "/in", output: folder + "/out")
        options.manifestCSV = folder + "/in/manifest.csv"
        options.validationFraction = 0.3
        options.jobs = 2
        var reports = 0
        let manifest = try DatasetBuilder(options: options).build { _ in reports += 1 }
        #expect(reports >= 1)
        #expect(manifest.files.found == 21)
        #expect(manifest.files.duplicates == 1)
        #expect(manifest.files.kept == 18)
        #expect(manifest.skipped.contains { $0.path == "folk/zz-copy.mid" && $0.reason.hasPrefix("same music as folk/") })
        #expect(manifest.skipped.contains { $0.path == "pop/notes.mid" && $0.reason.contains("byte") })
        #expect(manifest.skipped.contains { $0.path == "jazz/truncated.mid" })
        let train = try #require(manifest.splits["train"])
        let validation = try #require(manifest.splits["validation"])
        #expect(train.files + validation.files == 18)
        #expect(validation.files > 0 && train.files > 0)
        #expect(Set(train.genres.keys).union(validation.genres.keys) == ["classical", "pop", "jazz", "folk", "game", "electronic"])
        #expect(manifest.sources.reduce(0) { $0 + $1.files } == 18)
        #expect(manifest.sources.allSatisfy { $0.license != "unknown" })
        #expect(manifest.tokensPerBeat > 2 && manifest.tokensPerBeat < 40)
        #expect(manifest.options.splitKey == "group")

        // Shards agree with the manifest and decode.
        let tokenizer = Tokenizer(config: manifest.tokenizer)
        var documents = 0
        for shardName in train.shards.map(\.file) + validation.shards.map(\.file) {
            let shard = try ShardReader(path: folder + "/out/" + shardName)
            #expect(shard.fingerprint == manifest.tokenizer.fingerprint)
            for document in shard.documents {
                let ids = shard.tokens(of: document)
                #expect(tokenizer.check(ids).isEmpty)
                #expect(ids[1] == tokenizer.vocabulary.id(for: .genre(document.genre)))
                documents += 1
            }
        }
        #expect(documents == train.documents + validation.documents)
        let index = try OriginalityIndex(path: folder + "/out/originality.idx")
        #expect(index.windowHashes.count == manifest.originalityIndex.windows)
        #expect(index.windowHashes.count > 0)
        #expect(index.gramHashes == index.gramHashes.sorted())
        let files = String(decoding: TestSupport.bytes(folder + "/out/files.csv"), as: UTF8.self)
        #expect(files.split(separator: "\n").count == 22)
        #expect(!FileManager.default.fileExists(atPath: folder + "/out.partial"))
    }

    @Test func rerunGivesTheSameBytesAndAugmentsTrainOnly() throws {
        let folder = corpus()
        var options = DatasetBuildOptions(input: folder + "/in", output: folder + "/a")
        options.transpositions = -2...2
        options.jobs = 2
        let first = try DatasetBuilder(options: options).build()
        options.output = folder + "/b"
        options.jobs = 1
        _ = try DatasetBuilder(options: options).build()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/a").sorted()
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: folder + "/b").sorted()))
        for name in names {
            #expect(TestSupport.bytes(folder + "/a/" + name) == TestSupport.bytes(folder + "/b/" + name), "\(name)")
        }
        // Five shifts for each training piece (fewer only where a pitch would leave 0...127).
        let train = first.splits["train"]!
        #expect(train.documents > 4 * train.files && train.documents <= 5 * train.files)
        #expect(first.splits["validation"]!.documents == first.splits["validation"]!.files)
        // Rebuilding into an existing dataset replaces it.
        options.output = folder + "/a"
        _ = try DatasetBuilder(options: options).build()
        #expect(TestSupport.bytes(folder + "/a/manifest.json") == TestSupport.bytes(folder + "/b/manifest.json"))
    }

    @Test func labelsCSVAndNewGenres() throws {
        let folder = TestSupport.scratch()
        let input = folder + "/flat"
        let fixtures = TestSupport.fixtures
        let jazz = try FileManager.default.contentsOfDirectory(atPath: fixtures + "/jazz").sorted()
        for (i, name) in jazz.enumerated() {
            TestSupport.write(TestSupport.bytes(fixtures + "/jazz/" + name), to: input + "/song\(i).mid")
        }
        TestSupport.write(Array("path,genre\nflat/song0.mid,Bebop\nflat/song1.mid,jazz\n".utf8), to: folder + "/labels.csv")
        var options = DatasetBuildOptions(input: input, output: folder + "/out")
        options.labelsCSV = folder + "/labels.csv"
        let manifest = try DatasetBuilder(options: options).build()
        #expect(manifest.tokenizer.genres.last == "bebop")
        #expect(manifest.files.kept == 2)
        #expect(manifest.skipped.map(\.path) == ["song2.mid"])
    }

    @Test func refusesToReplaceAFolderThatIsNotADataset() throws {
        let folder = corpus()
        TestSupport.write([1, 2, 3], to: folder + "/precious/thesis.txt")
        let options = DatasetBuildOptions(input: folder + "/in", output: folder + "/precious")
        #expect(throws: CadenzaError.self) { try DatasetBuilder(options: options).build() }
        #expect(TestSupport.bytes(folder + "/precious/thesis.txt") == [1, 2, 3])
        #expect(throws: CadenzaError.self) { try DatasetBuilder(options: DatasetBuildOptions(input: folder + "/nope", output: folder + "/o")).build() }
    }
}
