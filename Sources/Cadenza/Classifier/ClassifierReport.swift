import Foundation

/// `report.md` of `cadenza train-classifier`: how each view was trained, its accuracy per genre
/// and overall on held-out real pieces, its confusion matrix, how often it caught corrupted
/// copies, and how often both views agree (the judge's rule).
public enum ClassifierReport {
    /// The report for the two trained views and their evaluations on the same pieces.
    /// `command` is the command line that produced it, quoted so the figures can be reproduced;
    /// `evaluationWindows` the most windows a piece was scored on.
    public static func markdown(allTokens: (classifier: ViewClassifier, evaluation: ClassifierEvaluation),
                                instrumentBlind: (classifier: ViewClassifier, evaluation: ClassifierEvaluation),
                                dataset: String, command: String, evaluationWindows: Int) -> String {
        let views = [allTokens, instrumentBlind]
        let a = allTokens.evaluation, b = instrumentBlind.evaluation
        let classes = a.classes, genres = Array(classes.dropLast())
        let metadata = allTokens.classifier.metadata
        var out: [String] = []
        out.append("# Style classifier")
        out.append("")
        out.append("Made by `\(command)` (Cadenza \(metadata.cadenzaVersion)) from the dataset `\(dataset)` (tokenizer \(metadata.data.tokenizerFingerprint)).")
        out.append("")
        out.append("Two classifiers judge style (CONVENTIONS.md, \"Style similarity that texture cannot buy\"): **all-tokens** reads the tokens as the tokenizer wrote them; **instrument-blind** reads them without `Program` and drum tokens, every pitched note merged into one track. A piece is in a genre only when both give that genre the highest probability. Both also learn a class `corrupted`: real pieces with random pitches, pitches shuffled within bars, or onsets scattered within bars.")
        out.append("")
        out.append("Files: `\(StyleClassifier.allTokensFile)`, `\(StyleClassifier.instrumentBlindFile)` (safetensors; metadata `\(StyleClassifierMetadata.format)`).")
        out.append("")

        out.append("## Training")
        out.append("")
        out.append("| | all-tokens | instrument-blind |")
        out.append("|---|---|---|")
        let m = metadata.model
        out.append("| model | \(m.layers) non-causal encoder blocks, d \(m.channels), \(m.heads) heads, FFN \(m.feedForwardChannels), windows of \(m.contextLength) tokens, mean pooling, \(classes.count) classes | same |")
        out.append(row("parameters", views.map { grouped($0.classifier.model.parameterCount) }))
        out.append(row("steps × windows", views.map { "\($0.classifier.metadata.training.steps) × \($0.classifier.metadata.training.batchSize)" }))
        out.append(row("learning rate (peak, warm-up)", views.map { "\($0.classifier.metadata.training.learningRate), \($0.classifier.metadata.training.warmupSteps) steps" }))
        out.append(row("training time", views.map { String(format: "%.0f s", $0.classifier.metadata.training.seconds) }))
        out.append(row("final training loss (last 50 steps)", views.map { $0.classifier.metadata.training.finalLoss.map { String(format: "%.3f", $0) } ?? "–" }))
        out.append("")
        out.append("Training windows are drawn evenly over the \(classes.count) classes from the train split (seed \(metadata.training.seed)).")
        out.append("")

        out.append("## Held-out real pieces")
        out.append("")
        out.append("\(a.pieceCount) pieces of the validation split (held out by group). A piece's prediction is its most probable class, `corrupted` included, with probabilities averaged over up to \(evaluationWindows) windows of \(m.contextLength) tokens spread over the piece.")
        out.append("")
        out.append("| genre | pieces | all-tokens | instrument-blind | both views right |")
        out.append("|---|---:|---:|---:|---:|")
        for (g, genre) in genres.enumerated() {
            let count = a.piecesPerGenre[g]
            let both = a.pieces.indices.filter { a.pieces[$0].label == g && isRight(a, $0) && isRight(b, $0) }.count
            out.append("| \(genre) | \(count) | \(share(a.confusion[g][g], count)) | \(share(b.confusion[g][g], count)) | \(share(both, count)) |")
        }
        let bothAll = a.pieces.indices.filter { isRight(a, $0) && isRight(b, $0) }.count
        out.append("| **all pieces** | \(a.pieceCount) | \(percent(a.accuracy)) | \(percent(b.accuracy)) | \(share(bothAll, a.pieceCount)) |")
        out.append("| mean over genres | | \(percent(a.balancedAccuracy)) | \(percent(b.balancedAccuracy)) | |")
        out.append("")
        out.append(contentsOf: dataNotes(metadata))

        out.append("## Corrupted copies of the held-out pieces")
        out.append("")
        out.append("Each held-out piece once more, corrupted whole (the kinds in turn); the share judged `corrupted`:")
        out.append("")
        out.append("| corruption | pieces | all-tokens | instrument-blind |")
        out.append("|---|---:|---:|---:|")
        for kind in MusicCorruption.allCases {
            let x = a.corrupted[kind] ?? (0, 0), y = b.corrupted[kind] ?? (0, 0)
            out.append("| \(kind) | \(x.pieces) | \(share(x.detected, x.pieces)) | \(share(y.detected, y.pieces)) |")
        }
        out.append("| **all** | \(a.corrupted.values.reduce(0) { $0 + $1.pieces }) | \(percent(a.corruptedDetection)) | \(percent(b.corruptedDetection)) |")
        out.append("")

        out.append("## Confusion matrices")
        out.append("")
        out.append("Rows: the true genre; columns: the predicted class; counts of held-out real pieces.")
        for evaluation in [a, b] {
            out.append("")
            out.append("### \(evaluation.view)")
            out.append("")
            out.append("| true \\ predicted | " + classes.joined(separator: " | ") + " |")
            out.append("|---|" + String(repeating: "---:|", count: classes.count))
            for (g, genre) in genres.enumerated() {
                out.append("| \(genre) | " + evaluation.confusion[g].map(String.init).joined(separator: " | ") + " |")
            }
        }
        out.append("")
        return out.joined(separator: "\n")
    }

    private static func row(_ title: String, _ cells: [String]) -> String {
        "| \(title) | " + cells.joined(separator: " | ") + " |"
    }

    private static func isRight(_ e: ClassifierEvaluation, _ i: Int) -> Bool {
        ClassifierEvaluation.argmax(e.pieces[i].probabilities) == e.pieces[i].label
    }

    private static func share(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "–" : String(format: "%.0f%% (%d)", 100 * Double(part) / Double(whole), part)
    }

    private static func percent(_ value: Double?) -> String {
        value.map { String(format: "**%.1f%%**", 100 * $0) } ?? "–"
    }

    private static func grouped(_ n: Int) -> String {
        var digits = String(n), out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }

    /// What the figures mean for data that is not human music (CONVENTIONS.md asks to say so
    /// beside the figures): read from the dataset's source names.
    private static func dataNotes(_ metadata: StyleClassifierMetadata) -> [String] {
        var notes: [String] = []
        for source in metadata.data.sources where source.source.uppercased().hasPrefix("SYNTHETIC") {
            notes.append("- \(source.files) training and validation files come from \"\(source.source)\": generated music, so their genre's figure says how well the classifier recognises that generator.")
        }
        for source in metadata.data.sources where source.source.contains("Weimar Jazz") {
            notes.append("- Jazz from \"\(source.source)\" is a real solo line with bass and piano generated from its chord annotations.")
        }
        return notes.isEmpty ? [] : ["Data:", ""] + notes + [""]
    }
}
