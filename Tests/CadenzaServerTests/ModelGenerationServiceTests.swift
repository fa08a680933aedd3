import Cadenza
import CadenzaServer
import Foundation
import MIDIFormats
import Testing

/// The real service with the embedded default model: slots, checks before a slot is taken, the
/// generation timeout, and pooled generators giving the same bytes as fresh ones. (Debug builds
/// run the kernels slowly, so the pieces are one bar long.)
@Suite(.serialized) struct ModelGenerationServiceTests {
    static let model: GenerationModel? = try? GenerationModel.embedded()

    static func service(_ limits: ServerLimits = .init()) throws -> ModelGenerationService {
        ModelGenerationService(models: [("default", try #require(model))], limits: limits)
    }

    static func finish(_ events: AsyncThrowingStream<ServiceEvent, any Error>) async throws -> (notes: Int, result: GenerationResult?) {
        var notes = 0
        for try await event in events {
            switch event {
            case .note: notes += 1
            case .finished(let result): return (notes, result)
            }
        }
        return (notes, nil)
    }

    @Test(.enabled(if: model != nil, "this build has no embedded model"))
    func generatesAndReusesGenerators() async throws {
        let service = try Self.service()
        let request = GenerationRequest(genre: "folk", bars: 1, seed: 4, sampling: .init(temperature: 1, topP: 0.95, guidance: 1))
        let first = try await Self.finish(try await service.start(GenerationJob(request: request)))
        let result = try #require(first.result)
        #expect(first.notes == result.notes.count && first.notes > 0)
        #expect(result.model == Self.model?.identifier && result.bars == 1)
        let score = try MIDIFile.readScore(bytes: result.midi, mode: .strict).score
        #expect(score.noteCount == result.notes.count)
        #expect(Provenance.read(from: score)?.request == request)
        // The second run reuses the pooled generator and must give the same bytes.
        let again = try await Self.finish(try await service.start(GenerationJob(request: request)))
        #expect(again.result?.midi == result.midi)
        for _ in 0..<500 where service.activeGenerations > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(service.activeGenerations == 0)
    }

    @Test(.enabled(if: model != nil, "this build has no embedded model"))
    func badJobsAreRefusedBeforeTakingASlot() async throws {
        let service = try Self.service(ServerLimits(concurrentGenerations: 1))
        do {
            _ = try await service.start(GenerationJob(request: GenerationRequest(genre: "polka")))
            Issue.record("a bad genre was accepted")
        } catch {
            #expect(error.code == "invalid_setting" && error.field == "genre")
        }
        do {
            _ = try await service.start(GenerationJob(model: "other", request: GenerationRequest(genre: "jazz")))
            Issue.record("an unknown model was accepted")
        } catch {
            #expect(error.status == .notFound && error.field == "model")
        }
        #expect(service.activeGenerations == 0)
    }

    @Test(.enabled(if: model != nil, "this build has no embedded model"), .timeLimit(.minutes(2)))
    func longGenerationsAreStoppedAtTheTimeout() async throws {
        let service = try Self.service(ServerLimits(concurrentGenerations: 1, queuedGenerations: 0, generationTimeout: 0.2))
        do {
            _ = try await Self.finish(try await service.start(GenerationJob(request: GenerationRequest(genre: "jazz", bars: 64))))
            Issue.record("a 64-bar debug-build generation finished within 0.2 s")
        } catch let error as ServerError {
            #expect(error.code == "timeout" && error.status == .gatewayTimeout)
        }
        // While the stopped generation winds down its slot is still taken: the line is empty
        // (0 places), so a request now is refused at once with a retry time.
        do {
            _ = try await service.start(GenerationJob(request: GenerationRequest(genre: "jazz", bars: 1)))
        } catch {
            #expect(error.code == "busy" && (error.retryAfter ?? 0) >= 1)
        }
        // The slot comes back once the generation thread has stopped at its next note.
        for _ in 0..<3000 where service.activeGenerations > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(service.activeGenerations == 0)
    }
}
