import ArgumentParser
import Cadenza
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Side-by-side benchmarks against the Python reference libraries.",
        discussion: "Scripts/bench.sh sets up the Python side (a virtual environment from PyPI) and runs these.",
        subcommands: [BenchParse.self, BenchTokenize.self, BenchTrain.self, BenchGenerate.self, BenchTrainWorker.self])
}

struct BenchOptions: ParsableArguments {
    @Option(help: "Folder of MIDI files to time over.")
    var corpus = "../shared/data/midi-genre-v1/train"

    @Option(help: "Timed passes; the median is reported.")
    var repeats = 3

    @Option(name: .customLong("reference-python"), help: "Python with symusic and miditok installed (Scripts/bench.sh makes one).")
    var referencePython = ".venv-bench/bin/python"

    @Option(name: .customLong("reference-script"), help: "The reference timing script.")
    var referenceScript = "Scripts/bench_reference.py"
}

struct BenchParse: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse", abstract: "MIDI bytes → score: Cadenza against symusic (C++).")
    @OptionGroup var options: BenchOptions

    func run() throws { try BenchReport.run("parse", options, CorpusBenchmark.parse) }
}

struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Score → tokens: Cadenza against MidiTok REMI.")
    @OptionGroup var options: BenchOptions

    func run() throws { try BenchReport.run("tokenize", options, CorpusBenchmark.tokenize) }
}

/// Runs the Python reference script (or a benchmark worker process) and reads its `RESULT {json}` line.
enum ReferenceRunner {
    static func run(_ what: String, _ options: BenchOptions) throws -> CorpusBenchmark.Timing? {
        guard FileManager.default.isExecutableFile(atPath: options.referencePython) else {
            Terminal.note("(no reference: \(options.referencePython) not found; run Scripts/bench.sh to set it up)")
            return nil
        }
        let json = try resultJSON(
            executable: options.referencePython,
            arguments: [options.referenceScript, what, "--corpus", options.corpus, "--repeats", String(options.repeats)],
            name: options.referenceScript)
        return try JSONDecoder().decode(CorpusBenchmark.Timing.self, from: json)
    }

    /// Runs `executable` with `arguments` (stderr passes through to ours) and returns the JSON
    /// of the last stdout line that starts with `RESULT `. `name` is what an error calls the run.
    static func resultJSON(executable: String, arguments: [String], name: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") })
        else {
            throw CadenzaError.badInput(file: name, location: nil, problem: "the run failed (exit \(process.terminationStatus), no RESULT line)", hint: "run it by hand to see why")
        }
        return Data(line.dropFirst(7).utf8)
    }
}

enum BenchReport {
    /// Times Cadenza's side, then the Python reference over the same corpus, and prints both.
    static func run(_ what: String, _ options: BenchOptions, _ ours: ([[UInt8]], Int) -> CorpusBenchmark.Timing) throws {
        let blobs = try CorpusBenchmark.loadCorpus(options.corpus)
        let timing = ours(blobs, options.repeats)
        let theirs = try ReferenceRunner.run(what, options)
        print(what: what, ours: timing, theirs: theirs, rate: { $0.notesPerSecond }, unit: "notes/s")
    }

    static func print(what: String, ours: CorpusBenchmark.Timing, theirs: CorpusBenchmark.Timing?, rate: (CorpusBenchmark.Timing) -> Double, unit: String) {
        func row(_ t: CorpusBenchmark.Timing) -> String {
            let name = t.library.padding(toLength: 24, withPad: " ", startingAt: 0)
            var s = "\(name) \(fmt(t.filesPerSecond, 0).leftPad(9)) files/s  \(fmt(t.notesPerSecond / 1e6, 2).leftPad(7)) M notes/s  \(fmt(t.megabytesPerSecond, 1).leftPad(7)) MB/s"
            if t.tokens > 0 {
                s += "  \(fmt(t.tokensPerSecond / 1e6, 2).leftPad(7)) M tokens/s, \(fmt(Double(t.tokens) / t.beats, 1)) tokens/beat"
            }
            s += "  median of \(t.repeats.count): \(fmt(t.seconds * 1000, 1)) ms, \(t.files) files, \(t.failed) failed"
            return s
        }
        Terminal.print("\(what): one core, bytes in memory")
        Terminal.print(row(ours))
        if let theirs {
            Terminal.print(row(theirs))
            Terminal.print("ratio (Cadenza / \(theirs.library)), \(unit): \(fmt(rate(ours) / rate(theirs), 2))×")
        }
    }

    static func fmt(_ value: Double, _ digits: Int) -> String { Terminal.decimal(value, digits) }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
