import ArgumentParser
import Cadenza
import Foundation

/// `cadenza bench generate`: batch-1 latency per token, Cadenza and PyTorch (`bench_models.py
/// gen`) in the same run, plus the time from starting `cadenza generate` to its first note.
struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generation ms/token (fp32, int8) and time to first note: Cadenza against PyTorch (bench_models.py gen).",
        discussion: """
            Scripts/bench.sh generate  sets up .venv-pyref (PyTorch) once, builds
                                       in release and runs this (on a quiet machine).
            cadenza bench generate --config transformer-small --precision int8
            cadenza bench generate --quick --reference-python /nonexistent   (smoke run)

            Both sides generate --tokens tokens from BOS under genre slot 3 with
            random-initialised weights, batch 1: one step (KV cache, LSTM state) and
            one temperature-1 sample per token, timed together; each reports the
            median over --repeats runs of the mean and p99 ms per token.

            Time to first note: `cadenza generate --model M --genre G` runs as a child
            process; the time from starting it to its "first note after … ms" line is
            reported. Without --first-note-model: the embedded default model, or else
            a transformer-small checkpoint trained for one real step on --fixtures.
            """)

    @OptionGroup var options: ModelBenchOptions

    @Option(help: "New tokens per run (at most 512, the context). [default: 512; --quick: 32]")
    var tokens: Int?

    @Option(help: "fp32, int8, or both.")
    var precision: Precision = .both

    @Option(name: .customLong("first-note-model"), help: "Checkpoint for the time-to-first-note run. [default: the embedded model, else one trained for 1 step on --fixtures]")
    var firstNoteModel: String?

    @Option(help: "Genre for the time-to-first-note run.")
    var genre = "jazz"

    @Option(help: "MIDI folder (genre subfolders, manifest.csv) to train the 1-step checkpoint on.")
    var fixtures = "Tests/Fixtures"

    @Flag(name: .customLong("skip-first-note"), help: "Do not measure the time to first note.")
    var skipFirstNote = false

    enum Precision: String, ExpressibleByArgument, CaseIterable {
        case fp32, int8, both
        var modes: [Bool] { self == .fp32 ? [false] : self == .int8 ? [true] : [false, true] }
    }

    func validate() throws {
        try options.validate()
        if let tokens, tokens < 1 || tokens > 512 { throw ValidationError("--tokens must be 1...512 (the presets' context)") }
    }

    struct Row {
        var configuration: TrainingBenchmark.Configuration
        var int8: Bool
        var ours: Result<GenerationBenchmark.Result, Error>
        var reference: Result<ReferenceGeneration, Error>?
    }

    func run() throws {
        let configurations = try options.configurations(default: options.quick ? [.transformerSmall] : TrainingBenchmark.Configuration.allCases)
        var settings = GenerationBenchmark.Settings()
        settings.newTokens = tokens ?? (options.quick ? 32 : 512)
        settings.runs = options.repeats ?? (options.quick ? 1 : 3)
        settings.warmupTokens = min(32, settings.newTokens)
        settings.threads = options.threads
        settings.idleTimeout = options.effectiveIdleTimeout
        let reference = options.referenceAvailable(command: "generate")
        var rows: [Row] = []
        for configuration in configurations {
            for int8 in precision.modes {
                let label = "\(configuration.rawValue) \(int8 ? "int8" : "fp32")"
                Terminal.note("bench generate: \(label): Cadenza…")
                var row = Row(configuration: configuration, int8: int8, ours: Result(catching: {
                    try GenerationBenchmark.run(configuration.model, name: configuration.rawValue, int8: int8, settings: settings)
                }))
                if reference {
                    Terminal.note("bench generate: \(label): PyTorch…")
                    var script = [options.referenceScript, "gen", "--model", configuration.referenceName, "--threads", String(options.referenceThreads),
                                  "--new", String(settings.newTokens), "--runs", String(settings.runs), "--idle-timeout", options.idleTimeoutArgument]
                    if int8 { script.append("--quant") }
                    row.reference = Result(catching: {
                        let json = try ReferenceRunner.resultJSON(executable: options.referencePython, arguments: script, name: options.referenceScript)
                        let result = try JSONDecoder().decode(ReferenceGeneration.self, from: json)
                        guard result.quant == int8 else {
                            throw CadenzaError.badInput(file: options.referenceScript, location: "RESULT quant", problem: "is \(result.quant), but \(int8 ? "int8" : "fp32") was asked for", hint: "check --reference-script")
                        }
                        return result
                    })
                }
                rows.append(row)
            }
        }
        let firstNote = skipFirstNote ? nil : measureFirstNote(runs: settings.runs, reference: reference)
        printReport(rows, settings: settings, reference: reference)
        if let firstNote { Terminal.print(firstNote) }
        let failures = rows.filter { if case .failure = $0.ours { return true } else { return false } }
        if !failures.isEmpty {
            throw CadenzaError.badInput(file: "cadenza bench generate", location: nil, problem: "\(failures.count) Cadenza run(s) failed", hint: "see the messages above")
        }
    }

    /// Issue 4's aims for Cadenza's mean ms/token.
    static func aim(_ configuration: TrainingBenchmark.Configuration, int8: Bool) -> Double? {
        switch (configuration, int8) {
        case (.transformerSmall, false): 0.5
        case (.transformerSmall, true): 0.25
        case (.lstmAttentionSmall, true): 0.3
        case (.transformerMedium, true): 1.5
        default: nil
        }
    }

    func printReport(_ rows: [Row], settings: GenerationBenchmark.Settings, reference: Bool) {
        func ms(_ value: Double) -> String { Terminal.decimal(value, value < 10 ? 3 : 1) }
        var headers = ["config", "precision", "Cadenza ms/token", "p99"]
        if reference { headers += ["PyTorch ms/token", "p99", "ratio", "ratio p99"] }
        headers += ["aim", "busy cores"]
        var table = BenchTable(headers: headers, leftAligned: [0, 1])
        var notes: [String] = []
        for row in rows {
            var cells = [row.configuration.rawValue, row.int8 ? "int8" : "fp32"]
            var busy: [Double] = []
            let ours = try? row.ours.get()
            if let ours {
                cells += [ms(ours.meanMilliseconds), ms(ours.p99Milliseconds)]
                busy += ours.runs.map(\.foreignCores)
            } else {
                cells += ["failed", "–"]
                if case .failure(let error) = row.ours { notes.append("\(row.configuration.rawValue) \(cells[1]), Cadenza: \(error)") }
            }
            if reference {
                switch row.reference {
                case .success(let p)?:
                    cells += [ms(p.meanMilliseconds), ms(p.p99Milliseconds)]
                    cells += ours.map { [Terminal.decimal(p.meanMilliseconds / $0.meanMilliseconds, 2) + "×", Terminal.decimal(p.p99Milliseconds / $0.p99Milliseconds, 2) + "×"] } ?? ["–", "–"]
                    busy += p.runs.map(\.foreignCores)
                case .failure(let error)?:
                    cells += ["failed", "–", "–", "–"]
                    notes.append("\(row.configuration.rawValue) \(cells[1]), PyTorch: \(error)")
                case nil:
                    cells += ["–", "–", "–", "–"]
                }
            }
            if let aim = Self.aim(row.configuration, int8: row.int8) {
                cells.append("≤ \(Terminal.decimal(aim, 2))" + (ours.map { $0.meanMilliseconds <= aim ? " met" : " not met" } ?? ""))
            } else {
                cells.append("–")
            }
            cells.append(busy.isEmpty ? "–" : Terminal.decimal(busy.max()!, 2))
            table.rows.append(cells)
        }
        Terminal.print("bench generate: batch 1, \(settings.newTokens) new tokens per run, median of \(settings.runs) run(s), \(settings.threads == 0 ? "all" : String(settings.threads)) threads, temperature 1")
        Terminal.print(table.render())
        if reference { Terminal.print("ratio = PyTorch ms ÷ Cadenza ms (above 1: Cadenza is faster); aims from issue 4, for Cadenza's mean.") }
        // int8 speed-up per configuration where both precisions ran (issue 4: at least 2× fp32).
        for configuration in Set(rows.map(\.configuration)).sorted(by: { $0.rawValue < $1.rawValue }) {
            let pair = rows.filter { $0.configuration == configuration }
            guard let fp32 = pair.first(where: { !$0.int8 }), let int8 = pair.first(where: { $0.int8 }),
                  let a = try? fp32.ours.get(), let b = try? int8.ours.get() else { continue }
            var line = "int8 speed-up, \(configuration.rawValue): Cadenza \(Terminal.decimal(a.meanMilliseconds / b.meanMilliseconds, 2))×"
            if let p = try? fp32.reference?.get(), let q = try? int8.reference?.get() {
                line += ", PyTorch \(Terminal.decimal(p.meanMilliseconds / q.meanMilliseconds, 2))×"
            }
            Terminal.print(line + " (aim ≥ 2×)")
        }
        Terminal.print("Cadenza: random-initialised weights through TransformerDecoder / LSTMAttentionDecoder (KV cache, carried LSTM state), int8 = every matrix per-row int8 (head included); PyTorch: quantize_dynamic of Linear and LSTM.")
        if !reference {
            Terminal.print("PyTorch side not run (see above). `Scripts/bench.sh generate` sets up .venv-pyref from ../shared/reference/pytorch/requirements.txt and runs both sides.")
        }
        Terminal.print("busy cores = most CPU other processes used during a timed run (either side); above 0.15 the figures are unreliable.")
        for note in notes { Terminal.note("failed: \(note)") }
    }

    // MARK: Time to first note

    /// Runs `cadenza generate` `runs` times and returns the report line (or why it could not).
    func measureFirstNote(runs: Int, reference: Bool) -> String {
        let scratch = NSTemporaryDirectory() + "cadenza-bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let model: String, shown: String, about: String
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            if let firstNoteModel {
                (model, shown, about) = (firstNoteModel, firstNoteModel, firstNoteModel)
            } else if try GenerationModel.embedded() != nil {
                (model, shown, about) = ("default", "default", "the embedded default model")
            } else {
                guard FileManager.default.fileExists(atPath: fixtures) else {
                    return "time to first note: not measured: no embedded model, no --first-note-model, and no \(fixtures) to train a 1-step checkpoint on (run from the package root or pass --fixtures)"
                }
                Terminal.note("bench generate: training a 1-step transformer-small checkpoint on \(fixtures)…")
                model = try Self.trainOneStepCheckpoint(fixtures: fixtures, scratch: scratch, threads: options.threads)
                shown = "<1-step checkpoint>"
                about = "a transformer-small checkpoint trained 1 step on \(fixtures) (untrained weights, real file)"
            }
        } catch {
            return "time to first note: not measured: \(error)"
        }
        var wall: [Double] = [], reported: [Double] = []
        do {
            let executable = try ChildProcess.selfExecutable()
            for run in 0..<runs {
                Terminal.note("bench generate: time to first note, run \(run + 1) of \(runs)…")
                let arguments = ["generate", "--model", model, "--genre", genre, "--seed", String(run), "-o", scratch + "/x.mid"]
                let (w, r) = try Self.firstNote(executable: executable, arguments: arguments)
                wall.append(w)
                reported.append(r)
            }
        } catch {
            return "time to first note: not measured: \(error)"
        }
        func median(_ values: [Double]) -> String { Terminal.decimal(values.sorted()[values.count / 2], 0) }
        var text = "time to first note: \(median(wall)) ms from starting `cadenza generate --model \(shown) --genre \(genre)` to its first-note line "
            + "(the process itself reports \(median(reported)) ms after entering main); median of \(runs); aim ≤ 100 ms; model: \(about)."
        if reference, let importTorch = try? Self.importTorchMilliseconds(python: options.referencePython, runs: runs) {
            text += "\nPyTorch for comparison: `import torch` alone takes \(Terminal.decimal(importTorch, 0)) ms (median of \(runs)), before any model or token."
        }
        return text
    }

    /// Builds a dataset from `fixtures` and trains transformer small for one real step on it;
    /// returns the checkpoint folder.
    static func trainOneStepCheckpoint(fixtures: String, scratch: String, threads: Int) throws -> String {
        var build = DatasetBuildOptions(input: fixtures, output: scratch + "/data")
        if FileManager.default.fileExists(atPath: fixtures + "/manifest.csv") { build.manifestCSV = fixtures + "/manifest.csv" }
        build.jobs = max(1, threads)
        _ = try DatasetBuilder(options: build).build()
        var training = TrainingOptions(data: scratch + "/data", output: scratch + "/run", model: .transformer(.small), steps: 1, warmupSteps: 0)
        training.batchSize = 1
        training.sequenceLength = 64
        training.validationWindows = 1
        training.threads = threads
        guard let checkpoint = try Trainer(options: training).run().lastCheckpoint else {
            throw CadenzaError.badInput(file: scratch + "/run", location: nil, problem: "the 1-step training run wrote no checkpoint", hint: "pass --first-note-model")
        }
        return checkpoint
    }

    /// Starts the executable, waits for "first note after N ms" on its stderr, then stops it.
    /// Returns (ms from starting the process to reading the line, N).
    static func firstNote(executable: String, arguments: [String]) throws -> (Double, Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardError = pipe
        let start = ContinuousClock.now
        try process.run()
        var text = ""
        var found: (Double, Double)?
        while found == nil {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // the process closed stderr: it ended without a first note
            text += String(decoding: chunk, as: UTF8.self)
            if let marker = text.range(of: "first note after "), let unit = text[marker.upperBound...].range(of: " ms"),
               let reported = Double(text[marker.upperBound..<unit.lowerBound]) {
                found = (GenerateCommand.milliseconds(since: start), reported)
            }
        }
        // The rest of the piece is not needed; stop the child (ours, by its own handle).
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        guard let found else {
            let last = text.split(separator: "\n").last.map(String.init) ?? "no output"
            throw CadenzaError.badInput(file: "cadenza " + arguments.joined(separator: " "), location: nil, problem: "printed no first note (exit \(process.terminationStatus)): \(last)", hint: "check --first-note-model and --genre")
        }
        return found
    }

    /// Median wall time of `python -c "import torch"`, ms.
    static func importTorchMilliseconds(python: String, runs: Int) throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import torch"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = ContinuousClock.now
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw CadenzaError.badInput(file: python, location: nil, problem: "cannot import torch", hint: "") }
            times.append(GenerateCommand.milliseconds(since: start))
        }
        return times.sorted()[times.count / 2]
    }
}

/// The fields of `bench_models.py gen`'s RESULT line that the report uses.
struct ReferenceGeneration: Decodable {
    struct Run: Decodable {
        var foreignCores: Double
        enum CodingKeys: String, CodingKey { case foreignCores = "foreign_cores" }
    }
    var meanMilliseconds: Double
    var p99Milliseconds: Double
    var quant: Bool
    var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case meanMilliseconds = "mean_ms", p99Milliseconds = "p99_ms", quant, runs
    }
}
