import Cadenza
import Foundation

/// The real `GenerationService`: loaded models, a fixed number of generation slots, and a pool
/// of `Generator`s per model (each holds its own caches, and an int8 decoder quantizes its
/// weights once, so generators are reused rather than made per request).
///
/// Generation runs on threads of its own (`Generator.events`), never on Swift's cooperative
/// pool, so a long piece cannot stall the HTTP event loops.
public final class ModelGenerationService: GenerationService, @unchecked Sendable {
    public let models: [ServedModel]
    private let loaded: [String: GenerationModel]
    private let limits: ServerLimits
    private let queue: GenerationQueue
    private let lock = NSLock()
    private var active = 0
    private var idle: [String: [Generator]] = [:]
    /// Recent generation times, for an honest Retry-After.
    private var recentSeconds: [Double] = []

    /// `models` pairs each served name (`default`, a file name) with its loaded model; the first
    /// is the default.
    public init(models: [(id: String, model: GenerationModel)], limits: ServerLimits) {
        precondition(!models.isEmpty, "a server needs at least one model")
        self.models = models.map {
            ServedModel(id: $0.id, identifier: $0.model.identifier, description: $0.model.description,
                        genres: $0.model.genres, card: $0.model.card)
        }
        loaded = Dictionary(models.map { ($0.id, $0.model) }, uniquingKeysWith: { first, _ in first })
        self.limits = limits
        queue = GenerationQueue(slots: limits.concurrentGenerations, maximumWaiting: limits.queuedGenerations)
    }

    public var activeGenerations: Int { lock.withLock { active } }

    public func start(_ job: GenerationJob) async throws(ServerError) -> AsyncThrowingStream<ServiceEvent, any Error> {
        let id = job.model ?? models[0].id
        guard let model = loaded[id] else {
            throw ServerError(.notFound, code: "not_found", field: "model", message: "there is no model \"\(id)\"",
                              hint: "GET /v1/models lists them: " + models.map(\.id).joined(separator: ", "))
        }
        do { try model.check(job.request) } catch { throw ServerError(error) }
        let generator = try await acquire(id, model)

        let (stream, continuation) = AsyncThrowingStream<ServiceEvent, any Error>.makeStream(bufferingPolicy: .unbounded)
        let started = ContinuousClock.now
        let events = generator.events(job.request, prompt: job.prompt, promptHash: job.promptHash) { [self] in
            // The generation thread has let go of the generator: it may serve the next request.
            release(id, generator, seconds: Self.seconds(since: started))
        }
        let pump = Task {
            do {
                for try await event in events {
                    switch event {
                    case .note(let note): continuation.yield(.note(note))
                    case .finished(let piece): continuation.yield(.finished(Self.result(piece)))
                    }
                }
                continuation.finish()
            } catch let error as CadenzaError {
                // The request was checked before it took a slot; anything but a setting the
                // constraints could not meet is the server's fault, not the client's.
                if case .invalidSetting = error {
                    continuation.finish(throwing: ServerError(error))
                } else {
                    continuation.finish(throwing: ServerError(.internalServerError, code: "internal", message: error.description))
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let timeout = limits.generationTimeout
        let watchdog = Task {
            try await Task.sleep(for: .seconds(timeout))
            continuation.finish(throwing: ServerError(.gatewayTimeout, code: "timeout",
                                                      message: "generation took longer than \(Int(timeout)) s and was stopped",
                                                      hint: "ask for fewer bars"))
            pump.cancel()
        }
        continuation.onTermination = { _ in
            pump.cancel()
            watchdog.cancel()
        }
        return stream
    }

    private func acquire(_ id: String, _ model: GenerationModel) async throws(ServerError) -> Generator {
        switch await queue.acquire(timeout: .milliseconds(Int64(limits.queueTimeout * 1000))) {
        case .granted: break
        case .full, .timedOut:
            let typical = lock.withLock { recentSeconds.isEmpty ? 5 : recentSeconds.sorted()[recentSeconds.count / 2] }
            let ahead = queue.waitingCount + limits.concurrentGenerations
            throw .busy(retryAfter: max(1, Int((typical * Double(ahead) / Double(limits.concurrentGenerations)).rounded(.up))))
        }
        return lock.withLock {
            active += 1
            return idle[id]?.popLast()
        } ?? Generator(model: model)
    }

    private func release(_ id: String, _ generator: Generator, seconds: Double) {
        lock.withLock {
            active -= 1
            idle[id, default: []].append(generator)
            recentSeconds.append(seconds)
            if recentSeconds.count > 32 { recentSeconds.removeFirst() }
        }
        queue.release()
    }

    static func result(_ piece: GeneratedPiece) -> GenerationResult {
        let json = String(piece.provenance.text.dropFirst(Provenance.prefix.count))
        return GenerationResult(model: piece.provenance.model, seed: piece.provenance.request.seed, bars: piece.bars,
                                seconds: piece.seconds, notes: piece.notes, midi: piece.midi, provenanceJSON: json)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }
}
