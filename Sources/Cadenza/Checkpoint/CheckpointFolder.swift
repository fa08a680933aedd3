import Foundation

/// A training output folder's checkpoints:
///
/// ```
/// OUT/step-000500/model.safetensors
/// OUT/step-000500/optimizer.safetensors
/// OUT/latest            one line: "step-000500"
/// ```
/// Both files of a step are written first; `latest` is rewritten (atomically) only after they
/// are complete, so a crash or Ctrl-C mid-save leaves `latest` naming the previous, whole
/// checkpoint. Nothing is deleted: every saved step stays (prune by hand).
public struct CheckpointFolder: Sendable {
    public static let pointerFile = "latest"

    /// The training output folder.
    public let root: String

    public init(_ root: String) {
        self.root = root
    }

    /// The folder name of step `step`: `step-000500` (at least 6 digits).
    public static func name(step: Int) -> String {
        let digits = String(step)
        return "step-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    public func folder(step: Int) -> String { root + "/" + Self.name(step: step) }

    /// Creates the step's folder (and the root) if needed and returns its path.
    public func prepare(step: Int) throws(CadenzaError) -> String {
        let path = folder(step: step)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: path, problem: "cannot create the folder: \(error.localizedDescription)", hint: "check that -o names a writable place")
        }
        return path
    }

    /// Points `latest` at step `step` (whose files must be complete).
    public func markLatest(step: Int) throws(CadenzaError) {
        try AtomicFileWriter.write(Array((Self.name(step: step) + "\n").utf8), to: root + "/" + Self.pointerFile)
    }

    /// The folder `latest` names, nil when there is no pointer. The pointer is checked: one
    /// `step-N` name of an existing folder inside `root`, nothing else.
    public func latest() throws(CadenzaError) -> String? {
        let pointer = root + "/" + Self.pointerFile
        guard FileManager.default.fileExists(atPath: pointer) else { return nil }
        let text = String(decoding: try InputFile.read(pointer, maximumBytes: 4096), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard step(ofName: text) != nil else {
            throw .badInput(file: pointer, location: "line 1", problem: "\"\(text.prefix(40))\" is not a checkpoint name like step-000500", hint: "write the name of an existing step folder into it")
        }
        let path = root + "/" + text
        guard FileManager.default.fileExists(atPath: path + "/" + Checkpoint.modelFile) else {
            throw .badInput(file: pointer, location: "line 1", problem: "names \(text), which holds no \(Checkpoint.modelFile)", hint: "write the name of an existing step folder into it")
        }
        return path
    }

    /// N of a `step-N` name, nil for anything else.
    func step(ofName name: String) -> Int? {
        let digits = name.dropFirst(5)
        guard name.hasPrefix("step-"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
        return n
    }
}
