import Cadenza
import CadenzaServer
import Foundation
import MIDIFormats
import MusicScore

/// A `GenerationService` with no model: it checks requests the way the real one does (genre,
/// model name, slots) and "generates" four quarter notes per bar at 120 BPM, as a real MIDI
/// file, so router, stream, OpenAPI and browser tests run in milliseconds.
final class FakeGenerationService: GenerationService, @unchecked Sendable {
    let models = [
        ServedModel(id: "default", identifier: "cdz-0123456789abcdef", description: "fake model, fp32",
                    genres: ["classical", "pop", "jazz"], card: "# Fake model\n\nFor tests."),
        ServedModel(id: "second", identifier: "cdz-fedcba9876543210", description: "second fake", genres: ["folk"], card: nil),
    ]
    let slots: Int
    /// Seconds between notes, so that streams are observable and slots stay taken a while.
    let noteDelay: Double
    private let lock = NSLock()
    private var active = 0
    private(set) var jobs: [GenerationJob] = []

    init(slots: Int = 2, noteDelay: Double = 0) {
        (self.slots, self.noteDelay) = (slots, noteDelay)
    }

    var activeGenerations: Int { lock.withLock { active } }
    var startedJobs: [GenerationJob] { lock.withLock { jobs } }

    func start(_ job: GenerationJob) async throws(ServerError) -> AsyncThrowingStream<ServiceEvent, any Error> {
        let id = job.model ?? models[0].id
        guard let model = models.first(where: { $0.id == id }) else {
            throw ServerError(.notFound, code: "not_found", field: "model", message: "there is no model \"\(id)\"")
        }
        guard model.genres.contains(job.request.genre) else {
            throw .invalid("genre", "\"\(job.request.genre)\" is not a genre of this model", hint: "choose one of: " + model.genres.joined(separator: ", "))
        }
        guard reserve(job) else { throw .busy(retryAfter: 3) }
        let notes = Self.notes(job.request)
        let result = GenerationResult(model: model.identifier, seed: job.request.seed, bars: job.request.bars, seconds: 0.01,
                                      notes: notes, midi: Self.midi(notes), provenanceJSON: Self.provenance(job, model))
        let delay = noteDelay
        let (stream, continuation) = AsyncThrowingStream<ServiceEvent, any Error>.makeStream()
        let task = Task {
            defer { self.lock.withLock { self.active -= 1 } }
            for note in notes {
                if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
                if Task.isCancelled { continuation.finish(); return }
                continuation.yield(.note(note))
            }
            continuation.yield(.finished(result))
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Takes a slot for `job`, or answers false when all are taken (the fake has no line).
    private func reserve(_ job: GenerationJob) -> Bool {
        lock.withLock {
            guard active < slots else { return false }
            active += 1
            jobs.append(job)
            return true
        }
    }

    /// The provenance record as the real service writes it.
    static func provenance(_ job: GenerationJob, _ model: ServedModel) -> String {
        let record = Provenance(model: model.identifier, modelDescription: model.description, request: job.request,
                                promptBars: job.prompt == nil ? 0 : (job.request.promptBars ?? 1), promptHash: job.promptHash)
        return String(record.text.dropFirst(Provenance.prefix.count))
    }

    static func notes(_ request: GenerationRequest) -> [NoteEvent] {
        let program = request.instruments?.first ?? 0
        return (0..<request.bars * 4).map { i in
            NoteEvent(bar: i / 4, startQuarters: Double(i), durationQuarters: 1, startSeconds: Double(i) * 0.5, durationSeconds: 0.5,
                      program: program, pitch: program == 128 ? 36 + i % 8 : 60 + Int((request.seed &+ UInt64(i)) % 12), velocity: 80)
        }
    }

    static func midi(_ notes: [NoteEvent]) -> [UInt8] {
        let tpq = 480
        var tracks: [Int: Track] = [:]
        for note in notes {
            var track = tracks[note.program] ?? Track(program: UInt8(min(note.program, 127)), channel: note.program == 128 ? 9 : 0, isDrum: note.program == 128)
            track.notes.append(Note(start: Int(note.startQuarters * Double(tpq)), duration: Int(note.durationQuarters * Double(tpq)),
                                    pitch: UInt8(note.pitch), velocity: UInt8(note.velocity)))
            tracks[note.program] = track
        }
        let score = Score(ticksPerQuarter: tpq, tracks: tracks.keys.sorted().map { tracks[$0]! },
                          tempos: [TempoChange(tick: 0, microsecondsPerQuarter: 500_000)])
        return MIDIFile(score: score).bytes()
    }
}
