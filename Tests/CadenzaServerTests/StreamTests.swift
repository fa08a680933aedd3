import CadenzaServer
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import MIDIFormats
import Testing

/// `/v1/stream` over a real loopback socket (WebSockets need one), with the fake model.
@Suite struct StreamTests {
    /// Sends `request` (unless nil) and collects the server's messages until it closes.
    static func stream(_ request: String?, service: FakeGenerationService = FakeGenerationService(),
                       limits: ServerLimits = .init(), after: (@Sendable ([String: Any]) -> String?)? = nil) async throws -> [[String: Any]] {
        let app = try buildApplication(ServerConfiguration(port: 0, limits: limits), service: service)
        let collected = Collected()
        try await app.test(.live) { client in
            _ = try await client.ws("/v1/stream") { inbound, outbound, _ in
                if let request { try await outbound.write(.text(request)) }
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    guard case .text(let text) = message,
                          let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { continue }
                    collected.append(object)
                    if let reply = after?(object) { try await outbound.write(.text(reply)) }
                }
            }
        }
        return collected.messages
    }

    @Test func notesStreamThenThePiece() async throws {
        let messages = try await Self.stream(#"{"genre": "jazz", "bars": 2, "seed": 9}"#)
        let types = messages.map { $0["type"] as? String ?? "?" }
        #expect(types.first == "started")
        #expect(types.last == "finished")
        #expect(types.filter { $0 == "note" }.count == 8)
        #expect(messages[0]["seed"] as? Int == 9)
        let finished = try #require(messages.last)
        #expect(finished["notes"] as? Int == 8)
        let base64 = try #require(finished["midi"] as? String)
        let midi = try #require(Data(base64Encoded: base64))
        let score = try MIDIFile.readScore(bytes: Array(midi), mode: .strict).score
        #expect(score.noteCount == 8)
        // Notes arrive in time order with the documented fields.
        let starts = messages.filter { $0["type"] as? String == "note" }.compactMap { $0["startSeconds"] as? Double }
        #expect(starts == starts.sorted() && starts.count == 8)
    }

    @Test func badRequestGetsAnErrorMessage() async throws {
        let messages = try await Self.stream(#"{"genre": "polka"}"#)
        #expect(messages.count == 1)
        #expect(messages[0]["type"] as? String == "error")
        #expect(messages[0]["field"] as? String == "genre")
        #expect(messages[0]["status"] as? Int == 400)
        let garbage = try await Self.stream("{not json")
        #expect(garbage.first?["code"] as? String == "invalid_json")
    }

    @Test func stopEndsTheGeneration() async throws {
        let service = FakeGenerationService(noteDelay: 0.05)
        let messages = try await Self.stream(#"{"genre": "jazz", "bars": 64}"#, service: service) { message in
            message["type"] as? String == "note" ? #"{"type": "stop"}"# : nil
        }
        let notes = messages.filter { $0["type"] as? String == "note" }.count
        #expect(notes >= 1 && notes < 256)  // 64 bars × 4 notes if it ran to the end
        #expect(!messages.contains { $0["type"] as? String == "finished" })
        // The slot is given back.
        for _ in 0..<100 where service.activeGenerations > 0 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(service.activeGenerations == 0)
    }

    @Test(.timeLimit(.minutes(1))) func silentClientIsClosed() async throws {
        let messages = try await Self.stream(nil, limits: ServerLimits(streamRequestTimeout: 0.3))
        #expect(messages.first?["code"] as? String == "timeout")
    }

    @Test func busyServerSaysWhenToRetry() async throws {
        let service = FakeGenerationService(slots: 1, noteDelay: 10)
        let held = try await service.start(GenerationJob(request: .init(genre: "jazz")))
        let messages = try await Self.stream(#"{"genre": "jazz"}"#, service: service)
        #expect(messages.first?["code"] as? String == "busy")
        #expect(messages.first?["retryAfter"] as? Int == 3)
        _ = held
    }

    @Test func realtimePacingHoldsNotesBack() async throws {
        // Four notes per bar at 0.5 s each: with pace realtime the third note (at 1.0 s) cannot
        // arrive before 0.5 s after the start.
        let started = ContinuousClock.now
        let messages = try await Self.stream(#"{"genre": "jazz", "bars": 1, "pace": "realtime"}"#)
        #expect(messages.last?["type"] as? String == "finished")
        #expect(ContinuousClock.now - started >= .milliseconds(900))
    }
}

/// Messages gathered by a WebSocket handler (which runs on another task).
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[String: Any]] = []
    func append(_ item: [String: Any]) { lock.withLock { items.append(item) } }
    var messages: [[String: Any]] { lock.withLock { items } }
}
