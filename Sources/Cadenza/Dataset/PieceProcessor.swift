import MusicScore
import Tokenization

/// What one input file becomes: skipped with a reason, or documents for one split.
/// Runs on worker threads, so it touches nothing shared.
struct PieceProcessor: Sendable {
    let tokenizer: Tokenizer
    let options: DatasetBuildOptions

    enum Split: String, Sendable { case train, validation }

    struct Kept: Sendable {
        var contentHash: UInt64
        var split: Split
        var genreSlot: Int
        /// The original first, then transposed copies by ascending shift (flag bit 0 set).
        var documents: [(tokens: [Int], flags: UInt16)]
        var notes: Int
        var seconds: Double
        var beats: Double
        /// Fingerprints for the originality index (training originals only).
        var windows: [UInt64]
        var grams: [UInt64]
    }

    enum Outcome: Sendable {
        case skipped(String)
        case kept(Kept)
    }

    func process(_ entry: CorpusEntry) -> Outcome {
        guard let genre = entry.genre else { return .skipped("no genre label (not in a genre folder or not in --labels)") }
        guard let slot = tokenizer.config.genres.firstIndex(of: genre) else { return .skipped("genre \(genre) has no slot") }
        let loaded: ScoreLoader.Loaded
        do {
            loaded = try ScoreLoader.load(path: entry.absolutePath, strict: false, maximumBytes: options.maximumFileBytes)
        } catch {
            return .skipped(Self.reason(error))
        }
        let canonical = tokenizer.canonicalize(loaded.score)
        let notes = canonical.noteCount
        guard notes >= options.minimumNotes else {
            return .skipped("only \(notes) notes after quantization (minimum \(options.minimumNotes))")
        }
        let tokens = tokenizer.encode(canonical, genre: slot)
        // Content, not bytes: the tokens after BOS and Genre, so the same music saved by two
        // programs (or labelled with two genres) is one piece.
        var hasher = StableHasher()
        for token in tokens.dropFirst(2) { hasher.combine(token) }
        let contentHash = hasher.value

        var splitHasher = StableHasher()
        splitHasher.combine("split")
        splitHasher.combine(entry.group ?? StableHasher.hex(contentHash))
        let isValidation = Double(splitHasher.value % 1_000_000) < options.validationFraction * 1_000_000
        var kept = Kept(
            contentHash: contentHash, split: isValidation ? .validation : .train, genreSlot: slot,
            documents: [(tokens, 0)], notes: notes, seconds: canonical.durationSeconds,
            beats: canonical.durationQuarters, windows: [], grams: [])
        if !isValidation {
            kept.windows = MusicFingerprints.windowHashes(canonical)
            kept.grams = MusicFingerprints.noteGramHashes(canonical)
            for shift in options.transpositions ?? 0...0 where shift != 0 {
                guard let moved = canonical.transposed(by: shift) else { continue }
                kept.documents.append((tokenizer.encode(moved, genre: slot), 1))
            }
        }
        return .kept(kept)
    }

    /// The error without the file name (the manifest lists the path beside it).
    static func reason(_ error: CadenzaError) -> String {
        switch error {
        case let .badInput(_, location, problem, _): return (location.map { "\($0): " } ?? "") + problem
        case let .writeFailed(_, problem, _): return problem
        case let .invalidSetting(field, problem, _): return "\(field): \(problem)"
        }
    }
}
