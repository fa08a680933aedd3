/// Reads a shard written by `ShardWriter`, treating the file as hostile: every count, offset and
/// token id is checked against the file's real size and the vocabulary before use.
public struct ShardReader: Sendable {
    public let path: String
    public let vocabularySize: Int
    public let fingerprint: UInt64
    /// The token stream.
    public let tokens: [UInt16]
    /// Documents in stream order; they tile the stream without gaps or overlaps.
    public let documents: [Shard.Document]

    public init(path: String) throws(CadenzaError) {
        try self.init(bytes: InputFile.read(path, maximumBytes: Int.max), path: path)
    }

    public init(bytes: [UInt8], path: String) throws(CadenzaError) {
        self.path = path
        func bad(_ offset: Int, _ problem: String) -> CadenzaError {
            .badInput(file: path, location: "byte \(offset)", problem: problem, hint: "the shard is damaged; rebuild the dataset with `cadenza dataset build`")
        }
        // Array.withUnsafeBytes does not carry typed throws through, so the closure returns a Result.
        let parsed: (Int, UInt64, [UInt16], [Shard.Document]) = try bytes.withUnsafeBytes { raw in Result { () throws(CadenzaError) in
            guard raw.count >= Shard.headerSize else { throw bad(0, "file is \(raw.count) bytes, shorter than the 64-byte shard header") }
            guard Array(raw[0..<8]) == Shard.magic else { throw bad(0, "not a Cadenza shard (magic is not CDZSHARD)") }
            let version = LittleEndian.read(UInt32.self, raw, at: 8)
            guard version == Shard.version else { throw bad(8, "shard format version \(version); this Cadenza reads version \(Shard.version)") }
            let vocabulary = Int(LittleEndian.read(UInt32.self, raw, at: 12))
            guard (1...65536).contains(vocabulary) else { throw bad(12, "vocabulary size \(vocabulary) is out of range") }
            let tokenCount = LittleEndian.read(UInt64.self, raw, at: 16)
            let documentCount = LittleEndian.read(UInt64.self, raw, at: 24)
            let fingerprint = LittleEndian.read(UInt64.self, raw, at: 32)
            let indexOffset = LittleEndian.read(UInt64.self, raw, at: 40)
            // Compare in the UInt64 domain before converting, so absurd counts cannot overflow.
            let size = UInt64(raw.count)
            guard tokenCount <= (size - 64) / 2, indexOffset == 64 + 2 * tokenCount else {
                throw bad(16, "token count \(tokenCount) and index offset \(indexOffset) do not fit a file of \(size) bytes")
            }
            guard documentCount <= (size - indexOffset) / 16, indexOffset + 16 * documentCount == size else {
                throw bad(24, "document count \(documentCount) does not fit the \(size - indexOffset) bytes after the tokens")
            }
            var tokens = [UInt16](repeating: 0, count: Int(tokenCount))
            for i in 0..<Int(tokenCount) {
                let token = LittleEndian.read(UInt16.self, raw, at: 64 + 2 * i)
                guard Int(token) < vocabulary else { throw bad(64 + 2 * i, "token \(token) is outside the vocabulary of \(vocabulary)") }
                tokens[i] = token
            }
            var documents: [Shard.Document] = []
            documents.reserveCapacity(Int(documentCount))
            var expectedOffset: UInt64 = 0
            for d in 0..<Int(documentCount) {
                let at = Int(indexOffset) + 16 * d
                let offset = LittleEndian.read(UInt64.self, raw, at: at)
                let length = UInt64(LittleEndian.read(UInt32.self, raw, at: at + 8))
                let genre = Int(LittleEndian.read(UInt16.self, raw, at: at + 12))
                let flags = LittleEndian.read(UInt16.self, raw, at: at + 14)
                guard offset == expectedOffset, length <= tokenCount - offset else {
                    throw bad(at, "document \(d) spans tokens \(offset)..<\(offset + length), which do not follow the previous document inside the \(tokenCount) tokens")
                }
                expectedOffset = offset + length
                documents.append(Shard.Document(offset: Int(offset), length: Int(length), genre: genre, flags: flags))
            }
            guard expectedOffset == tokenCount else { throw bad(Int(indexOffset), "documents cover \(expectedOffset) of \(tokenCount) tokens") }
            return (vocabulary, fingerprint, tokens, documents)
        } }.get()
        (vocabularySize, fingerprint, tokens, documents) = parsed
    }

    /// The tokens of one document as Ints.
    public func tokens(of document: Shard.Document) -> [Int] {
        tokens[document.offset..<(document.offset + document.length)].map(Int.init)
    }

    /// Index of the document containing stream position `position` (binary search).
    public func documentIndex(containing position: Int) -> Int? {
        var low = 0
        var high = documents.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let d = documents[mid]
            if position < d.offset { high = mid - 1 } else if position >= d.offset + d.length { low = mid + 1 } else { return mid }
        }
        return nil
    }
}
