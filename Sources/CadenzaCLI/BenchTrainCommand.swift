import ArgumentParser
import Cadenza
import Foundation

/// `cadenza bench train`: training tokens/s of the three reference configurations, Cadenza and
/// PyTorch (`bench_models.py train`) in the same run.
///
/// Each configuration and batch size trains in a child process (`cadenza bench train-worker`),
/// so its peak RSS is that configuration's alone, as each reference run is its own Python
/// process.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s: Cadenza against PyTorch eager (bench_models.py train), side by side.",
        discussion: """
            Scripts/bench.sh train     sets up .venv-pyref (PyTorch) once, builds
                                       in release and runs this (on a quiet machine).
            cadenza bench train --config transformer-medium --batch-sizes 16 --precision both
            cadenza bench train --quick --reference-python /nonexistent   (smoke run)

            Both sides train sequence 512 on one random batch from a fixed seed at
            learning rate 1e-3: --warmup untimed steps, then --repeats windows of
            --window-steps steps; each side reports its median window's tokens/s.
            Cadenza's step is the real one (forward, backward, clip to norm 1, AdamW
            with weight decay 0.01), in a child process per row so that its peak RSS
            is that row's; PyTorch's is Adam without clipping. Both sides wait for an
            idle machine (--idle-timeout) and measure a busy window again.
            """)

    @OptionGroup var options: ModelBenchOptions

    @Option(name: .customLong("batch-sizes"), help: "Comma-separated batch sizes. [default: 16,64; --quick: 16]")
    var batchSizes: String?

    @Option(name: .customLong("seq-len"), help: "Tokens per sequence. The reference trains 512 only; other values time Cadenza alone (smoke tests).")
    var sequenceLength = 512

    @Option(help: "Untimed steps before the windows. [default: 2; --quick: 1]")
    var warmup: Int?

    @Option(name: .customLong("window-steps"), help: "Steps per timed window (--repeats windows). [default: 3; --quick: 1]")
    var windowSteps: Int?

    @Option(help: "PyTorch's arithmetic: fp32 (eager), bf16 (autocast, --bf16), or both. Cadenza trains fp32 only.")
    var precision: ReferencePrecision = .fp32

    @Option(name: .customLong("peak-gflops"), help: "The machine's fp32 peak, GFLOP/s, for % of peak. [default: measured in this run, an FMA loop on the same threads]")
    var peakGigaflops: Double?

    enum ReferencePrecision: String, ExpressibleByArgument, CaseIterable {
        case fp32, bf16, both
        var modes: [Bool] { self == .fp32 ? [false] : self == .bf16 ? [true] : [false, true] }
    }

    func validate() throws {
        try options.validate()
        guard sequenceLength >= 1 && sequenceLength <= 512 else { throw ValidationError("--seq-len must be 1...512 (the presets' context)") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup must be at least 0") }
        if let windowSteps, windowSteps < 1 { throw ValidationError("--window-steps must be at least 1") }
        _ = try batches()
    }

    func batches() throws -> [Int] {
        let text = batchSizes ?? (options.quick ? "16" : "16,64")
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { throw ValidationError("--batch-sizes: give positive integers, e.g. 16,64") }
        return values.map { $0! }
    }

    /// One row of the table: a configuration at one batch size.
    struct Row {
        var configuration: TrainingBenchmark.Configuration
        var batchSize: Int
        var ours: Result<TrainingBenchmark.Result, Error>
        /// By bf16 flag; nil when the reference did not run.
        var reference: [Bool: Result<ReferenceTraining, Error>] = [:]
    }

    func run() throws {
        let configurations = try options.configurations(default: options.quick ? [.transformerSmall] : TrainingBenchmark.Configuration.allCases)
        let batches = try batches()
        let (warmup, windows, steps) = (warmup ?? (options.quick ? 1 : 2), options.repeats ?? (options.quick ? 2 : 3), windowSteps ?? (options.quick ? 1 : 3))
        var reference = options.referenceAvailable(command: "train")
        if reference && sequenceLength != 512 {
            Terminal.note("(no reference: bench_models.py trains sequence 512 only; --seq-len \(sequenceLength) times Cadenza alone)")
            reference = false
        }
        let worker = try ChildProcess.selfExecutable()
        var rows: [Row] = []
        for configuration in configurations {
            for batch in batches {
                Terminal.note("bench train: \(configuration.rawValue), batch \(batch): Cadenza…")
                let arguments = ["bench", "train-worker", "--config", configuration.rawValue, "--batch-size", String(batch),
                                 "--seq-len", String(sequenceLength), "--warmup", String(warmup), "--windows", String(windows),
                                 "--window-steps", String(steps), "--threads", String(options.threads), "--idle-timeout", options.idleTimeoutArgument]
                var row = Row(configuration: configuration, batchSize: batch, ours: Result(catching: {
                    let json = try ReferenceRunner.resultJSON(executable: worker, arguments: arguments, name: "cadenza bench train-worker")
                    return try JSONDecoder().decode(TrainingBenchmark.Result.self, from: json)
                }))
                if reference {
                    for bf16 in precision.modes {
                        Terminal.note("bench train: \(configuration.rawValue), batch \(batch): PyTorch \(bf16 ? "bf16 autocast" : "fp32")…")
                        var script = [options.referenceScript, "train", "--model", configuration.referenceName, "--batch", String(batch),
                                      "--threads", String(options.referenceThreads), "--warmup", String(warmup), "--steps", String(windows * steps),
                                      "--windows", String(windows), "--idle-timeout", options.idleTimeoutArgument]
                        if bf16 { script.append("--bf16") }
                        row.reference[bf16] = Result(catching: {
                            let json = try ReferenceRunner.resultJSON(executable: options.referencePython, arguments: script, name: options.referenceScript)
                            let result = try JSONDecoder().decode(ReferenceTraining.self, from: json)
                            guard result.bf16 == bf16 else {
                                throw CadenzaError.badInput(file: options.referenceScript, location: "RESULT bf16", problem: "is \(result.bf16), but \(bf16 ? "bf16" : "fp32") was asked for", hint: "check --reference-script")
                            }
                            return result
                        })
                    }
                }
                rows.append(row)
            }
        }
        printReport(rows, reference: reference, warmup: warmup, windows: windows, steps: steps)
        let failures = rows.filter { if case .failure = $0.ours { return true } else { return false } }
        if !failures.isEmpty {
            throw CadenzaError.badInput(file: "cadenza bench train", location: nil, problem: "\(failures.count) Cadenza run(s) failed", hint: "see the messages above")
        }
    }

    func printReport(_ rows: [Row], reference: Bool, warmup: Int, windows: Int, steps: Int) {
        let threads = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
        // Measured after the rows, on an idle machine, like them (a shared VM's clock moves).
        if peakGigaflops == nil { _ = MachineLoad.waitIdle(timeout: options.effectiveIdleTimeout) }
        let peakRepeats = options.quick ? 1 : 3 // a smoke run's figures are not a measurement anyway
        let peak = peakGigaflops ?? TrainingBenchmark.measuredPeakGigaflops(threads: threads, repeats: peakRepeats)
        let modes = reference ? precision.modes : []
        func name(_ bf16: Bool) -> String { bf16 ? "PyTorch bf16" : "PyTorch fp32" }
        var headers = ["config", "batch", "Cadenza tok/s", "GFLOP/s", "% peak"]
        for bf16 in modes { headers += ["\(name(bf16)) tok/s", "GFLOP/s", "ratio"] }
        headers += ["RSS Cadenza"]
        for bf16 in modes { headers += ["RSS \(name(bf16))"] }
        headers += ["busy cores"]
        var table = BenchTable(headers: headers, leftAligned: [0])
        var notes: [String] = []
        for row in rows {
            var cells = [row.configuration.rawValue, String(row.batchSize)]
            var busy: [Double] = []
            switch row.ours {
            case .success(let r):
                cells += [BenchTable.grouped(r.tokensPerSecond), Terminal.decimal(r.achievedGigaflops, 1), Terminal.decimal(100 * r.achievedGigaflops / peak, 0) + "%"]
                busy += r.foreignCores
            case .failure(let error):
                cells += ["failed", "–", "–"]
                notes.append("\(row.configuration.rawValue) batch \(row.batchSize), Cadenza: \(error)")
            }
            for bf16 in modes {
                switch row.reference[bf16] {
                case .success(let p)?:
                    let ratio = (try? row.ours.get()).map { Terminal.decimal($0.tokensPerSecond / p.tokensPerSecond, 2) + "×" } ?? "–"
                    cells += [BenchTable.grouped(p.tokensPerSecond), Terminal.decimal(p.achievedGigaflops, 1) + " (\(Terminal.decimal(100 * p.achievedGigaflops / peak, 0))%)", ratio]
                    busy += p.foreignCores
                case .failure(let error)?:
                    cells += ["failed", "–", "–"]
                    notes.append("\(row.configuration.rawValue) batch \(row.batchSize), \(name(bf16)): \(error)")
                case nil:
                    cells += ["–", "–", "–"]
                }
            }
            cells.append((try? row.ours.get()).map { BenchTable.megabytes($0.peakResidentMegabytes) } ?? "–")
            for bf16 in modes { cells.append((try? row.reference[bf16]?.get()).map { BenchTable.megabytes($0.peakResidentMegabytes) } ?? "–") }
            cells.append(busy.isEmpty ? "–" : Terminal.decimal(busy.max()!, 2))
            table.rows.append(cells)
        }
        Terminal.print("bench train: sequence \(sequenceLength), \(threads) threads, lr 1e-3, random tokens (seed 1); "
            + "\(warmup) warm-up + \(windows) windows × \(steps) steps, median window")
        Terminal.print(table.render())
        if reference { Terminal.print("ratio = Cadenza tok/s ÷ PyTorch tok/s (aims: ≥ 1.5× PyTorch fp32 eager, ≥ 1.0× bf16 autocast; ≥ 65% of peak on transformer-medium; RSS no higher than PyTorch's).") }
        Terminal.print("GFLOP/s = tok/s × model FLOPs per token as models.py's train_flops_per_token counts them (transformer-small 33.8 M, medium 165.2 M, lstm-attention-small 31.5 M at 512).")
        if let peakGigaflops {
            Terminal.print("% peak of \(Terminal.decimal(peakGigaflops, 1)) GFLOP/s (given with --peak-gflops).")
        } else {
            Terminal.print("% peak of \(Terminal.decimal(peak, 1)) GFLOP/s: this machine's fp32 FMA peak on \(threads) threads, measured in this run (12 independent vector FMA chains per thread, best of \(peakRepeats); PERFORMANCE-FACTS.md quotes 116.8 per Zen 4 core; --peak-gflops overrides).")
        }
        Terminal.print("Cadenza: forward, backward, clip to norm 1, AdamW (weight decay 0.01), fp32; PyTorch: Adam, no clipping. RSS = each process's peak resident set (one process per row and side).")
        if precision != .fp32 {
            Terminal.print("Cadenza's bf16 training is not implemented yet: its figures are fp32 in every row"
                + (reference ? ", and the bf16 ratio compares them with PyTorch's bf16 autocast." : "."))
        }
        if !reference {
            Terminal.print("PyTorch side not run (see above). `Scripts/bench.sh train` sets up .venv-pyref from ../shared/reference/pytorch/requirements.txt and runs both sides.")
        }
        Terminal.print("busy cores = most CPU other processes used during a timed window (either side); above 0.15 the figures are unreliable.")
        for note in notes { Terminal.note("failed: \(note)") }
    }
}

/// Hidden: trains one configuration and prints `RESULT {json}` (a `TrainingBenchmark.Result`),
/// so that `bench train` reads each configuration's peak RSS from its own process.
struct BenchTrainWorker: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-worker", abstract: "One configuration of `bench train` (internal).", shouldDisplay: false)

    @Option var config: String
    @Option(name: .customLong("batch-size")) var batchSize = 16
    @Option(name: .customLong("seq-len")) var sequenceLength = 512
    @Option var warmup = 2
    @Option var windows = 3
    @Option(name: .customLong("window-steps")) var windowSteps = 3
    @Option var threads = 2
    @Option(name: .customLong("idle-timeout")) var idleTimeout: Double = 600

    func run() throws {
        guard let configuration = TrainingBenchmark.Configuration(name: config) else {
            throw ValidationError("--config \(config) is not one of \(TrainingBenchmark.Configuration.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var settings = TrainingBenchmark.Settings()
        (settings.batchSize, settings.sequenceLength, settings.warmupSteps) = (batchSize, sequenceLength, warmup)
        (settings.windows, settings.stepsPerWindow, settings.threads, settings.idleTimeout) = (windows, windowSteps, threads, idleTimeout)
        let result = try TrainingBenchmark.run(configuration.model, name: configuration.rawValue, settings: settings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        Terminal.print("RESULT " + String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}

/// The fields of `bench_models.py train`'s RESULT line that the report uses.
struct ReferenceTraining: Decodable {
    var tokensPerSecond: Double
    var achievedGigaflops: Double
    var peakResidentMegabytes: Double
    var foreignCores: [Double]
    var bf16: Bool
    var torch: String

    enum CodingKeys: String, CodingKey {
        case tokensPerSecond = "tok_s", achievedGigaflops = "achieved_gflops", peakResidentMegabytes = "peak_rss_mb"
        case foreignCores = "foreign_cores", bf16, torch
    }
}

/// The flags `bench train` and `bench generate` share.
struct ModelBenchOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "Configurations, comma-separated or repeated: lstm-attention-small, transformer-small, transformer-medium. [default: all three; --quick: transformer-small]")
    var configs: [String] = []

    @Option(help: "Timed windows (train) or runs (generate); the median is reported. [default: 3; --quick: 2 (train), 1 (generate)]")
    var repeats: Int?

    @Option(help: "Threads on both sides (0 = every core); the reference's default is 2.")
    var threads = 2

    @Flag(help: "A smoke run: one configuration, few steps or tokens. Not a measurement.")
    var quick = false

    @Option(name: .customLong("idle-timeout"), help: "Seconds both sides wait for an idle machine before each window or run; 0 skips the wait on Cadenza's side. [default: 600; --quick: 0]")
    var idleTimeout: Double?

    @Option(name: .customLong("reference-python"), help: "Python with torch installed (Scripts/bench.sh makes .venv-pyref).")
    var referencePython = ".venv-pyref/bin/python"

    @Option(name: .customLong("reference-script"), help: "The PyTorch reference benchmark.")
    var referenceScript = "../shared/reference/pytorch/bench_models.py"

    func validate() throws {
        if let repeats, repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if threads < 0 { throw ValidationError("--threads must be 0 (every core) or more") }
        if let idleTimeout, idleTimeout < 0 || !idleTimeout.isFinite { throw ValidationError("--idle-timeout must be 0 or more seconds") }
        _ = try configurations(default: [])
    }

    var effectiveIdleTimeout: Double { idleTimeout ?? (quick ? 0 : 600) }

    /// `effectiveIdleTimeout` as a child's argument ("600", "0.5").
    var idleTimeoutArgument: String { String(format: "%g", effectiveIdleTimeout) }

    /// `--threads` for the reference, where 0 would be refused: every core.
    var referenceThreads: Int { threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount }

    func configurations(default fallback: [TrainingBenchmark.Configuration]) throws -> [TrainingBenchmark.Configuration] {
        let names = configs.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        if names.isEmpty { return fallback }
        return try names.map { name in
            guard let configuration = TrainingBenchmark.Configuration(name: name) else {
                throw ValidationError("--config \(name) is not one of \(TrainingBenchmark.Configuration.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return configuration
        }
    }

    /// True when the reference Python and script exist; otherwise says how to set them up.
    func referenceAvailable(command: String) -> Bool {
        let setup = "`Scripts/bench.sh \(command)` creates .venv-pyref from ../shared/reference/pytorch/requirements.txt"
        guard FileManager.default.isExecutableFile(atPath: referencePython) else {
            Terminal.note("(no PyTorch reference: \(referencePython) not found; \(setup), or pass --reference-python)")
            return false
        }
        guard FileManager.default.fileExists(atPath: referenceScript) else {
            Terminal.note("(no PyTorch reference: \(referenceScript) not found; pass --reference-script, or run from the package root beside ../shared)")
            return false
        }
        return true
    }
}

/// A plain text table with right-aligned numbers.
struct BenchTable {
    var headers: [String]
    var leftAligned: Set<Int>
    var rows: [[String]] = []

    func render() -> String {
        let widths = headers.indices.map { column in ([headers] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                leftAligned.contains(column) ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0) : cell.leftPad(widths[column])
            }.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// 12345.6 → "12,346".
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let digits = String(Int(value.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// MB (2²⁰ bytes) → "1,234 MB".
    static func megabytes(_ value: Double) -> String { grouped(value) + " MB" }
}

/// Child processes of the benchmarks.
enum ChildProcess {
    /// This executable's path, for re-invoking it (Linux: /proc/self/exe).
    static func selfExecutable() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        if let url = Bundle.main.executableURL { return url.path }
        throw CadenzaError.invalidSetting(field: "bench", problem: "cannot find the cadenza executable to start worker processes", hint: "run it by its full path")
    }
}
