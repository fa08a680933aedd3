import Cadenza
import Foundation
import HTTPTypes
import Hummingbird
import MusicScore
import NIOCore

/// `/v1/generate` and `/v1/continue` (a whole piece per request, as MIDI, JSON or WAV by
/// `Accept`) and `/v1/render` (MIDI in, WAV out).
struct GenerateController {
    let service: any GenerationService
    let limits: ServerLimits
    let metrics: ServerMetrics

    func add(to router: Router<ServerContext>) {
        router.post("/v1/generate") { request, context in try await generate(request, context, shape: .generate) }
        router.post("/v1/continue") { request, context in try await generate(request, context, shape: .continue) }
        router.post("/v1/render") { request, _ in try await render(request) }
    }

    /// What a generate request may answer with.
    enum Answer: String, CaseIterable {
        case midi = "audio/midi", json = "application/json", wav = "audio/wav"
    }

    func generate(_ request: Request, _ context: ServerContext, shape: GenerateBody.Shape) async throws -> Response {
        let answer = try Self.negotiate(request)
        try Self.requireContentType(request, ["application/json"], example: "application/json")
        let bytes = try await Self.body(request, limit: limits.maximumBodyBytes)
        let body = try GenerateBody.parse(bytes, shape: shape, limits: limits)
        let job = try Self.job(body)
        let result = try await Self.run(await Self.start(service, job, metrics: metrics), metrics: metrics)
        switch answer {
        case .midi:
            var headers: HTTPFields = [.contentType: Answer.midi.rawValue,
                                       .contentDisposition: "attachment; filename=\"\(body.request.genre.lowercased())-\(result.seed).mid\""]
            headers[HTTPField.Name("X-Cadenza-Model")!] = result.model
            headers[HTTPField.Name("X-Cadenza-Seed")!] = String(result.seed)
            headers[HTTPField.Name("X-Cadenza-Bars")!] = String(result.bars)
            headers[HTTPField.Name("X-Cadenza-Notes")!] = String(result.notes.count)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.midi)))
        case .json:
            return Response.json(WireFormat.piece(result))
        case .wav:
            return try Self.wav(midi: result.midi, name: "\(body.request.genre.lowercased())-\(result.seed)", limits: limits)
        }
    }

    func render(_ request: Request) async throws -> Response {
        try Self.requireContentType(request, ["audio/midi", "audio/x-midi", "application/octet-stream"], example: "audio/midi")
        if let accept = request.headers[.accept], !Self.accepts(accept, "audio/wav") {
            throw ServerError(.notAcceptable, code: "not_acceptable", field: "Accept", message: "this route answers audio/wav only",
                              hint: "send Accept: audio/wav or leave Accept out")
        }
        let bytes = try await Self.body(request, limit: limits.maximumBodyBytes)
        return try Self.wav(midi: bytes, name: "render", limits: limits)
    }

    /// A checked body as a job: the prompt parsed (leniently, as the CLI does) and hashed.
    static func job(_ body: GenerateBody) throws(ServerError) -> GenerationJob {
        var job = GenerationJob(model: body.model, request: body.request)
        if let prompt = body.prompt {
            do {
                job.prompt = try ScoreLoader.load(bytes: prompt, path: "prompt").score
            } catch {
                throw ServerError(error)
            }
            job.promptHash = StableHasher.hex(StableHasher.hash(prompt))
        }
        return job
    }

    /// Starts a job, counting refusals for lack of a slot.
    static func start(_ service: any GenerationService, _ job: GenerationJob, metrics: ServerMetrics) async throws(ServerError)
        -> AsyncThrowingStream<ServiceEvent, any Error>
    {
        do {
            return try await service.start(job)
        } catch {
            if error.code == "busy" { metrics.busy() }
            throw error
        }
    }

    /// Waits for the finished piece of a started generation.
    static func run(_ events: AsyncThrowingStream<ServiceEvent, any Error>, metrics: ServerMetrics) async throws -> GenerationResult {
        for try await event in events {
            if case .finished(let result) = event {
                metrics.generated(notes: result.notes.count, seconds: result.seconds)
                return result
            }
        }
        throw ServerError(.internalServerError, code: "internal", message: "generation ended without a piece")
    }

    /// Renders at most the server's piece length (`maximumSeconds`), so one request cannot ask
    /// for a WAV of hundreds of megabytes.
    static func wav(midi: [UInt8], name: String, limits: ServerLimits) throws(ServerError) -> Response {
        let score: Score
        do { score = try ScoreLoader.load(bytes: midi, path: "body").score } catch {
            var failure = ServerError(error)
            failure.field = "body"
            throw failure
        }
        let renderer = AudioRenderer(maximumSeconds: limits.maximumSeconds)
        let bytes: [UInt8]
        do { bytes = try renderer.wavBytes(for: score, name: name) } catch {
            throw ServerError(.unprocessableContent, code: "invalid_midi", field: "body", message: error.description,
                              hint: "this server renders at most \(Int(limits.maximumSeconds)) s")
        }
        return Response(status: .ok, headers: [.contentType: "audio/wav", .contentDisposition: "attachment; filename=\"\(name).wav\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServerError(.contentTooLarge, code: "payload_too_large", field: "body",
                              message: "the body has \(length) bytes; this server takes at most \(limit)", hint: "send a smaller file")
        }
        do {
            var buffer = try await request.body.collect(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw ServerError(.contentTooLarge, code: "payload_too_large", field: "body",
                              message: "the body is larger than \(limit) bytes", hint: "send a smaller file")
        }
    }

    static func requireContentType(_ request: Request, _ allowed: [String], example: String) throws(ServerError) {
        let given = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let given, allowed.contains(given) else {
            throw ServerError(.unsupportedMediaType, code: "unsupported_media_type", field: "Content-Type",
                              message: "the body must be \(allowed.joined(separator: " or ")), not \(given ?? "unlabelled")",
                              hint: "send Content-Type: \(example)")
        }
    }

    /// The answer's type from `?format=` (for links) or `Accept`; MIDI when either allows anything.
    static func negotiate(_ request: Request) throws(ServerError) -> Answer {
        if let format = request.uri.queryParameters.get("format") {
            switch format {
            case "midi": return .midi
            case "json": return .json
            case "wav": return .wav
            default: throw .invalid("format", "\"\(format)\" is not midi, json or wav")
            }
        }
        guard let accept = request.headers[.accept] else { return .midi }
        var best: (Answer, Double)?
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard quality > 0, let type = parts.first else { continue }
            let match: Answer? = switch type {
            case "*/*", "audio/*", "audio/midi", "audio/x-midi", "application/x-midi": type == "audio/wav" ? .wav : .midi
            case "application/json", "application/*": .json
            case "audio/wav", "audio/x-wav", "audio/wave": .wav
            default: nil
            }
            if let match, quality > (best?.1 ?? 0) { best = (match, quality) }
        }
        guard let best else {
            throw ServerError(.notAcceptable, code: "not_acceptable", field: "Accept",
                              message: "this route answers audio/midi, application/json or audio/wav, not \(accept)",
                              hint: "send Accept: audio/midi, or ?format=json")
        }
        return best.0
    }

    static func accepts(_ accept: String, _ type: String) -> Bool {
        accept.split(separator: ",").contains { range in
            let media = range.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            return media == type || media == "*/*" || media == "audio/*" || media == "audio/x-wav" || media == "audio/wave"
        }
    }
}
