import Foundation
import MusicScore

/// What a live generation reports: each note as soon as its last token is sampled, then the
/// finished piece (MIDI bytes, provenance).
public enum GenerationEvent: Sendable {
    case note(NoteEvent)
    case finished(GeneratedPiece)
}

extension Generator: @unchecked Sendable {}

extension Generator {
    /// Generates on a thread of its own (generation is CPU-bound and must not block Swift's
    /// cooperative pool) and delivers its notes as an `AsyncSequence`, for the server and for
    /// anything that plays while the model writes. Cancelling the consuming task, or dropping
    /// the stream, stops generation at the next note.
    ///
    /// One generation at a time per `Generator`: start the next one after `onExit` (called on
    /// the generation thread once it has stopped touching this generator), since a cancelled
    /// stream ends for its consumer before the thread reaches its next note.
    public func events(_ request: GenerationRequest, prompt: Score? = nil, promptHash: String? = nil,
                       onExit: (@Sendable () -> Void)? = nil)
        -> AsyncThrowingStream<GenerationEvent, any Error>
    {
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream(bufferingPolicy: .unbounded)
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        let thread = Thread { [self] in
            defer { onExit?() }
            do {
                let piece = try generate(request, prompt: prompt, promptHash: promptHash) { note in
                    if stop.isSet { return false }
                    continuation.yield(.note(note))
                    return true
                }
                if let piece { continuation.yield(.finished(piece)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.name = "cadenza-generate"
        thread.stackSize = 1 << 22
        thread.start()
        return stream
    }
}

/// A flag set from one thread and read from another.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
