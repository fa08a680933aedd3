import MusicScore
import Tokenization

/// The sequential half of a dataset build: merges each file's outcome, in input order, into
/// the shards, the counts, the originality index and `files.csv`.
struct BuildState {
    let staging: Staging
    let tokenizer: Tokenizer
    let options: DatasetBuildOptions
    var counts = DatasetManifest.FileCounts()
    var splits: [PieceProcessor.Split: DatasetManifest.SplitSummary] = [.train: .init(), .validation: .init()]
    var writers: [PieceProcessor.Split: ShardWriter] = [:]
    var shardNumbers: [PieceProcessor.Split: Int] = [.train: 0, .validation: 0]
    /// Content hash → first file with that content, for "duplicate of" reasons.
    var seen: [UInt64: String] = [:]
    var skipped: [DatasetManifest.SkippedFile] = []
    var sources: [String: Int] = [:]
    var originalTokens = 0
    var originalBeats = 0.0
    let originality: OriginalityIndexBuilder
    let filesCSV: AtomicFileWriter

    var tokenTotal: Int { splits.values.reduce(0) { $0 + $1.tokens } }

    init(staging: Staging, tokenizer: Tokenizer, options: DatasetBuildOptions) throws(CadenzaError) {
        self.staging = staging
        self.tokenizer = tokenizer
        self.options = options
        originality = OriginalityIndexBuilder(scratchDirectory: staging.folder)
        filesCSV = try AtomicFileWriter(path: staging.path("files.csv"))
        try filesCSV.write(Array("path,genre,status,split,group,content_hash,tokens,notes,source,license,reason\n".utf8))
    }

    mutating func merge(_ entry: CorpusEntry, _ outcome: PieceProcessor.Outcome) throws(CadenzaError) {
        counts.found += 1
        switch outcome {
        case .skipped(let reason):
            counts.skipped += 1
            skipped.append(.init(path: entry.relativePath, reason: reason))
            try row(entry, status: "skipped", reason: reason)
        case .kept(let kept):
            if let first = seen[kept.contentHash] {
                counts.duplicates += 1
                let reason = "same music as \(first)"
                skipped.append(.init(path: entry.relativePath, reason: reason))
                try row(entry, status: "duplicate", hash: kept.contentHash, reason: reason)
                return
            }
            seen[kept.contentHash] = entry.relativePath
            counts.kept += 1
            try add(kept, genre: entry.genre ?? "")
            let key = (entry.source ?? "unknown") + "\u{1F}" + (entry.license ?? "unknown")
            sources[key, default: 0] += 1
            try row(entry, status: "kept", split: kept.split.rawValue, hash: kept.contentHash,
                    tokens: kept.documents[0].tokens.count, notes: kept.notes)
        }
    }

    private mutating func add(_ kept: PieceProcessor.Kept, genre: String) throws(CadenzaError) {
        var summary = splits[kept.split]!
        summary.files += 1
        summary.notes += kept.notes
        summary.seconds += kept.seconds
        summary.genres[genre, default: .init()].files += 1
        summary.genres[genre, default: .init()].notes += kept.notes
        for document in kept.documents {
            let writer = try writer(for: kept.split, adding: document.tokens.count, summary: &summary)
            try writer.append(tokens: document.tokens, genre: kept.genreSlot, flags: document.flags)
            summary.documents += 1
            summary.tokens += document.tokens.count
            summary.genres[genre, default: .init()].documents += 1
            summary.genres[genre, default: .init()].tokens += document.tokens.count
        }
        splits[kept.split] = summary
        originalTokens += kept.documents[0].tokens.count
        originalBeats += kept.beats
        if kept.split == .train { try originality.add(windows: kept.windows, grams: kept.grams) }
    }

    /// The open shard of a split, rolling to a new one when this document would overflow it.
    private mutating func writer(for split: PieceProcessor.Split, adding tokens: Int, summary: inout DatasetManifest.SplitSummary) throws(CadenzaError) -> ShardWriter {
        if let open = writers[split], open.tokenCount > 0, open.tokenCount + tokens > options.shardTokenLimit {
            try close(split, summary: &summary)
        }
        if let open = writers[split] { return open }
        let name = "\(split.rawValue)-\(fiveDigits(shardNumbers[split]!)).shard"
        let writer = try ShardWriter(path: staging.path(name), vocabularySize: tokenizer.vocabulary.size, fingerprint: tokenizer.config.fingerprint)
        writers[split] = writer
        return writer
    }

    private mutating func close(_ split: PieceProcessor.Split, summary: inout DatasetManifest.SplitSummary) throws(CadenzaError) {
        guard let writer = writers[split] else { return }
        try writer.finish()
        summary.shards.append(.init(file: String(writer.path.split(separator: "/").last!), documents: writer.documents.count, tokens: writer.tokenCount))
        shardNumbers[split]! += 1
        writers[split] = nil
    }

    mutating func finish() throws(CadenzaError) -> DatasetManifest {
        for split in [PieceProcessor.Split.train, .validation] {
            var summary = splits[split]!
            try close(split, summary: &summary)
            splits[split] = summary
        }
        let (windows, grams) = try originality.finish(to: staging.path("originality.idx"))
        try filesCSV.commit()
        let sourceList = sources.map { key, files in
            let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            return DatasetManifest.SourceSummary(source: parts[0], license: parts[1], files: files)
        }.sorted { ($0.source, $0.license) < ($1.source, $1.license) }
        let labelling = options.unlabelled ? "unlabelled" : (options.labelsCSV != nil ? "labels CSV" : "folders")
        let manifest = DatasetManifest(
            tokenizer: tokenizer.config,
            tokenizerFingerprint: StableHasher.hex(tokenizer.config.fingerprint),
            options: .init(
                validationFraction: options.validationFraction,
                transpositions: options.transpositions.map { Array($0) } ?? [],
                minimumNotes: options.minimumNotes, maximumFileBytes: options.maximumFileBytes,
                labelling: labelling, splitKey: options.manifestCSV != nil ? "group" : "content hash"),
            splits: Dictionary(uniqueKeysWithValues: splits.map { ($0.key.rawValue, $0.value) }),
            files: counts,
            tokensPerBeat: originalBeats > 0 ? (Double(originalTokens) / originalBeats * 1000).rounded() / 1000 : 0,
            sources: sourceList, skipped: skipped,
            originalityIndex: .init(file: "originality.idx", windows: windows, noteGrams: grams))
        try AtomicFileWriter.write(manifest.encoded(), to: staging.path("manifest.json"))
        return manifest
    }

    private func row(
        _ entry: CorpusEntry, status: String, split: String = "", hash: UInt64? = nil,
        tokens: Int? = nil, notes: Int? = nil, reason: String = ""
    ) throws(CadenzaError) {
        let fields = [
            entry.relativePath, entry.genre ?? "", status, split, entry.group ?? "",
            hash.map(StableHasher.hex) ?? "", tokens.map(String.init) ?? "", notes.map(String.init) ?? "",
            entry.source ?? "", entry.license ?? "", reason,
        ]
        try filesCSV.write(Array((fields.map(Self.csvField).joined(separator: ",") + "\n").utf8))
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

/// Zero-padded to five digits, for shard names that sort.
func fiveDigits(_ value: Int) -> String {
    let digits = "\(value)"
    return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
}
