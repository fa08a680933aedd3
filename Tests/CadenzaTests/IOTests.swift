import Foundation
import Testing
@testable import Cadenza

@Suite struct CSVTableTests {
    @Test func quotedFieldsAndCRLF() throws {
        let text = "path,genre,source\r\n\"a,b.mid\",jazz,\"say \"\"hi\"\"\"\r\nc.mid, pop ,\"two\nlines\"\n\n"
        let table = try CSVTable(text: text, source: "t.csv")
        #expect(table.header == ["path", "genre", "source"])
        #expect(table.rows.count == 2)
        #expect(table.value(row: 0, column: 0) == "a,b.mid")
        #expect(table.value(row: 0, column: 2) == "say \"hi\"")
        #expect(table.value(row: 1, column: 1) == "pop")
        #expect(table.value(row: 1, column: 2) == "two\nlines")
        #expect(table.column("GENRE") == 1)
    }

    @Test func unterminatedQuoteNamesTheLine() {
        #expect(throws: CadenzaError.self) { try CSVTable(text: "path,genre\nx.mid,\"jazz\n", source: "l.csv") }
        do {
            _ = try CSVTable(text: "path,genre\nx.mid,\"jazz\n", source: "l.csv")
        } catch {
            #expect(error.description.contains("l.csv: line 2"))
        }
    }
}

@Suite struct AtomicFileWriterTests {
    @Test func uncommittedWritesLeaveNothing() throws {
        let folder = TestSupport.scratch()
        let path = folder + "/out.bin"
        TestSupport.write([1, 2, 3], to: path)
        do {
            let writer = try AtomicFileWriter(path: path)
            try writer.write([9, 9, 9, 9])
            writer.abort()
        }
        #expect(TestSupport.bytes(path) == [1, 2, 3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.bin"])
        let writer = try AtomicFileWriter(path: path)
        try writer.write([4, 5, 6, 7])
        try writer.patch(at: 0, [8])
        try writer.commit()
        #expect(TestSupport.bytes(path) == [8, 5, 6, 7])
    }

    @Test func missingFolderIsAClearError() {
        #expect(throws: CadenzaError.self) { try AtomicFileWriter.write([1], to: "/nonexistent-cadenza/x/y.bin") }
    }

    @Test func inputFileLimits() throws {
        let folder = TestSupport.scratch()
        TestSupport.write([UInt8](repeating: 0, count: 2000), to: folder + "/big.mid")
        #expect(throws: CadenzaError.self) { try InputFile.read(folder + "/big.mid", maximumBytes: 1000) }
        #expect(throws: CadenzaError.self) { try InputFile.read(folder) }
        #expect(throws: CadenzaError.self) { try InputFile.read(folder + "/missing.mid") }
        #expect(try InputFile.read(folder + "/big.mid").count == 2000)
    }
}

@Suite struct ShardTests {
    @Test func roundTrip() throws {
        let path = TestSupport.scratch() + "/s.shard"
        let writer = try ShardWriter(path: path, vocabularySize: 503, fingerprint: 0xABCDEF)
        try writer.append(tokens: [1, 5, 3, 2], genre: 3)
        try writer.append(tokens: [1, 4, 2], genre: 1, flags: 1)
        try writer.finish()
        let shard = try ShardReader(path: path)
        #expect(shard.vocabularySize == 503)
        #expect(shard.fingerprint == 0xABCDEF)
        #expect(shard.tokens == [1, 5, 3, 2, 1, 4, 2])
        #expect(shard.documents == [Shard.Document(offset: 0, length: 4, genre: 3), Shard.Document(offset: 4, length: 3, genre: 1, flags: 1)])
        #expect(shard.tokens(of: shard.documents[1]) == [1, 4, 2])
        #expect(shard.documentIndex(containing: 5) == 1)
        #expect(shard.documentIndex(containing: 7) == nil)
    }

    @Test func hostileShardsAreRejected() throws {
        let path = TestSupport.scratch() + "/s.shard"
        let writer = try ShardWriter(path: path, vocabularySize: 10, fingerprint: 1)
        try writer.append(tokens: [1, 2, 3], genre: 0)
        try writer.finish()
        let good = TestSupport.bytes(path)
        #expect(throws: Never.self) { try ShardReader(bytes: good, path: path) }
        var cases: [(String, [UInt8])] = [("empty", []), ("short", Array(good.prefix(40))), ("truncated", Array(good.dropLast(3)))]
        var badMagic = good; badMagic[0] = 0x58; cases.append(("magic", badMagic))
        var hugeCount = good; hugeCount[16 + 7] = 0x7F; cases.append(("count", hugeCount))
        var badToken = good; badToken[64] = 200; cases.append(("token", badToken))
        var badDoc = good; badDoc[64 + 6 + 8] = 9; cases.append(("document length", badDoc))
        for (name, bytes) in cases {
            #expect(throws: CadenzaError.self, "\(name)") { try ShardReader(bytes: bytes, path: path) }
        }
    }
}
