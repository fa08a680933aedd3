import Foundation
import MusicScore
import Tokenization

/// The style judge of CONVENTIONS.md ("Style similarity that texture cannot buy"): two trained
/// classifiers, one over all tokens and one instrument-blind, that must agree.
///
/// A piece is in a genre only when both views give that genre the highest probability of all
/// their classes (`corrupted` included), so emitting the genre's instruments is not enough, and
/// neither is the right texture over random notes.
///
/// A classifier folder (`cadenza train-classifier -o DIR`) holds `all-tokens.safetensors`,
/// `instrument-blind.safetensors` and `report.md`. Not thread-safe (see `ViewClassifier`).
public final class StyleClassifier {
    public static let allTokensFile = "all-tokens.safetensors"
    public static let instrumentBlindFile = "instrument-blind.safetensors"
    public static let reportFile = "report.md"

    public let allTokens: ViewClassifier
    public let instrumentBlind: ViewClassifier

    /// Class names by output index (the same in both views): genres, then `corrupted`.
    public var classes: [String] { allTokens.classes }
    /// The genres the classifier knows.
    public var genres: [String] { Array(classes.dropLast()) }
    /// The tokenizer both classifiers read; token ids given to `judge(tokens:)` must be its ids.
    public var tokenizer: Tokenizer { allTokens.tokenizer }

    /// Pairs two classifiers, which must be one of each view, with the same classes and
    /// tokenizer (the second one named in the error otherwise).
    public init(allTokens: ViewClassifier, instrumentBlind: ViewClassifier) throws(CadenzaError) {
        func bad(_ problem: String) -> CadenzaError {
            .badInput(file: instrumentBlind.source, location: nil, problem: problem, hint: "use the two files one `cadenza train-classifier` run wrote")
        }
        guard allTokens.view == .allTokens else {
            throw .badInput(file: allTokens.source, location: "__metadata__.view", problem: "is \(allTokens.view), expected all-tokens", hint: "the two classifier files are swapped")
        }
        guard instrumentBlind.view == .instrumentBlind else { throw bad("its view is \(instrumentBlind.view), expected instrument-blind") }
        guard instrumentBlind.classes == allTokens.classes else { throw bad("its classes differ from \(allTokens.source)'s") }
        guard instrumentBlind.metadata.tokenizer == allTokens.metadata.tokenizer else { throw bad("its tokenizer config differs from \(allTokens.source)'s") }
        self.allTokens = allTokens
        self.instrumentBlind = instrumentBlind
    }

    /// Loads the two classifiers of a `cadenza train-classifier` output folder.
    public convenience init(folder: String) throws(CadenzaError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw .badInput(file: folder, location: nil, problem: "is not a folder", hint: "name the -o folder of `cadenza train-classifier`")
        }
        try self.init(allTokens: ViewClassifier.load(folder + "/" + Self.allTokensFile),
                      instrumentBlind: ViewClassifier.load(folder + "/" + Self.instrumentBlindFile))
    }

    /// Both views' verdicts on one piece.
    public struct Judgement: Sendable, Equatable {
        public var classes: [String]
        /// Mean probabilities over windows, by `classes`.
        public var allTokens: [Double]
        public var instrumentBlind: [Double]

        /// The most probable class of each view.
        public var allTokensClass: String { classes[Self.argmax(allTokens)] }
        public var instrumentBlindClass: String { classes[Self.argmax(instrumentBlind)] }
        /// The class both views give, nil when they disagree.
        public var agreedClass: String? { allTokensClass == instrumentBlindClass ? allTokensClass : nil }

        /// True when both views give `genre` the highest probability.
        public func isInGenre(_ genre: String) -> Bool { agreedClass == genre }

        static func argmax(_ p: [Double]) -> Int { p.indices.max { p[$0] < p[$1] } ?? 0 }
    }

    /// Both views' probabilities for a piece.
    public func judge(_ score: Score) throws(CadenzaError) -> Judgement {
        // The genre slot is irrelevant: both views drop the Genre token.
        try judge(tokens: tokenizer.encode(score, genre: 0))
    }

    /// Both views' probabilities for ids of `tokenizer` (a piece, or a part of one).
    public func judge(tokens: [Int]) throws(CadenzaError) -> Judgement {
        Judgement(classes: classes, allTokens: try allTokens.probabilities(tokens: tokens),
                  instrumentBlind: try instrumentBlind.probabilities(tokens: tokens))
    }

    /// Whether both views judge `score` to be in `genre` (a name of `genres`, any case).
    public func inGenre(_ score: Score, genre: String) throws(CadenzaError) -> Bool {
        let name = try knownGenre(genre)
        return try judge(score).isInGenre(name)
    }

    /// `genre` as the classifier spells it, or an `invalidSetting` error listing the genres.
    public func knownGenre(_ genre: String) throws(CadenzaError) -> String {
        guard let name = genres.first(where: { $0.lowercased() == genre.lowercased() }) else {
            throw .invalidSetting(field: "genre", problem: "the style classifier does not know the genre \"\(genre)\"", hint: "it knows \(genres.joined(separator: ", "))")
        }
        return name
    }
}
