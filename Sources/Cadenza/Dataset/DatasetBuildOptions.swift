import Foundation
import Tokenization

/// Everything `cadenza dataset build` can be told. Defaults follow CONVENTIONS.md.
public struct DatasetBuildOptions: Sendable {
    /// Folder of MIDI files; without `labelsCSV`, its sub-folder names are the genres.
    public var input: String
    /// Output folder: shards, `manifest.json`, `files.csv`, `originality.idx`.
    public var output: String
    /// CSV `path,genre` (paths relative to the CSV's folder) instead of folder names.
    public var labelsCSV: String? = nil
    /// CSV with `path,group,source,license` columns (paths relative to the CSV's folder).
    public var manifestCSV: String? = nil
    /// Every piece is `unconditional` (a pre-training corpus).
    public var unlabelled = false
    /// Share of groups (or pieces without a group) held out for validation, 0 ≤ f < 1.
    public var validationFraction = 0.05
    /// Transposition augmentation in semitones for the training split, e.g. -3...3; nil for none.
    public var transpositions: ClosedRange<Int>? = nil
    /// Parallel workers, ≥ 1.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    public var tokenizer = TokenizerConfig()
    /// Files larger than this are skipped unread.
    public var maximumFileBytes = InputFile.defaultMaximumBytes
    /// Pieces with fewer notes (after quantization) are skipped.
    public var minimumNotes = 8
    /// A shard is closed once it holds this many tokens (32 MB of UInt16 by default).
    public var shardTokenLimit = 1 << 24

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }

    /// Checks the options that do not need the file system.
    public func validate() throws(CadenzaError) {
        guard (0..<1).contains(validationFraction) else {
            throw .badInput(file: "--val-fraction", location: nil, problem: "\(validationFraction) is not in [0, 1)", hint: "for example 0.05")
        }
        if let t = transpositions, t.lowerBound < -12 || t.upperBound > 12 {
            throw .badInput(file: "--transpose", location: nil, problem: "\(t.lowerBound)...\(t.upperBound) goes beyond an octave", hint: "for example -3...3")
        }
        guard jobs >= 1 else { throw .badInput(file: "--jobs", location: nil, problem: "must be at least 1", hint: "") }
        guard minimumNotes >= 1 else { throw .badInput(file: "minimum notes", location: nil, problem: "must be at least 1", hint: "") }
    }
}

/// Reported after each batch of files.
public struct DatasetBuildProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var skipped: Int
    public var duplicates: Int
    public var tokens: Int
}
