import ArgumentParser
import Cadenza
import Foundation

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Turn MIDI collections into training data.",
        subcommands: [DatasetBuildCommand.self])
}

struct DatasetBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Parse, de-duplicate, split and tokenize a folder of MIDI files into shards.",
        discussion: """
            Labels come from sub-folder names (input/jazz/x.mid is jazz), from --labels (a CSV of
            path,genre), or --unlabelled for a pre-training corpus. Files are parsed leniently in
            parallel; files that cannot be repaired are skipped and listed with the reason. Pieces
            with the same music (not the same bytes) are kept once. The validation split is chosen
            by group (from --manifest) or by content hash, deterministically: a rerun over the
            same input writes the same bytes.

            Output: train-NNNNN.shard, validation-NNNNN.shard, manifest.json (counts per genre,
            tokens, skipped files with reasons, sources and licences, tokenizer config), files.csv
            (every input file and what became of it) and originality.idx (fingerprints of the
            training music, for `cadenza evaluate`'s copy check).
            """)

    @Option(help: "Folder of MIDI files, one sub-folder per genre unless --labels is given.")
    var input: String

    @Option(name: [.short, .customLong("output")], help: "Output folder (created or replaced atomically).")
    var output: String

    @Option(help: "CSV with columns path,genre (paths relative to the CSV's folder).")
    var labels: String?

    @Option(help: "CSV with columns path,group,source,license (paths relative to the CSV's folder).")
    var manifest: String?

    @Flag(help: "Label every piece 'unconditional' (pre-training corpus).")
    var unlabelled = false

    @Option(name: .customLong("val-fraction"), help: "Share of groups held out for validation.")
    var validationFraction = 0.05

    @Option(help: "Transpose training pieces by every shift in LO...HI semitones (e.g. -3...3).")
    var transpose: String?

    @Option(help: "Parallel workers (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if labels != nil && unlabelled { throw ValidationError("--labels and --unlabelled exclude each other") }
        if let transpose, Self.parseRange(transpose) == nil {
            throw ValidationError("--transpose '\(transpose)' is not a range like -3...3")
        }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if !(0..<1).contains(validationFraction) { throw ValidationError("--val-fraction must be in [0, 1)") }
    }

    static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.replacingOccurrences(of: "..", with: " ").split(separator: " ").map(String.init)
        let clean = parts.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ". ")) }.filter { !$0.isEmpty }
        guard clean.count == 2, let lo = Int(clean[0]), let hi = Int(clean[1]), lo <= hi else { return nil }
        return lo...hi
    }

    func run() throws {
        var options = DatasetBuildOptions(input: input, output: output)
        options.labelsCSV = labels
        options.manifestCSV = manifest
        options.unlabelled = unlabelled
        options.validationFraction = validationFraction
        options.transpositions = transpose.flatMap(Self.parseRange)
        options.jobs = jobs
        var bar: ProgressBar? = nil
        let result = try DatasetBuilder(options: options).build { progress in
            if bar == nil { bar = ProgressBar(label: "dataset", total: progress.filesTotal) }
            bar?.update(done: progress.filesDone, detail: "\(progress.skipped) skipped, \(progress.duplicates) duplicates, \(progress.tokens) tokens")
        }
        let train = result.splits["train"]!
        let validation = result.splits["validation"]!
        Terminal.print("""
            \(output): \(result.files.kept) pieces kept of \(result.files.found) (\(result.files.skipped) skipped, \(result.files.duplicates) duplicates)
              train       \(train.files) pieces, \(train.documents) documents, \(train.tokens) tokens in \(train.shards.count) shards
              validation  \(validation.files) pieces, \(validation.tokens) tokens
              tokens per beat \(result.tokensPerBeat)
            """)
        for genre in result.tokenizer.genres {
            let t = train.genres[genre], v = validation.genres[genre]
            guard t != nil || v != nil else { continue }
            Terminal.print("  \(genre.padding(toLength: 14, withPad: " ", startingAt: 0)) train \(t?.files ?? 0) pieces / \(t?.tokens ?? 0) tokens, validation \(v?.files ?? 0) / \(v?.tokens ?? 0)")
        }
        if !result.skipped.isEmpty {
            Terminal.print("  skipped (first 10 of \(result.skipped.count); all in manifest.json and files.csv):")
            for s in result.skipped.prefix(10) { Terminal.print("    \(s.path): \(s.reason)") }
        }
    }
}
