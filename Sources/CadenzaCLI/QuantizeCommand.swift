import ArgumentParser
import Cadenza
import Foundation

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write an int8 copy of a model for faster generation.",
        discussion: """
            cadenza quantize --model runs/ft -o model-int8.safetensors
            cadenza quantize --model runs/ft -o model-int8.safetensors --data data/   (also measures)

            Every matrix and embedding is stored as int8 with one fp32 scale per row
            (W ≈ scale · Q); biases and LayerNorms stay fp32. `cadenza generate --model` loads the
            file and runs its matrix products in int8. With --data, both models run the dataset's
            validation windows through the generation decoder and the command prints their
            perplexities, the relative change and the speed of each.
            """)

    @Option(help: "The model to quantize: a checkpoint, its folder, a training folder, or 'default'.")
    var model = "default"

    @Option(name: .shortAndLong, help: "Output .safetensors file.")
    var output: String

    @Option(help: "A model card (Markdown) to store in the file's metadata (default: the source's own card).")
    var card: String?

    @Option(help: "A dataset folder: measure validation perplexity and speed, fp32 against int8.")
    var data: String?

    @Option(help: "Validation windows to measure with --data.")
    var windows = 24

    @Option(name: .customLong("seq-len"), help: "Tokens per validation window with --data.")
    var sequenceLength = 256

    func validate() throws {
        guard windows >= 1 else { throw ValidationError("--windows must be at least 1") }
        guard sequenceLength >= 2 else { throw ValidationError("--seq-len must be at least 2") }
    }

    func run() throws {
        let source = try ModelLoading.load(model)
        guard source.storage != .int8 else {
            throw CadenzaError.invalidSetting(field: "model", problem: "\(source.source) is already int8", hint: "quantize the fp32 or fp16 checkpoint")
        }
        let cardText = try card.map { String(decoding: try InputFile.read($0, maximumBytes: 1 << 20), as: UTF8.self) } ?? source.card
        try Checkpoint.writeModel(source.model, metadata: source.metadata, to: output, storage: .int8, card: cardText)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        Terminal.print("\(output): int8, \(Terminal.decimal(Double(size) / 1e6, 1)) MB (fp32 would be \(Terminal.decimal(Double(source.model.parameterCount * 4) / 1e6, 1)) MB)")
        guard let data else { return }
        let quantized = try GenerationModel.load(output)
        let manifest = try DatasetManifest.load(from: data)
        let context = min(sequenceLength, source.metadata.model.contextLength ?? sequenceLength)
        let batcher = try TrainingBatcher(dataset: data, manifest: manifest, split: "validation", sequenceLength: context)
        let exact = DecoderPerplexity.measure(source, int8: false, batcher: batcher, windows: windows)
        let int8 = DecoderPerplexity.measure(quantized, int8: true, batcher: batcher, windows: windows)
        let change = (int8.perplexity / exact.perplexity - 1) * 100
        Terminal.print("validation, \(exact.countedTokens) tokens in \(windows) windows of \(context):")
        Terminal.print("  fp32  perplexity \(Terminal.decimal(exact.perplexity, 4))  \(Terminal.decimal(exact.millisecondsPerStep, 3)) ms per token")
        Terminal.print("  int8  perplexity \(Terminal.decimal(int8.perplexity, 4))  \(Terminal.decimal(int8.millisecondsPerStep, 3)) ms per token")
        Terminal.print("  change \(change >= 0 ? "+" : "")\(Terminal.decimal(change, 2))% perplexity, \(Terminal.decimal(exact.seconds / max(int8.seconds, 1e-9), 2))× faster")
    }
}
