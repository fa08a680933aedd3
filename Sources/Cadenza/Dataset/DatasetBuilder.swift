import Dispatch
import Foundation
import MusicScore
import Tokenization

/// Builds a training dataset from a folder of MIDI files (`cadenza dataset build`).
///
/// Files are read in sorted order in batches; each batch is parsed and tokenized in parallel,
/// then merged in order, so the output bytes do not depend on thread timing. Memory holds one
/// batch, one open shard's document index, the content hashes seen (8 bytes a file) and the
/// originality builder's bounded buffers, whatever the number of files. Everything is written
/// into `OUTPUT.partial` and moved into place at the end: an interrupted build leaves the
/// previous output untouched.
public struct DatasetBuilder {
    public let options: DatasetBuildOptions

    public init(options: DatasetBuildOptions) {
        self.options = options
    }

    public func build(progress: (DatasetBuildProgress) -> Void = { _ in }) throws(CadenzaError) -> DatasetManifest {
        try options.validate()
        let entries = try CorpusListing.list(
            input: options.input, labelsCSV: options.labelsCSV, manifestCSV: options.manifestCSV,
            unlabelled: options.unlabelled)
        guard !entries.isEmpty else {
            throw .badInput(file: options.input, location: nil, problem: "holds no MIDI files (.mid, .midi)", hint: "put files in one sub-folder per genre, e.g. jazz/solo.mid")
        }
        var config = options.tokenizer
        try Self.addGenres(of: entries, to: &config)
        let tokenizer = Tokenizer(config: config)
        let processor = PieceProcessor(tokenizer: tokenizer, options: options)

        let staging = try Staging(output: options.output)
        var state = try BuildState(staging: staging, tokenizer: tokenizer, options: options)
        let batchSize = max(64, options.jobs * 32)
        var start = 0
        while start < entries.count {
            let batch = Array(entries[start..<min(start + batchSize, entries.count)])
            let outcomes = Self.parallelMap(batch, jobs: options.jobs, processor.process)
            for (entry, outcome) in zip(batch, outcomes) {
                try state.merge(entry, outcome)
            }
            start += batch.count
            progress(DatasetBuildProgress(
                filesDone: start, filesTotal: entries.count, skipped: state.counts.skipped,
                duplicates: state.counts.duplicates, tokens: state.tokenTotal))
        }
        let manifest = try state.finish()
        try staging.publish()
        return manifest
    }

    /// Genres found in the data but not in the config get the next free slots, in sorted order.
    static func addGenres(of entries: [CorpusEntry], to config: inout TokenizerConfig) throws(CadenzaError) {
        let found = Set(entries.compactMap(\.genre))
        let new = found.subtracting(config.genres).sorted()
        let slots = config.genreSlots
        guard config.genres.count + new.count <= slots else {
            throw .badInput(
                file: "genres", location: nil,
                problem: "\(config.genres.count + new.count) genres (\(new.joined(separator: ", ")) are new) exceed the \(slots) genre slots",
                hint: "merge labels into at most \(slots - 1) genres")
        }
        config.genres += new
    }

    /// Runs `body` over `items` on `jobs` threads; results keep the input order.
    static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], jobs: Int, _ body: @Sendable (T) -> R) -> [R] {
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer {
            // Release the results' storage too: deallocating alone would leak every outcome.
            _ = results.deinitialize()
            results.deallocate()
        }
        let lanes = min(jobs, items.count)
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            // Strided lanes: each index is written by exactly one thread.
            for i in stride(from: lane, to: items.count, by: lanes) { output[i] = body(items[i]) }
        }
        return results.map { $0! }
    }
}

/// The output folder under construction, and its atomic swap into place.
struct Staging {
    let output: String
    let folder: String

    init(output: String) throws(CadenzaError) {
        let manager = FileManager.default
        self.output = URL(fileURLWithPath: output).standardizedFileURL.path
        folder = self.output + ".partial"
        var isFolder: ObjCBool = false
        if manager.fileExists(atPath: self.output, isDirectory: &isFolder) {
            let contents = (try? manager.contentsOfDirectory(atPath: self.output)) ?? []
            guard isFolder.boolValue, contents.isEmpty || contents.contains("manifest.json") else {
                throw .badInput(file: output, location: nil, problem: "exists and is not a Cadenza dataset", hint: "choose a new or empty folder for -o; nothing was changed")
            }
        }
        try? manager.removeItem(atPath: folder)  // left by an interrupted run
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: folder, problem: "cannot create the folder", hint: "check the path and permissions")
        }
    }

    func path(_ name: String) -> String { folder + "/" + name }

    /// Replaces the output folder with the finished one.
    func publish() throws(CadenzaError) {
        let manager = FileManager.default
        let old = output + ".old"
        try? manager.removeItem(atPath: old)
        if manager.fileExists(atPath: output) {
            do { try manager.moveItem(atPath: output, toPath: old) } catch {
                throw .writeFailed(file: output, problem: "cannot move the previous dataset aside", hint: "the new one is complete in \(folder)")
            }
        }
        do { try manager.moveItem(atPath: folder, toPath: output) } catch {
            throw .writeFailed(file: output, problem: "cannot move the finished dataset into place", hint: "it is complete in \(folder)")
        }
        try? manager.removeItem(atPath: old)
    }
}
