import ArgumentParser
import Cadenza
import Tokenization

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the tokens Cadenza's models see for a MIDI file.",
        discussion: """
            The tokenizer is REMI-style with several tracks: Bar, Position (12 per quarter note),
            Program, Pitch or DrumPitch, Velocity, Duration, Tempo, TimeSignature, plus BOS, Genre
            and EOS. It quantizes first; `cadenza tokenize FILE --json` also gives the ids and the
            tokens per beat.
            """)

    @Argument(help: "The MIDI file.")
    var file: String

    @Option(help: "Genre token to start with (one of the tokenizer's genres).")
    var genre = "unconditional"

    @Flag(help: "Print JSON: ids, token names, counts.")
    var json = false

    func validate() throws {
        guard TokenizerConfig().genreSlot(named: genre) != nil else {
            throw ValidationError("unknown genre '\(genre)'; choose one of \(TokenizerConfig().genres.joined(separator: ", "))")
        }
    }

    func run() throws {
        let loaded = try ScoreLoader.load(path: file)
        let tokenizer = Tokenizer()
        let ids = tokenizer.encode(loaded.score, genre: tokenizer.config.genreSlot(named: genre)!)
        let names = ids.map { tokenizer.describe(tokenizer.vocabulary.token(for: $0)!) }
        let beats = tokenizer.canonicalize(loaded.score).durationQuarters
        let perBeat = beats > 0 ? Double(ids.count) / beats : 0
        if json {
            struct Output: Encodable {
                var file: String, genre: String, count: Int, tokensPerBeat: Double, ids: [Int], tokens: [String]
            }
            Terminal.print(try JSONText.encode(Output(
                file: file, genre: genre, count: ids.count, tokensPerBeat: (perBeat * 1000).rounded() / 1000,
                ids: ids, tokens: names)))
        } else {
            // One bar per line reads like a score.
            var line: [String] = []
            for name in names {
                if name == "Bar" && !line.isEmpty { Terminal.print(line.joined(separator: " ")); line = [] }
                line.append(name)
            }
            if !line.isEmpty { Terminal.print(line.joined(separator: " ")) }
            Terminal.note("\(ids.count) tokens, \(Terminal.decimal(perBeat, 1)) per beat")
        }
    }
}

