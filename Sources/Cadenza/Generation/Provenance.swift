import Foundation
import MusicScore

/// Where a generated file came from, stored in it as a MIDI text meta event at tick 0:
/// `cadenza-provenance {JSON}`. With the model (found by its id) and these fields the file can
/// be generated again byte for byte.
public struct Provenance: Sendable, Equatable, Codable {
    public static let prefix = "cadenza-provenance "

    /// Cadenza version that wrote the file.
    public var cadenza: String
    /// The model's id: a hash of its weights (`GenerationModel.identifier`).
    public var model: String
    /// Architecture and size, for people ("transformer small").
    public var modelDescription: String
    /// The request, seed included.
    public var request: GenerationRequest
    /// Bars taken from a prompt file (0 without one) and that file's content hash.
    public var promptBars: Int
    public var promptHash: String?

    public init(model: String, modelDescription: String, request: GenerationRequest, promptBars: Int, promptHash: String?) {
        (cadenza, self.model, self.modelDescription, self.request) = (CadenzaVersion.string, model, modelDescription, request)
        (self.promptBars, self.promptHash) = (promptBars, promptHash)
    }

    /// The meta event's text: the prefix and compact JSON with sorted keys (stable bytes).
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        return Self.prefix + json
    }

    /// The provenance a score carries, if any (the first text event with the prefix).
    public static func read(from score: Score) -> Provenance? {
        for event in score.texts where event.text.hasPrefix(prefix) {
            let json = Data(event.text.dropFirst(prefix.count).utf8)
            if let provenance = try? JSONDecoder().decode(Provenance.self, from: json) { return provenance }
        }
        return nil
    }
}
