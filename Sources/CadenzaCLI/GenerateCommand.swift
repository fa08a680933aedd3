import ArgumentParser
import Cadenza
import Engine
import Foundation
import MusicScore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate new music in a genre as a MIDI file.",
        discussion: """
            cadenza generate --genre jazz -o jazz.mid
            cadenza generate --genre folk --bars 32 --tempo 110 --key G --seed 7 -o tune.mid
            cadenza generate --genre pop --instruments piano,bass,drums --count 4 -o takes/
            cadenza generate --genre classical --prompt start.mid --prompt-bars 4 -o more.mid

            Every output decodes to valid MIDI: constraints (instruments, tempo, meter, key, length)
            mask the model's choices instead of being checked afterwards. The same model, flags and
            --seed give byte-identical files. Each file carries a text meta event with the model id,
            the settings and the seed (`cadenza inspect` shows it).
            """)

    @Option(help: "A checkpoint (model.safetensors, its folder, or a training folder), or 'default' (the embedded model).")
    var model = "default"

    @Option(help: "Genre to generate (see --list-genres).")
    var genre: String?

    @Option(help: "Bars to generate after the prompt.")
    var bars = 16

    @Option(help: "Length in seconds instead of bars (ends at the first bar line after it).")
    var seconds: Double?

    @Option(help: "Sampler seed: same seed, same file.")
    var seed: UInt64 = 0

    @Option(help: "Sampling temperature: below 1 safer, above 1 wilder; 0 always takes the likeliest token.")
    var temperature: Float = 1

    @Option(name: .customLong("top-k"), help: "Sample among the k likeliest tokens only (0 = off).")
    var topK = 0

    @Option(name: .customLong("top-p"), help: "Nucleus sampling: the likeliest tokens covering this probability (1 = off).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Drop tokens below this fraction of the likeliest token's probability (0 = off).")
    var minP: Float = 0

    @Option(help: "Style strength (classifier-free guidance): 1 = plain model, higher = more of the genre; other than 1 runs the model twice per token.")
    var guidance: Float = 5

    @Option(help: "A MIDI file to continue.")
    var prompt: String?

    @Option(name: .customLong("prompt-bars"), help: "Bars of the prompt to keep (default: all).")
    var promptBars: Int?

    @Option(help: "Allowed instruments: General MIDI program numbers (0–127) or names, and 'drums' (e.g. piano,bass,drums).")
    var instruments: String?

    @Option(help: "Tempo in BPM (quarter notes per minute), held for the whole piece.")
    var tempo: Double?

    @Option(help: "Key: C, F#, Bb, Am, C# minor…; pitched notes stay on its scale.")
    var key: String?

    @Option(name: .customLong("time-signature"), help: "Meter held for the whole piece, e.g. 3/4 or 6/8.")
    var timeSignature: String?

    @Option(name: .customLong("ensemble-bars"), help: "Bars during which new instruments may enter; after them the ensemble is fixed (0 = never fixed).")
    var ensembleBars = 4

    @Option(help: "Number of variations (seeds seed, seed+1, …); then -o is a folder of GENRE-SEED.mid.")
    var count = 1

    @Option(name: .shortAndLong, help: "Output file (default GENRE-SEED.mid), or a folder with --count.")
    var output: String?

    @Flag(help: "Run the matrix products in int8 (faster, about 1% less accurate).")
    var int8 = false

    @Flag(name: .customLong("list-genres"), help: "List the model's genres and exit.")
    var listGenres = false

    @Flag(name: .customLong("model-card"), help: "Print the model's card (data, licences, training, evaluation, limits) and exit.")
    var modelCard = false

    @Flag(help: "Print each note to stdout as a JSON line as soon as it is generated.")
    var stream = false

    func validate() throws {
        guard count >= 1 && count <= 1000 else { throw ValidationError("--count must be 1...1000") }
        guard ensembleBars >= 0 else { throw ValidationError("--ensemble-bars must be 0 or more") }
        guard bars >= 1 && bars <= GenerationRequest.maximumBars else { throw ValidationError("--bars must be 1...\(GenerationRequest.maximumBars)") }
        if let promptBars, promptBars < 1 { throw ValidationError("--prompt-bars must be at least 1") }
        if promptBars != nil && prompt == nil { throw ValidationError("--prompt-bars needs --prompt") }
        if !listGenres && !modelCard && genre == nil { throw ValidationError("--genre is required (see --list-genres)") }
    }

    func run() throws {
        let started = ContinuousClock.now
        let loaded = try ModelLoading.load(model)
        if listGenres {
            Terminal.print(loaded.genres.joined(separator: "\n"))
            return
        }
        if modelCard {
            Terminal.print(loaded.card ?? "\(loaded.source) has no model card (\(loaded.description), id \(loaded.identifier)).")
            return
        }
        var request = GenerationRequest(
            genre: genre ?? "", bars: seconds == nil ? bars : GenerationRequest.maximumBars, seconds: seconds, seed: seed,
            sampling: SamplingSettings(temperature: temperature, topK: topK, topP: topP, minP: minP, guidance: guidance),
            instruments: try instruments.map(Self.parseInstruments), tempo: tempo, timeSignature: timeSignature, key: key,
            promptBars: promptBars, ensembleBars: ensembleBars > 0 ? ensembleBars : nil)
        var promptScore: Score?, promptHash: String?
        if let prompt {
            let bytes = try InputFile.read(prompt)
            promptScore = try ScoreLoader.load(bytes: bytes, path: prompt).score
            promptHash = StableHasher.hex(StableHasher.hash(bytes))
        }
        let generator = Generator(model: loaded, int8: int8)
        let folder = count > 1 ? (output ?? ".") : nil
        if let folder { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for variation in 0..<count {
            request.seed = seed &+ UInt64(variation)
            let name = "\(request.genre.lowercased())-\(request.seed).mid"
            let path = folder.map { $0 + "/" + name } ?? output ?? name
            if let prompt, Self.sameFile(prompt, path) {
                throw CadenzaError.invalidSetting(field: "output", problem: "\(path) is the prompt file", hint: "inputs are never overwritten; choose another -o")
            }
            var first = true
            let piece = try generator.generate(request, prompt: promptScore, promptHash: promptHash) { note in
                if first, variation == 0 {
                    first = false
                    let ms = Self.milliseconds(since: started)
                    Terminal.note("first note after \(Terminal.decimal(ms, 0)) ms")
                }
                if stream { Terminal.print(Self.jsonLine(note)) }
                return true
            }!
            try AtomicFileWriter.write(piece.midi, to: path)
            let perToken = piece.seconds * 1000 / Double(max(piece.decoderSteps, 1))
            Terminal.note("\(path): \(piece.bars) bars, \(piece.notes.count) notes, \(piece.tokens.count) tokens in "
                + "\(Terminal.decimal(piece.seconds, 2)) s (\(Terminal.decimal(perToken, 2)) ms per step), model \(loaded.identifier)")
        }
    }

    /// "piano,bass,33,drums" → programs (128 = drums).
    /// A name that is not an instrument is a usage mistake (exit 2), as other bad flag values are.
    static func parseInstruments(_ text: String) throws -> [Int] {
        do { return try InstrumentNames.programs(text, field: "--instruments") } catch { throw ValidationError(error.description) }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath() == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds * 1000
    }

    static func jsonLine(_ note: NoteEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(note)) ?? Data(), as: UTF8.self)
    }
}

/// `--model`: a checkpoint path, or `default` for the embedded model.
enum ModelLoading {
    static func load(_ name: String) throws -> GenerationModel { try GenerationModel.named(name) }
}
