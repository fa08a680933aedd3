import Tokenization

/// One split of a built dataset as the style classifier sees it: whole pieces, each labelled
/// with its class (the index of its genre in `classes`).
///
/// The classes are the dataset's genres that have training pieces, in genre-slot order, then
/// `corrupted` (made from real pieces by `MusicCorruption`). `unconditional` is never a class:
/// pieces labelled so (pre-training data) are left out, and so are pieces of a genre the
/// classes lack and pieces that break the token grammar (their count is kept, not hidden).
public struct ClassifierCorpus: Sendable {
    /// The name of the last class.
    public static let corruptedClass = "corrupted"

    /// One piece: its ids (`BOS Genre … EOS`) and class.
    public struct Piece: Sendable {
        public var tokens: [UInt16]
        /// Index into `classes` (never the corrupted class).
        public var label: Int
        /// A transposed copy made by `dataset build --transpose`.
        public var augmented: Bool
    }

    /// "train" or "validation".
    public let split: String
    public let tokenizer: Tokenizer
    /// Genre names in slot order, then `corrupted`.
    public let classes: [String]
    public let pieces: [Piece]
    /// Pieces left out: labelled `unconditional` or with a genre outside `classes`.
    public let unlabelledPieces: Int
    /// Pieces left out because their tokens break the grammar (a damaged shard).
    public let invalidPieces: Int

    /// The genre classes, without `corrupted`.
    public var genreCount: Int { classes.count - 1 }

    /// Loads `split` of the dataset in `folder` (shards listed in `manifest`, fingerprints
    /// checked). With `classes` nil the classes are this split's genres (use that for "train"
    /// and pass its classes to the other splits).
    public init(dataset folder: String, manifest: DatasetManifest, split: String, classes: [String]? = nil) throws(CadenzaError) {
        let manifestPath = folder + "/manifest.json"
        guard let summary = manifest.splits[split] else {
            throw .badInput(file: manifestPath, location: "field splits.\(split)", problem: "the dataset has no \(split) split", hint: "rebuild it with `cadenza dataset build`")
        }
        let tokenizer = Tokenizer(config: manifest.tokenizer)
        let genres = manifest.tokenizer.genres
        var documents: [(tokens: [UInt16], genre: Int, augmented: Bool)] = []
        for shardSummary in summary.shards {
            let shard = try ShardReader(path: folder + "/" + shardSummary.file)
            guard shard.fingerprint == manifest.tokenizer.fingerprint else {
                throw .badInput(file: shard.path, location: "byte 32", problem: "the shard's tokenizer fingerprint differs from manifest.json's", hint: "the dataset folder mixes builds; rebuild it")
            }
            for document in shard.documents {
                documents.append((Array(shard.tokens[document.offset..<(document.offset + document.length)]), document.genre, document.isAugmented))
            }
        }
        let classes = classes ?? {
            let present = Set(documents.map(\.genre))
            return genres.indices.filter { $0 > 0 && present.contains($0) }.map { genres[$0] } + [Self.corruptedClass]
        }()
        guard classes.count >= 2 else {
            throw .badInput(file: manifestPath, location: "field splits.\(split).genres", problem: "the \(split) split holds no genre-labelled pieces (only 'unconditional')", hint: "build the dataset from genre folders or a --labels CSV")
        }
        var pieces: [Piece] = [], unlabelled = 0, invalid = 0
        for document in documents {
            guard document.genre > 0, document.genre < genres.count,
                  let label = classes.dropLast().firstIndex(of: genres[document.genre]) else {
                unlabelled += 1
                continue
            }
            guard tokenizer.check(document.tokens.map(Int.init)).isEmpty else {
                invalid += 1
                continue
            }
            pieces.append(Piece(tokens: document.tokens, label: label, augmented: document.augmented))
        }
        self.split = split
        self.tokenizer = tokenizer
        self.classes = classes
        self.pieces = pieces
        self.unlabelledPieces = unlabelled
        self.invalidPieces = invalid
    }

    /// Pieces per class (the corrupted class counts none).
    public var piecesPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for piece in pieces { counts[piece.label] += 1 }
        return counts
    }
}
