import Cadenza
import Foundation
import Hummingbird
import HummingbirdWebSocket

/// `/v1/stream`: one generation per WebSocket. The client sends a generate body; the server
/// answers `started`, a `note` message per note as the model writes it, then `finished` (with
/// the MIDI file) or `error`, and closes. `{"type": "stop"}` or closing the socket stops the
/// generation at its next note.
struct StreamController {
    let service: any GenerationService
    let limits: ServerLimits
    let metrics: ServerMetrics

    func add(to router: Router<ServerContext>) {
        router.ws("/v1/stream", shouldUpgrade: { request, _ in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                throw ServerError(HTTPResponse.Status(code: 426, reasonPhrase: "Upgrade Required"), code: "upgrade_required",
                                  field: "Upgrade", message: "/v1/stream speaks WebSocket only",
                                  hint: "open it with a WebSocket client (new WebSocket(url) in a browser), or POST /v1/generate")
            }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, _ in
            await session(inbound, outbound)
        })
    }

    /// What the session waits for: a client message, the client going away, or the clock.
    enum Signal: Sendable {
        case message(WebSocketMessage)
        case closed
        case timeout
        /// The piece (or its error) has been sent.
        case finished
    }

    func session(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async {
        let (signals, signal) = AsyncStream<Signal>.makeStream()
        let maximumSize = limits.maximumBodyBytes
        let wait = limits.streamRequestTimeout
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: maximumSize) { signal.yield(.message(message)) }
                } catch {}
                signal.yield(.closed)
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(wait))
                signal.yield(.timeout)
            }
            var pending = signals.makeAsyncIterator()
            var opened = ContinuousClock.now
            let events: AsyncThrowingStream<ServiceEvent, any Error>
            let body: GenerateBody
            switch await pending.next() {
            case .message(let message):
                opened = ContinuousClock.now  // the first-note time counts from the request
                do throws(ServerError) {
                    (body, events) = try await start(message)
                } catch {
                    try? await outbound.write(.text(WireFormat.error(error)))
                    group.cancelAll()
                    return
                }
            case .timeout:
                let error = ServerError(.requestTimeout, code: "timeout", message: "no request arrived within \(Int(wait)) s",
                                        hint: "send the generate body as the first message")
                try? await outbound.write(.text(WireFormat.error(error)))
                group.cancelAll()
                return
            case .closed, .finished, nil:
                group.cancelAll()
                return
            }

            group.addTask {
                await pump(events, body: body, opened: opened, to: outbound)
                signal.yield(.finished)
            }
            // Until the piece is sent: stop on {"type":"stop"} or when the client goes away.
            waiting: while let next = await pending.next() {
                switch next {
                case .finished, .closed: break waiting
                case .message(.text(let text)) where Self.isStop(text): break waiting
                default: continue
                }
            }
            group.cancelAll()
        }
    }

    /// `{"type": "stop"}`, and nothing else, stops a stream.
    static func isStop(_ text: String) -> Bool {
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?["type"] as? String == "stop"
    }

    /// Parses the first message and starts its generation.
    func start(_ message: WebSocketMessage) async throws(ServerError) -> (GenerateBody, AsyncThrowingStream<ServiceEvent, any Error>) {
        guard case .text(let text) = message else {
            throw ServerError(.badRequest, code: "invalid_json", message: "the first message must be text (a JSON generate body)",
                              hint: "send {\"genre\": \"jazz\", \"bars\": 8}")
        }
        let body = try GenerateBody.parse(Array(text.utf8), shape: .stream, limits: limits, ignoring: ["type"])
        let job = try GenerateController.job(body)
        return (body, try await GenerateController.start(service, job, metrics: metrics))
    }

    /// Sends each note as it comes (or, with `pace: realtime`, half a second before it sounds),
    /// then the finished piece or the error.
    func pump(_ events: AsyncThrowingStream<ServiceEvent, any Error>, body: GenerateBody, opened: ContinuousClock.Instant,
              to outbound: WebSocketOutboundWriter) async {
        let model = service.models.first { $0.id == body.model } ?? service.models[0]
        let bars = body.request.bars
        var first = true
        do {
            try await outbound.write(.text(WireFormat.started(model: model.identifier, seed: body.request.seed,
                                                              genre: body.request.genre, bars: bars)))
            let started = ContinuousClock.now
            for try await event in events {
                switch event {
                case .note(let note):
                    if body.pace == .realtime {
                        let due = started + .milliseconds(Int64((note.startSeconds - 0.5) * 1000))
                        if due > .now { try await Task.sleep(until: due) }
                    }
                    try await outbound.write(.text(WireFormat.note(note, type: "note")))
                    if first {
                        first = false
                        metrics.firstNote(after: ContinuousClock.now - opened)
                    }
                case .finished(let result):
                    metrics.generated(notes: result.notes.count, seconds: result.seconds)
                    try await outbound.write(.text(WireFormat.piece(result, type: "finished")))
                }
            }
        } catch let error as ServerError {
            try? await outbound.write(.text(WireFormat.error(error)))
        } catch is CancellationError {
        } catch {
            let failure = ServerError(.internalServerError, code: "internal", message: "generation failed: \(error)")
            try? await outbound.write(.text(WireFormat.error(failure)))
        }
    }
}
