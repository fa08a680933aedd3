import Cadenza
import MusicScore

/// A model as the API lists it.
public struct ServedModel: Sendable, Equatable, Codable {
    /// The name requests use: `default` for the embedded model, else the file's name.
    public var id: String
    /// The weights' hash (`cdz-…`), as in the provenance of every generated file.
    public var identifier: String
    public var description: String
    public var genres: [String]
    /// The model card (Markdown), when the checkpoint carries one.
    public var card: String?

    public init(id: String, identifier: String, description: String, genres: [String], card: String?) {
        (self.id, self.identifier, self.description, self.genres, self.card) = (id, identifier, description, genres, card)
    }
}

/// One generation the API asked for, checked for shape but not yet against the model.
public struct GenerationJob: Sendable {
    /// A `ServedModel.id`; nil for the first (default) model.
    public var model: String?
    public var request: GenerationRequest
    /// The piece to continue, already parsed.
    public var prompt: Score?
    /// Hash of the prompt's bytes, for the provenance.
    public var promptHash: String?

    public init(model: String? = nil, request: GenerationRequest, prompt: Score? = nil, promptHash: String? = nil) {
        (self.model, self.request, self.prompt, self.promptHash) = (model, request, prompt, promptHash)
    }
}

/// A finished piece as the API returns it.
public struct GenerationResult: Sendable {
    /// Identifier of the model that wrote it (`cdz-…`).
    public var model: String
    public var seed: UInt64
    /// Bars generated (after the prompt).
    public var bars: Int
    /// Wall-clock time the generation took, in seconds.
    public var seconds: Double
    public var notes: [NoteEvent]
    /// The Standard MIDI File.
    public var midi: [UInt8]
    /// The provenance record embedded in the file, as a JSON object.
    public var provenanceJSON: String

    public init(model: String, seed: UInt64, bars: Int, seconds: Double, notes: [NoteEvent], midi: [UInt8], provenanceJSON: String) {
        (self.model, self.seed, self.bars, self.seconds) = (model, seed, bars, seconds)
        (self.notes, self.midi, self.provenanceJSON) = (notes, midi, provenanceJSON)
    }
}

/// What a running generation reports: each note as it is produced, then the piece.
public enum ServiceEvent: Sendable {
    case note(NoteEvent)
    case finished(GenerationResult)
}

/// The model side of the server, behind a protocol so that router tests run against a fake
/// with no model and no socket.
public protocol GenerationService: Sendable {
    /// The served models; the first is the default.
    var models: [ServedModel] { get }
    /// Generations running now.
    var activeGenerations: Int { get }
    /// Starts a generation and returns its events: at once when a slot is free, else after a
    /// bounded wait in line. Throws `.busy` when the line is full or the wait too long, and a
    /// request error (naming the field) when the job does not fit the model. The slot is freed
    /// when the generation has stopped (the stream ended or its consumer cancelled it).
    func start(_ job: GenerationJob) async throws(ServerError) -> AsyncThrowingStream<ServiceEvent, any Error>
}
