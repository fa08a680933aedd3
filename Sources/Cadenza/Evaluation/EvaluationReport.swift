import Engine
import Foundation

/// The files `cadenza evaluate` writes: report.md (the per-genre table, then the details),
/// report.json (every figure), overlap.svg and perplexity.svg.
public struct EvaluationReport: Sendable, Codable {
    public var model: String
    public var modelDescription: String
    public var dataset: String
    public var tokenization: String
    public var samplesPerGenre: Int
    public var bars: Int
    public var sampling: SamplingSettings
    public var judgeAccuracy: Double?
    public var genres: [GenreEvaluation]

    public init(model: GenerationModel, dataset: String, options: Evaluator.Options, judge: (any GenreJudge)?, genres: [GenreEvaluation]) {
        self.model = model.identifier
        modelDescription = model.description
        self.dataset = dataset
        let c = model.tokenizer.config
        tokenization = "Cadenza REMI, \(model.tokenizer.vocabulary.size) tokens: \(c.stepsPerQuarter) positions per quarter, \(c.velocityBins) velocity bins, \(c.durationSteps.count) durations, \(c.tempoBins) tempo bins, programs and drums"
        samplesPerGenre = options.samples
        bars = options.bars
        sampling = options.sampling
        judgeAccuracy = judge?.realAccuracy
        self.genres = genres
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.0f%%", $0 * 100) } ?? "–" }
    static func number(_ x: Double?, _ digits: Int = 2) -> String { x.map { String(format: "%.\(digits)f", $0) } ?? "–" }

    /// The Markdown report.
    public var markdown: String {
        var lines = ["# Evaluation of \(model)", "",
                     "\(modelDescription). Held-out data: `\(dataset)` (validation split, by group). "
                     + "\(samplesPerGenre) generated pieces of \(bars) bars per genre (temperature \(sampling.temperature), top-p \(sampling.topP), min-p \(sampling.minP), guidance \(sampling.guidance)). Tokenization: \(tokenization).", ""]
        lines.append("| Genre | Features learned (generated; real) | Perplexity | Bits per note | Style similarity | Feature overlap | Copied 4-bar windows | Longest copied run | Grammar errors before constraints |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for g in genres {
            let learned = zip(g.learned, g.learnedReal).map { "\($0) (real: \($1))" }.joined(separator: "; ")
            let similarity = g.styleSimilarity.map { Self.percent($0) + " (p \(Self.number(g.meanGenreProbability)))" } ?? "no judge"
            lines.append("| \(g.genre) | \(learned.isEmpty ? "–" : learned) | \(Self.number(g.perplexity)) | \(Self.number(g.bitsPerNote)) | \(similarity) | \(Self.number(g.meanOverlapArea)) | \(g.copiedWindows) of \(g.checkedWindows) | \(g.longestCopiedRun) notes | \(Self.percent(g.grammarErrorRate)) of \(g.unconstrainedTokens) |")
        }
        lines += ["", "- Perplexity: exp of the mean cross-entropy per token on held-out windows; bits per note: the same log-likelihood in bits divided by the notes predicted (it does not depend on the tokenization).",
                  "- Style similarity: the share of generated pieces the style classifier assigns to the requested genre (both of its views must agree), with its mean probability"
                  + (judgeAccuracy.map { "; the classifier's own accuracy on held-out real pieces is \(Self.percent($0))" } ?? "") + ".",
                  "- Feature overlap: mean overlapping area (0–1, higher is closer) of generated against held-out real pieces over the features below (Yang & Lerch's MGEval).",
                  "- Copies: generated 4-bar windows found note for note in the training data, and the longest run of consecutive notes found there (8-note runs and longer are searched); originality index of the dataset.",
                  "- Grammar errors: share of tokens sampled without the grammar mask that break the token grammar; generation applies the mask, so its outputs have none.",
                  "- Features learned: the descriptors that set each genre's generated music apart from the other genres' (largest z-scores), with the real pieces' values.", ""]
        for g in genres {
            lines += ["## \(g.genre)", "",
                      "Held-out: \(g.validationTokens) tokens, \(g.validationNotes) notes; generated: \(g.generatedPieces) pieces, \(g.generatedNotes) notes.", "",
                      "| Feature | Unit | Real mean ± sd | Generated mean ± sd | Overlap | KL |", "|---|---|---|---|---|---|"]
            for row in g.features.rows {
                func s(_ x: FeatureReport.Summary?) -> String { x.map { "\(Self.number($0.mean)) ± \(Self.number($0.standardDeviation))" } ?? "–" }
                lines.append("| \(row.name) | \(row.unit) | \(s(row.real)) | \(s(row.generated)) | \(Self.number(row.overlapArea)) | \(Self.number(row.klDivergence)) |")
            }
            lines.append("")
        }
        lines.append("Charts: overlap.svg (feature overlap per genre), perplexity.svg.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A grouped bar chart: one group per genre, one bar per feature (overlapping area).
    public var overlapChart: String {
        let features = genres.first?.features.rows.map(\.name) ?? []
        let series = genres.map { g in (g.genre, g.features.rows.map { $0.overlapArea ?? 0 }) }
        return BarChart(title: "Feature overlap with held-out real music (MGEval, 0–1)", groups: series, legend: features, maximum: 1).svg
    }

    public var perplexityChart: String {
        let maximum = (genres.compactMap(\.perplexity).max() ?? 1) * 1.15
        return BarChart(title: "Held-out perplexity per token", groups: genres.map { ($0.genre, [$0.perplexity ?? 0]) }, legend: ["perplexity"], maximum: maximum).svg
    }
}

/// Minimal SVG grouped bar chart (no script, no external resources).
struct BarChart {
    let title: String
    let groups: [(String, [Double])]
    let legend: [String]
    let maximum: Double
    static let colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6"]

    var svg: String {
        let perGroup = max(legend.count, 1), barWidth = 10.0, gap = 24.0
        let left = 56.0, top = 40.0, plotHeight = 260.0
        let plotWidth = Double(groups.count) * (Double(perGroup) * barWidth + gap) + gap
        let legendHeight = Double((legend.count + 2) / 3) * 16 + 10
        let width = left + plotWidth + 20, height = top + plotHeight + 40 + legendHeight
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(f(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(title)</text>\n"
        for i in 0...4 {
            let value = maximum * Double(i) / 4, y = top + plotHeight - plotHeight * Double(i) / 4
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(String(format: maximum >= 10 ? "%.0f" : "%.2f", value))</text>\n"
        }
        for (g, (name, values)) in groups.enumerated() {
            let x0 = left + gap + Double(g) * (Double(perGroup) * barWidth + gap)
            for (i, v) in values.enumerated() {
                let h = plotHeight * min(max(v / maximum, 0), 1)
                out += "<rect x=\"\(f(x0 + Double(i) * barWidth))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth - 1))\" height=\"\(f(h))\" fill=\"\(Self.colors[i % Self.colors.count])\"><title>\(name) \(legend.indices.contains(i) ? legend[i] : ""): \(String(format: "%.3f", v))</title></rect>"
            }
            out += "<text x=\"\(f(x0 + Double(perGroup) * barWidth / 2))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(name)</text>\n"
        }
        for (i, name) in legend.enumerated() {
            let x = left + Double(i % 3) * 230, y = top + plotHeight + 40 + Double(i / 3) * 16
            out += "<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"10\" height=\"10\" fill=\"\(Self.colors[i % Self.colors.count])\"/><text x=\"\(f(x + 14))\" y=\"\(f(y))\">\(name)</text>\n"
        }
        return out + "</svg>\n"
    }
}
