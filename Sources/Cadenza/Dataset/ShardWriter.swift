/// Streams documents into one shard file, atomically: the header's counts are patched in when the
/// shard is finished, and the file appears under its name only after `finish()`.
public final class ShardWriter {
    public let path: String
    public let vocabularySize: Int
    public let fingerprint: UInt64
    private let file: AtomicFileWriter
    public private(set) var documents: [Shard.Document] = []
    public private(set) var tokenCount = 0
    private var scratch: [UInt8] = []

    public init(path: String, vocabularySize: Int, fingerprint: UInt64) throws(CadenzaError) {
        precondition(vocabularySize <= Int(UInt16.max) + 1, "tokens are stored as UInt16")
        self.path = path
        self.vocabularySize = vocabularySize
        self.fingerprint = fingerprint
        file = try AtomicFileWriter(path: path)
        try file.write([UInt8](repeating: 0, count: Shard.headerSize))  // patched in finish()
    }

    /// Appends one document's tokens (BOS…EOS).
    public func append(tokens: [Int], genre: Int, flags: UInt16 = 0) throws(CadenzaError) {
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(tokens.count * 2)
        for token in tokens {
            precondition(token >= 0 && token < vocabularySize, "token id outside the vocabulary")
            LittleEndian.append(UInt16(token), to: &scratch)
        }
        try file.write(scratch)
        documents.append(Shard.Document(offset: tokenCount, length: tokens.count, genre: genre, flags: flags))
        tokenCount += tokens.count
    }

    /// Writes the index and header, syncs, and renames the shard into place.
    public func finish() throws(CadenzaError) {
        var index: [UInt8] = []
        index.reserveCapacity(documents.count * Shard.documentEntrySize)
        for document in documents {
            LittleEndian.append(UInt64(document.offset), to: &index)
            LittleEndian.append(UInt32(document.length), to: &index)
            LittleEndian.append(UInt16(document.genre), to: &index)
            LittleEndian.append(document.flags, to: &index)
        }
        try file.write(index)
        var header = Shard.magic
        LittleEndian.append(Shard.version, to: &header)
        LittleEndian.append(UInt32(vocabularySize), to: &header)
        LittleEndian.append(UInt64(tokenCount), to: &header)
        LittleEndian.append(UInt64(documents.count), to: &header)
        LittleEndian.append(fingerprint, to: &header)
        LittleEndian.append(UInt64(Shard.headerSize + 2 * tokenCount), to: &header)
        header += [UInt8](repeating: 0, count: Shard.headerSize - header.count)
        try file.patch(at: 0, header)
        try file.commit()
    }

    /// Drops the shard; nothing appears on disk.
    public func abort() { file.abort() }
}
