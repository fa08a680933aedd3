import Foundation

/// The per-step record of a run, written as `OUT/loss.csv` and drawn as `OUT/loss.svg`.
///
/// The CSV has the header `step,train_loss,val_loss,lr,tokens_per_second`; `val_loss` is empty
/// on steps without validation. Losses are mean cross-entropy in nats per token. Both files are
/// rewritten atomically from memory whenever the trainer validates, saves or stops, so they
/// always agree with each other; a resumed run reloads the rows up to its checkpoint's step.
public struct TrainingLog: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// 1-based: the row of the update that made step `step`.
        public var step: Int
        public var trainLoss: Float
        public var validationLoss: Float?
        public var learningRate: Float
        public var tokensPerSecond: Double
    }

    public static let header = "step,train_loss,val_loss,lr,tokens_per_second"
    public private(set) var rows: [Row] = []

    public init() {}

    public mutating func append(_ row: Row) {
        rows.append(row)
    }

    /// Records a validation loss on the row of `step` (added when absent).
    public mutating func setValidationLoss(_ loss: Float, step: Int) {
        if let i = rows.lastIndex(where: { $0.step == step }) {
            rows[i].validationLoss = loss
        } else {
            rows.append(Row(step: step, trainLoss: .nan, validationLoss: loss, learningRate: 0, tokensPerSecond: 0))
        }
    }

    /// The CSV text. Losses print with 9 significant digits, enough to round-trip a Float.
    public var csv: String {
        var text = Self.header + "\n"
        for r in rows {
            let val = r.validationLoss.map { String(format: "%.9g", Double($0)) } ?? ""
            let train = r.trainLoss.isNaN ? "" : String(format: "%.9g", Double(r.trainLoss))
            text += "\(r.step),\(train),\(val),\(String(format: "%.9g", Double(r.learningRate))),\(String(format: "%.1f", r.tokensPerSecond))\n"
        }
        return text
    }

    /// Reads `loss.csv` rows with step ≤ `throughStep` (for resuming). A file that is missing
    /// gives an empty log; a malformed one is an error naming the line.
    public static func load(_ path: String, throughStep: Int) throws(CadenzaError) -> TrainingLog {
        var log = TrainingLog()
        guard FileManager.default.fileExists(atPath: path) else { return log }
        let text = String(decoding: try InputFile.read(path, maximumBytes: 1 << 30), as: UTF8.self)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5, let step = Int(fields[0]), let lr = Float(fields[3]), let rate = Double(fields[4]) else {
                throw .badInput(file: path, location: "line \(number + 1)", problem: "is not step,train_loss,val_loss,lr,tokens_per_second", hint: "delete or repair loss.csv")
            }
            guard step <= throughStep else { continue }
            log.rows.append(Row(step: step, trainLoss: Float(fields[1]) ?? .nan, validationLoss: Float(fields[2]),
                                learningRate: lr, tokensPerSecond: rate))
        }
        return log
    }

    /// Writes `loss.csv` and `loss.svg` into `folder`.
    public func write(into folder: String) throws(CadenzaError) {
        try AtomicFileWriter.write(Array(csv.utf8), to: folder + "/loss.csv")
        try AtomicFileWriter.write(Array(LossChart(log: self).svg.utf8), to: folder + "/loss.svg")
    }
}
