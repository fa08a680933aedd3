import Cadenza
import CadenzaServer
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import MIDIFormats
import Testing

/// The routes through Hummingbird's in-process router client: no socket, a fake model.
@Suite struct RouterTests {
    static func app(_ service: FakeGenerationService = FakeGenerationService(), key: String? = nil, limits: ServerLimits = .init())
        throws -> some ApplicationProtocol
    {
        try buildApplication(ServerConfiguration(port: 0, apiKey: key, limits: limits), service: service)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
        return try #require(object as? [String: Any])
    }

    /// The `error` object of a JSON error answer.
    static func error(_ response: TestResponse) throws -> [String: Any] {
        #expect(response.headers[.contentType] == "application/json")
        return try #require(try json(response)["error"] as? [String: Any])
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, accept: String? = nil,
                     contentType: String = "application/json") async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func healthAndModels() async throws {
        try await Self.app().test(.router) { client in
            let health = try Self.json(try await client.execute(uri: "/health", method: .get))
            #expect(health["status"] as? String == "ok")
            #expect(health["models"] as? Int == 2)

            let list = try await client.execute(uri: "/v1/models", method: .get)
            #expect(list.status == .ok)
            let models = try #require(try Self.json(list)["models"] as? [[String: Any]])
            #expect(models.map { $0["id"] as? String } == ["default", "second"])
            #expect(models[0]["genres"] as? [String] == ["classical", "pop", "jazz"])
            #expect(models[0]["card"] == nil)

            let one = try Self.json(try await client.execute(uri: "/v1/models/default", method: .get))
            #expect((one["card"] as? String)?.hasPrefix("# Fake model") == true)
            let missing = try await client.execute(uri: "/v1/models/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(try Self.error(missing)["field"] as? String == "id")
        }
    }

    @Test func generateAnswersMIDIByDefault() async throws {
        try await Self.app().test(.router) { client in
            let response = try await Self.post(client, "/v1/generate", #"{"genre": "jazz", "bars": 3, "seed": 5}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "audio/midi")
            #expect(response.headers[HTTPField.Name("X-Cadenza-Seed")!] == "5")
            #expect(response.headers[HTTPField.Name("X-Cadenza-Notes")!] == "12")
            let reading = try MIDIFile.readScore(bytes: Array(buffer: response.body), mode: .strict)
            #expect(reading.score.noteCount == 12)
        }
    }

    @Test func generateAnswersJSONAndWAVByNegotiation() async throws {
        let service = FakeGenerationService()
        try await Self.app(service).test(.router) { client in
            let json = try await Self.post(client, "/v1/generate",
                                           #"{"genre": "pop", "bars": 2, "instruments": ["bass"], "topP": 0.9, "guidance": 1.5}"#,
                                           accept: "application/json")
            #expect(json.status == .ok)
            let piece = try Self.json(json)
            let notes = try #require(piece["notes"] as? [[String: Any]])
            #expect(notes.count == 8)
            #expect(notes.allSatisfy { $0["program"] as? Int == 33 })
            let base64 = try #require(piece["midi"] as? String)
            let midi = try #require(Data(base64Encoded: base64))
            #expect(try MIDIFile.readScore(bytes: Array(midi), mode: .strict).score.noteCount == 8)
            #expect(piece["provenance"] is [String: Any])
            let job = try #require(service.startedJobs.last)
            #expect(job.request.sampling.topP == 0.9 && job.request.sampling.guidance == 1.5 && job.request.instruments == [33])

            let wav = try await Self.post(client, "/v1/generate", #"{"genre": "pop", "bars": 1}"#, accept: "audio/wav")
            #expect(wav.status == .ok)
            #expect(wav.body.getString(at: 0, length: 4) == "RIFF")
            let byQuery = try await Self.post(client, "/v1/generate?format=json", #"{"genre": "pop", "bars": 1}"#)
            #expect(byQuery.headers[.contentType] == "application/json")
            let preferred = try await Self.post(client, "/v1/generate", #"{"genre": "pop", "bars": 1}"#,
                                                accept: "audio/midi;q=0.5, application/json")
            #expect(preferred.headers[.contentType] == "application/json")
        }
    }

    @Test func continueParsesThePrompt() async throws {
        let service = FakeGenerationService()
        let prompt = FakeGenerationService.midi(FakeGenerationService.notes(GenerationRequest(bars: 2)))
        let body = #"{"genre": "jazz", "bars": 2, "promptBars": 1, "prompt": "\#(Data(prompt).base64EncodedString())"}"#
        try await Self.app(service).test(.router) { client in
            let response = try await Self.post(client, "/v1/continue", body)
            #expect(response.status == .ok)
            let job = try #require(service.startedJobs.last)
            #expect(job.prompt?.noteCount == 8)
            #expect(job.request.promptBars == 1)
            #expect(job.promptHash != nil)

            let missing = try await Self.post(client, "/v1/continue", #"{"genre": "jazz"}"#)
            #expect(missing.status == .badRequest)
            #expect(try Self.error(missing)["field"] as? String == "prompt")
            let notMIDI = try await Self.post(client, "/v1/continue", #"{"genre": "jazz", "prompt": "aGVsbG8gd29ybGQ="}"#)
            #expect(notMIDI.status == .unprocessableContent)
            #expect(try Self.error(notMIDI)["code"] as? String == "invalid_midi")
            // A prompt is not a field of /v1/generate.
            let misplaced = try await Self.post(client, "/v1/generate", #"{"genre": "jazz", "prompt": "aGVsbG8="}"#)
            #expect(try Self.error(misplaced)["field"] as? String == "prompt")
        }
    }

    /// A length in seconds still ends at the server's bar limit.
    @Test func secondsAreBoundedByTheBarLimit() async throws {
        let service = FakeGenerationService()
        try await Self.app(service, limits: ServerLimits(maximumBars: 4)).test(.router) { client in
            let response = try await Self.post(client, "/v1/generate", #"{"genre": "jazz", "seconds": 200, "tempo": 240}"#)
            #expect(response.status == .ok)
            let job = try #require(service.startedJobs.last)
            #expect(job.request.seconds == 200 && job.request.bars == 4)
        }
    }

    @Test func renderTurnsMIDIIntoWAV() async throws {
        let midi = FakeGenerationService.midi(FakeGenerationService.notes(GenerationRequest(bars: 1)))
        try await Self.app().test(.router) { client in
            let response = try await client.execute(uri: "/v1/render", method: .post, headers: [.contentType: "audio/midi"],
                                                    body: ByteBuffer(bytes: midi))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "audio/wav")
            #expect(response.body.getString(at: 0, length: 4) == "RIFF")
            #expect(response.body.readableBytes > 44_100 * 4)
            let garbage = try await client.execute(uri: "/v1/render", method: .post, headers: [.contentType: "audio/midi"],
                                                   body: ByteBuffer(string: "MThd but not really"))
            #expect(garbage.status == .unprocessableContent)
            #expect(try Self.error(garbage)["field"] as? String == "body")
        }
    }

    /// Each kind of bad request gets its status, its code and the field at fault.
    @Test(arguments: [
        ("not json", 400, "invalid_json", nil),
        ("[1, 2]", 400, "invalid_json", nil),
        (#"{"bars": 4}"#, 400, "invalid_setting", "genre"),
        (#"{"genre": "jazz", "bras": 4}"#, 400, "unknown_field", "bras"),
        (#"{"genre": "jazz", "bars": "eight"}"#, 400, "invalid_setting", "bars"),
        (#"{"genre": "jazz", "bars": 2.5}"#, 400, "invalid_setting", "bars"),
        (#"{"genre": "jazz", "bars": 65}"#, 400, "invalid_setting", "bars"),
        (#"{"genre": "jazz", "bars": true}"#, 400, "invalid_setting", "bars"),
        (#"{"genre": "jazz", "temperature": -1}"#, 400, "invalid_setting", "temperature"),
        (#"{"genre": "jazz", "tempo": 20}"#, 400, "invalid_setting", "tempo"),
        (#"{"genre": "jazz", "topP": 0}"#, 400, "invalid_setting", "topP"),
        (#"{"genre": "jazz", "seed": -3}"#, 400, "invalid_setting", "seed"),
        (#"{"genre": "jazz", "instruments": ["kazoo"]}"#, 400, "invalid_setting", "instruments[0]"),
        (#"{"genre": "jazz", "instruments": [0, 300]}"#, 400, "invalid_setting", "instruments[1]"),
        (#"{"genre": "jazz", "instruments": []}"#, 400, "invalid_setting", "instruments"),
        (#"{"genre": "polka"}"#, 400, "invalid_setting", "genre"),
        (#"{"genre": "jazz", "model": "nope"}"#, 404, "not_found", "model"),
    ] as [(String, Int, String, String?)])
    func badBodiesNameTheirField(body: String, status: Int, code: String, field: String?) async throws {
        try await Self.app().test(.router) { client in
            let response = try await Self.post(client, "/v1/generate", body)
            #expect(Int(response.status.code) == status)
            let error = try Self.error(response)
            #expect(error["code"] as? String == code)
            #expect(error["field"] as? String == field)
            #expect((error["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func badRequestsOutsideTheBody() async throws {
        let limits = ServerLimits(maximumBodyBytes: 2048)
        try await Self.app(limits: limits).test(.router) { client in
            let html = try await Self.post(client, "/v1/generate", #"{"genre": "jazz"}"#, accept: "text/html")
            #expect(html.status == .notAcceptable)
            #expect(try Self.error(html)["field"] as? String == "Accept")
            let form = try await Self.post(client, "/v1/generate", "genre=jazz", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            #expect(try Self.error(form)["field"] as? String == "Content-Type")
            let huge = #"{"genre": "jazz", "key": ""# + String(repeating: "x", count: 4000) + #""}"#
            let tooLarge = try await Self.post(client, "/v1/generate", huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try Self.error(tooLarge)["code"] as? String == "payload_too_large")
            let format = try await Self.post(client, "/v1/generate?format=mp3", #"{"genre": "jazz"}"#)
            #expect(try Self.error(format)["field"] as? String == "format")

            let unknown = try await client.execute(uri: "/v2/everything", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try Self.error(unknown)["code"] as? String == "not_found")
            let wrongMethod = try await client.execute(uri: "/v1/generate", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(try Self.error(wrongMethod)["code"] as? String == "method_not_allowed")
            let trace = try await client.execute(uri: "/v1/models/default", method: .init("TRACE")!)
            #expect(trace.status == .methodNotAllowed && trace.headers[.allow] == "GET")
            let plainGet = try await client.execute(uri: "/v1/stream", method: .get)
            #expect(plainGet.status.code == 426)
            #expect(try Self.error(plainGet)["field"] as? String == "Upgrade")
        }
    }

    @Test func busyAnswers503WithRetryAfter() async throws {
        let service = FakeGenerationService(slots: 1, noteDelay: 10)
        let held = try await service.start(GenerationJob(request: GenerationRequest(genre: "jazz", bars: 4)))
        try await Self.app(service).test(.router) { client in
            let response = try await Self.post(client, "/v1/generate", #"{"genre": "jazz"}"#)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "3")
            #expect(try Self.error(response)["code"] as? String == "busy")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("cadenza_rejected_busy_total 1"))
        }
        _ = held
    }

    @Test func metricsCountRequestsByRoute() async throws {
        try await Self.app().test(.router) { client in
            _ = try await Self.post(client, "/v1/generate", #"{"genre": "jazz", "bars": 1}"#)
            _ = try await Self.post(client, "/v1/generate", #"{"genre": "nope"}"#)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            #expect(text.contains(#"cadenza_http_requests_total{route="/v1/generate",method="POST",status="200"} 1"#))
            #expect(text.contains(#"cadenza_http_requests_total{route="/v1/generate",method="POST",status="400"} 1"#))
            #expect(text.contains("cadenza_generations_total 1"))
            #expect(text.contains("process_resident_memory_bytes"))
        }
    }

    @Test func apiKeyGuardsTheAPIButNotThePage() async throws {
        let key = "0123456789abcdef-secret"
        try await Self.app(key: key).test(.router) { client in
            let anonymous = try await client.execute(uri: "/v1/models", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            #expect(try Self.error(anonymous)["code"] as? String == "unauthorized")
            let wrong = try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            let bearer = try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer \(key)"])
            #expect(bearer.status == .ok)
            let header = try await client.execute(uri: "/metrics", method: .get, headers: [HTTPField.Name("X-API-Key")!: key])
            #expect(header.status == .ok)
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            // The router also matches doubled and trailing slashes: the key check must too.
            for sneaky in ["//v1/models", "/v1//models", "/metrics/", "//metrics", "/v1/models/default/"] {
                #expect(try await client.execute(uri: sneaky, method: .get).status == .unauthorized, "\(sneaky)")
            }
            for open in ["/", "/studio.js", "/health", "/openapi.json"] {
                #expect(try await client.execute(uri: open, method: .get).status == .ok, "\(open)")
            }
        }
    }

    @Test func exposedServerNeedsAKey() throws {
        #expect(throws: ServerError.self) { try ServerConfiguration(host: "0.0.0.0").validate() }
        #expect(throws: ServerError.self) { try ServerConfiguration(host: "0.0.0.0", apiKey: "short").validate() }
        try ServerConfiguration(host: "0.0.0.0", apiKey: "0123456789abcdef").validate()
        try ServerConfiguration(host: "127.0.0.1").validate()
        #expect(throws: ServerError.self) { try ServerConfiguration(host: "127.example.com").validate() }
        #expect(throws: ServerError.self) { try ServerConfiguration(limits: ServerLimits(concurrentGenerations: 0)).validate() }
    }

    @Test func studioFilesAreServed() async throws {
        try await Self.app().test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(String(buffer: page.body).lowercased().contains("<html") || String(buffer: page.body).lowercased().contains("<!doctype html"))
            let script = try await client.execute(uri: "/studio.js", method: .get)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
        }
    }
}
