import ArgumentParser
import Cadenza
import Engine
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a model per genre on held-out music: perplexity, style, features, copies.",
        discussion: """
            cadenza evaluate --model runs/ft --data data/ -o eval/ [--classifier classifier/]

            --data is a `cadenza dataset build` output: its validation split (held out by group) is
            the real music, and its originality index finds verbatim copies of the training data.
            Writes eval/report.md (a table per genre, then every feature), report.json,
            overlap.svg and perplexity.svg.
            """)

    @Option(help: "The model: a checkpoint, its folder, a training folder, or 'default'.")
    var model = "default"

    @Option(help: "Dataset folder from `cadenza dataset build` (validation split + originality index).")
    var data: String

    @Option(name: .shortAndLong, help: "Output folder for report.md, report.json and the SVG charts.")
    var output: String

    @Option(help: "Generated pieces per genre.")
    var samples = 30

    @Option(help: "Bars per generated piece.")
    var bars = 16

    @Option(help: "First seed of the generated pieces.")
    var seed: UInt64 = 0

    @Option(help: "A style classifier folder from `cadenza train-classifier` (style similarity is skipped without one).")
    var classifier: String?

    @Flag(help: "Generate with int8 matrix products.")
    var int8 = false

    @Option(help: "Sampling temperature of the generated pieces.")
    var temperature: Float = 1

    @Option(name: .customLong("top-p"), help: "Nucleus sampling of the generated pieces (1 = off).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Min-p filter of the generated pieces (0 = off).")
    var minP: Float = 0

    @Option(help: "Classifier-free guidance of the generated pieces (1 = plain model).")
    var guidance: Float = 5

    func validate() throws {
        guard samples >= 2 && samples <= 1000 else { throw ValidationError("--samples must be 2...1000") }
        guard bars >= 1 && bars <= 256 else { throw ValidationError("--bars must be 1...256") }
    }

    func run() throws {
        let loaded = try ModelLoading.load(model)
        var options = Evaluator.Options()
        (options.samples, options.bars, options.seed, options.int8) = (samples, bars, seed, int8)
        options.sampling = SamplingSettings(temperature: temperature, topP: topP, minP: minP, guidance: guidance)
        let judge = try classifier.map(ClassifierLoading.load)
        let evaluator = Evaluator(model: loaded, dataset: data, options: options, judge: judge)
        let results = try evaluator.run { Terminal.note($0) }
        let report = EvaluationReport(model: loaded, dataset: data, options: options, judge: judge, genres: results)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try AtomicFileWriter.write(Array(report.markdown.utf8), to: output + "/report.md")
        try AtomicFileWriter.write(Array(try JSONText.encode(report).utf8), to: output + "/report.json")
        try AtomicFileWriter.write(Array(report.overlapChart.utf8), to: output + "/overlap.svg")
        try AtomicFileWriter.write(Array(report.perplexityChart.utf8), to: output + "/perplexity.svg")
        Terminal.print(report.markdown.split(separator: "\n").prefix(4 + results.count).joined(separator: "\n"))
        Terminal.note("report: \(output)/report.md")
    }
}

/// `--classifier`: a folder from `cadenza train-classifier`.
enum ClassifierLoading {
    static func load(_ path: String) throws -> any GenreJudge {
        try StyleClassifierJudge(folder: path)
    }
}
