import ArgumentParser
import Cadenza
import Foundation

struct TrainClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-classifier",
        abstract: "Train the style classifier that judges genre, and measure it on held-out pieces.",
        discussion: """
            Example:  cadenza train-classifier --data genre-data/ -o classifier/

            Trains two non-causal encoder classifiers on windows of 256 tokens
            from the training split: one reads all tokens, one is
            instrument-blind (no Program or drum tokens, every pitched note on
            one track). Besides the dataset's genres both learn a class
            'corrupted': real music with random pitches, pitches shuffled
            within bars, or onsets scattered. A generated piece counts as
            in-genre only when both views agree.

            Then each predicts every held-out piece of the validation split
            (probabilities averaged over its windows), and a corrupted copy
            of each.

            Output folder: all-tokens.safetensors and
            instrument-blind.safetensors (weights and metadata: classes,
            tokenizer, training, accuracy; readable by Python's safetensors),
            and report.md (accuracy per genre and overall, confusion matrices,
            corrupted copies caught, agreement of the two views). The default
            budget takes about ten minutes on two busy cores.
            """)

    @Option(help: "Dataset folder from `cadenza dataset build` (genre-labelled, with a validation split).")
    var data: String

    @Option(name: [.short, .customLong("output")], help: "Output folder for the two classifiers and report.md.")
    var output: String

    @Option(help: "Optimizer updates per view. [default: \(ClassifierTrainingOptions.defaultSteps)]")
    var steps: Int?

    @Option(help: "Seed for the initial weights, the batches and the corrupted validation copies. [default: 0]")
    var seed: UInt64?

    @Option(name: .customLong("batch-size"), help: "Windows per step, spread evenly over the classes. [default: 32]")
    var batchSize: Int?

    @Option(help: "Peak learning rate (warm-up over 5% of the steps, then cosine decay to a tenth). [default: 0.001]")
    var lr: Float?

    @Option(help: "Threads for matrix products; 0 = all cores. [default: 0]")
    var threads: Int?

    func validate() throws {
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if let threads, threads < 0 { throw ValidationError("--threads must not be negative") }
    }

    func run() throws {
        var options = ClassifierTrainingOptions(data: data)
        if let steps { options.steps = steps }
        if let seed { options.seed = seed }
        if let batchSize { options.batchSize = batchSize }
        if let threads { options.threads = threads }
        if let lr { options.learningRate = lr }
        let trainer = try StyleClassifierTrainer(options: options)
        let train = trainer.train, counts = train.piecesPerClass
        let genres = zip(train.classes.dropLast(), counts).map { "\($0) \($1)" }.joined(separator: ", ")
        Terminal.note("train-classifier: \(train.pieces.count) training pieces (\(genres)), \(trainer.validation.pieces.count) held out; "
                      + "\(trainer.modelConfiguration.classCount) classes; \(options.steps) steps of \(options.batchSize)×\(options.windowTokens) tokens per view")

        // One bar per phase (training, then validation, of each view), on one line each.
        var bar: ProgressBar?
        func phase(_ label: String, total: Int) -> ProgressBar {
            if let bar, bar.label == label { return bar }
            let next = ProgressBar(label: label, total: total)
            bar = next
            return next
        }
        let command = (["cadenza"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let summary = try trainer.run(output: output, command: command) { event in
            switch event {
            case .training(let p):
                phase("\(p.view)", total: p.totalSteps).update(
                    done: p.step, detail: "loss \(Terminal.decimal(Double(p.loss), 3)) acc \(Int((100 * p.accuracy).rounded()))% "
                        + "lr \(String(format: "%.2e", Double(p.learningRate))) \(Int(p.tokensPerSecond)) tok/s")
            case .evaluating(let view, let done, let total):
                phase("\(view) validation", total: total).update(done: done, detail: "pieces (real and corrupted)")
            case .saved:
                break
            }
        }
        func percent(_ value: Double?) -> String { value.map { Terminal.decimal(100 * $0, 1) + "%" } ?? "–" }
        let a = summary.allTokens.evaluation, b = summary.instrumentBlind.evaluation
        Terminal.print("""
            \(output): style classifier, \(a.pieceCount) held-out pieces
              all-tokens        accuracy \(percent(a.accuracy)), mean over genres \(percent(a.balancedAccuracy)), corrupted caught \(percent(a.corruptedDetection))
              instrument-blind  accuracy \(percent(b.accuracy)), mean over genres \(percent(b.balancedAccuracy)), corrupted caught \(percent(b.corruptedDetection))
              both views right  \(percent(summary.agreement))
              files             \(output)/\(StyleClassifier.allTokensFile), \(output)/\(StyleClassifier.instrumentBlindFile)
              report            \(summary.reportPath)
            """)
    }
}
