import Cadenza
import CadenzaServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import HummingbirdWSTesting
import NIOCore
import OpenAPIKit
import Testing

/// The OpenAPI document the server serves at `/openapi.json`, checked three ways: it is a valid
/// OpenAPI 3.1 document (OpenAPIKit), it lists exactly the routes the server has, and real
/// answers of the server (with the fake model) have documented statuses, media types, headers
/// and bodies that conform to the documented schemas.
@Suite struct OpenAPIDocumentTests {
    static let key = "openapi-test-key-0123456789"

    /// Every route `buildRouter` registers, written out so that a route added to the server
    /// and not to the document (or the reverse) fails `documentListsExactlyTheServedRoutes`.
    static let servedRoutes: Set<String> = [
        "GET /", "GET /studio.js", "GET /studio.css", "GET /health", "GET /metrics", "GET /openapi.json",
        "GET /v1/models", "GET /v1/models/{id}", "POST /v1/generate", "POST /v1/continue", "POST /v1/render", "GET /v1/stream",
    ]

    // MARK: The document itself

    @Test func documentIsValidOpenAPI31() async throws {
        let spec = try await Spec.load()
        let document = spec.document
        #expect(document.openAPIVersion.rawValue.hasPrefix("3.1."))
        #expect(document.info.title == "Cadenza")
        #expect(document.info.version == "1")
        #expect(document.servers.map(\.urlTemplate.absoluteString) == ["http://127.0.0.1:8080"])
        // Warnings count as errors (strict), so a document OpenAPIKit only half understands fails.
        try document.validate()

        let schemes = try #require(spec.raw["components"]?["securitySchemes"]?.object)
        #expect(schemes["bearer"]?["type"] == .string("http"))
        #expect(schemes["bearer"]?["scheme"] == .string("bearer"))
        #expect(schemes["apiKeyHeader"]?["in"] == .string("header"))
        #expect(schemes["apiKeyHeader"]?["name"] == .string("X-API-Key"))
        for name in ["Model", "ModelList", "GenerateBody", "ContinueBody", "Note", "GeneratedPiece", "Health", "Error",
                     "StreamStarted", "StreamNote", "StreamFinished", "StreamError"] {
            #expect(spec.checker.schema(named: name) != nil, "components/schemas/\(name) is missing")
        }
        #expect(spec.checker.schema(named: "GenerateBody")?["additionalProperties"] == .bool(false))
    }

    /// The API key guards exactly the `/v1` routes and `/metrics`, in the document as in the server.
    @Test func securityCoversTheV1RoutesAndMetrics() async throws {
        let spec = try await Spec.load()
        for endpoint in spec.endpoints {
            let path = endpoint.path.rawValue
            let guarded = path.hasPrefix("/v1/") || path == "/metrics"
            let schemes = Set(endpoint.security.flatMap { $0.schemes.keys })
            if guarded {
                #expect(schemes.isSuperset(of: ["bearer", "apiKeyHeader"]), "\(path) should need the key")
                #expect(endpoint.responses[.status(code: 401)] != nil, "\(path) should document 401")
            } else {
                #expect(schemes.isEmpty, "\(path) should stay open")
            }
        }
    }

    /// The document's error codes are the ones docs/SERVER.md lists.
    @Test func errorCodesAreThoseOfServerMD() async throws {
        let spec = try await Spec.load()
        let documented = try #require(spec.checker.schema(named: "Error")?["properties"]?["error"]?["properties"]?["code"]?["enum"]?.array)
        let serverMD = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/SERVER.md")
        let text = try String(contentsOf: serverMD, encoding: .utf8)
        let start = try #require(text.range(of: "`code` is one of"))
        let sentence = text[start.upperBound...].prefix { $0 != "." }
        // The code-shaped words in backquotes (the sentence also quotes a path).
        let listed = sentence.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            .filter { $0.allSatisfy { $0.isLowercase || $0 == "_" } }
        #expect(listed.count >= 10)
        #expect(Set(documented.compactMap(\.string)) == Set(listed))
    }

    // MARK: Routes

    @Test func documentListsExactlyTheServedRoutes() async throws {
        let spec = try await Spec.load()
        let documented = Set(spec.endpoints.map { "\($0.method.rawValue) \($0.path.rawValue)" })
        #expect(documented == Self.servedRoutes,
                "only documented: \(documented.subtracting(Self.servedRoutes).sorted()); only served: \(Self.servedRoutes.subtracting(documented).sorted())")

        // Every documented operation answers (with an empty body where it takes one): never
        // 404 or 405, and with a documented status, media type and body.
        let calls = spec.endpoints.map { endpoint in
            let template = endpoint.path.rawValue
            let uri = template.replacingOccurrences(of: "{id}", with: "default")
            var headers: HTTPFields = [.authorization: "Bearer \(Self.key)"]
            if let type = endpoint.requestBody?.content.keys.first { headers[.contentType] = type.rawValue }
            return Call(endpoint.method.rawValue, uri, template, headers: headers, body: endpoint.requestBody == nil ? nil : "")
        }
        let app = try buildApplication(ServerConfiguration(port: 0, apiKey: Self.key), service: FakeGenerationService())
        let responses = try await Self.execute(calls, on: app)
        for (call, response) in zip(calls, responses) {
            #expect(response.status != .notFound && response.status != .methodNotAllowed,
                    "\(call.method) \(call.uri) answered \(response.status.code)")
            // (A plain GET of /v1/stream is not an upgrade: 426.)
            Self.conform(response, to: call, in: spec)
        }
        // And a route the document does not list does not exist.
        let missing = try await Self.execute([Call("GET", "/v1/nothing", "", headers: [.authorization: "Bearer \(Self.key)"])], on: app)
        #expect(missing[0].status == .notFound)
    }

    // MARK: Conformance of real answers

    @Test func successfulAnswersConform() async throws {
        let spec = try await Spec.load()
        let auth: HTTPFields = [.authorization: "Bearer \(Self.key)"]
        let json: HTTPFields = [.authorization: "Bearer \(Self.key)", .contentType: "application/json"]
        let prompt = Data(FakeGenerationService.midi(FakeGenerationService.notes(GenerationRequest(genre: "jazz", bars: 2)))).base64EncodedString()
        let calls = [
            Call("GET", "/health", "/health"),
            Call("GET", "/metrics", "/metrics", headers: auth),
            Call("GET", "/openapi.json", "/openapi.json"),
            Call("GET", "/", "/"),
            Call("GET", "/studio.js", "/studio.js"),
            Call("GET", "/studio.css", "/studio.css"),
            Call("GET", "/v1/models", "/v1/models", headers: auth),
            Call("GET", "/v1/models/default", "/v1/models/{id}", headers: auth),
            Call("GET", "/v1/models/second", "/v1/models/{id}", headers: [.init("X-API-Key")!: Self.key]),
            Call("POST", "/v1/generate", "/v1/generate", headers: json + [.accept: "application/json"],
                 body: #"{"genre": "jazz", "bars": 2, "seed": 7, "temperature": 0.9, "topP": 0.9, "instruments": [0, "drums"], "key": "Am", "ensembleBars": 0}"#),
            Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "pop", "bars": 1, "seed": "18446744073709551615"}"#),
            Call("POST", "/v1/generate", "/v1/generate", headers: json + [.accept: "*/*"], body: #"{"genre": "jazz", "model": "default"}"#),
            Call("POST", "/v1/generate", "/v1/generate", headers: json + [.accept: "audio/wav"], body: #"{"genre": "classical", "bars": 1}"#),
            Call("POST", "/v1/generate?format=json", "/v1/generate", headers: json, body: #"{"genre": "folk", "model": "second", "bars": 1}"#),
            Call("POST", "/v1/continue", "/v1/continue", headers: json + [.accept: "application/json"],
                 body: #"{"genre": "jazz", "bars": 2, "prompt": "\#(prompt)", "promptBars": 1}"#),
            Call("POST", "/v1/continue", "/v1/continue", headers: json, body: #"{"genre": "jazz", "prompt": "\#(prompt)"}"#),
            Call("POST", "/v1/render", "/v1/render", headers: auth + [.contentType: "audio/midi", .accept: "audio/wav"],
                 bytes: Array(Data(base64Encoded: prompt)!)),
        ]
        let app = try buildApplication(ServerConfiguration(port: 0, apiKey: Self.key), service: FakeGenerationService())
        let responses = try await Self.execute(calls, on: app)
        for (call, response) in zip(calls, responses) {
            #expect(response.status == .ok, "\(call.method) \(call.uri): \(response.status.code) \(String(buffer: response.body).prefix(300))")
            Self.conform(response, to: call, in: spec)
            if let body = call.body, let schema = spec.requestSchema(call.method, call.template), call.template != "/v1/render" {
                // What the server took, the document allows.
                let problems = spec.checker.problems(try SchemaChecker.Value(json: Array(body.utf8)), against: schema)
                #expect(problems.isEmpty, "request body of \(call.uri): \(problems)")
            }
        }
        // The MIDI answer carries every header the document lists for it, with values of their schema.
        let midi = try #require(zip(calls, responses).first { $0.1.headers[.contentType] == "audio/midi" }?.1)
        #expect(Array(midi.body.readableBytesView.prefix(4)) == Array("MThd".utf8))
        let headers = try #require(spec.checker.dereferenced(spec.raw["paths"]?["/v1/generate"]?["post"]?["responses"]?["200"])?["headers"]?.object)
        #expect(headers.count == 4)
        for (name, header) in headers {
            let value = try #require(midi.headers[HTTPField.Name(name)!], "the MIDI answer lacks \(name)")
            let schema = try #require(spec.checker.dereferenced(header)?["schema"])
            let parsed: SchemaChecker.Value = Double(value).map { .number($0) } ?? .string(value)
            #expect(spec.checker.problems(parsed, against: schema).isEmpty, "\(name): \(value)")
        }
    }

    /// One request per kind of error the API documents, each with the status, code and field it
    /// must answer, and an answer the document describes.
    @Test func errorAnswersConform() async throws {
        let spec = try await Spec.load()
        let json: HTTPFields = [.authorization: "Bearer \(Self.key)", .contentType: "application/json"]
        let cases: [(Call, status: Int, code: String, field: String?)] = [
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz", "tempi": 120}"#), 400, "unknown_field", "tempi"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz", "bars": "eight"}"#), 400, "invalid_setting", "bars"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz", "topP": 0}"#), 400, "invalid_setting", "topP"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz", "instruments": [0, 300]}"#), 400, "invalid_setting", "instruments[1]"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "polka"}"#), 400, "invalid_setting", "genre"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"bars": 4}"#), 400, "invalid_setting", "genre"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz","#), 400, "invalid_json", nil),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz", "model": "nope"}"#), 404, "not_found", "model"),
            (Call("POST", "/v1/generate?format=mp3", "/v1/generate", headers: json, body: #"{"genre": "jazz"}"#), 400, "invalid_setting", "format"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: [.contentType: "application/json"], body: #"{"genre": "jazz"}"#), 401, "unauthorized", "Authorization"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: [.authorization: "Bearer wrong-key-wrong-key", .contentType: "application/json"],
                  body: #"{"genre": "jazz"}"#), 401, "unauthorized", "Authorization"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json + [.accept: "text/html"], body: #"{"genre": "jazz"}"#), 406, "not_acceptable", "Accept"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: [.authorization: "Bearer \(Self.key)", .contentType: "text/plain"],
                  body: #"{"genre": "jazz"}"#), 415, "unsupported_media_type", "Content-Type"),
            (Call("POST", "/v1/continue", "/v1/continue", headers: json, body: #"{"genre": "jazz"}"#), 400, "invalid_setting", "prompt"),
            (Call("POST", "/v1/continue", "/v1/continue", headers: json, body: #"{"genre": "jazz", "prompt": "bm90IGEgTUlESSBmaWxl"}"#), 422, "invalid_midi", "prompt"),
            (Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz", "prompt": "bm90IGEgTUlESSBmaWxl"}"#), 400, "unknown_field", "prompt"),
            (Call("POST", "/v1/render", "/v1/render", headers: [.authorization: "Bearer \(Self.key)", .contentType: "audio/midi"], body: "not a MIDI file"),
             422, "invalid_midi", "body"),
            (Call("POST", "/v1/render", "/v1/render", headers: [.authorization: "Bearer \(Self.key)", .contentType: "audio/midi", .accept: "text/html"],
                  body: "MThd"), 406, "not_acceptable", "Accept"),
            (Call("POST", "/v1/render", "/v1/render", headers: json, body: "{}"), 415, "unsupported_media_type", "Content-Type"),
            (Call("GET", "/v1/models/nope", "/v1/models/{id}", headers: json), 404, "not_found", "id"),
            (Call("GET", "/v1/models", "/v1/models"), 401, "unauthorized", "Authorization"),
            (Call("GET", "/metrics", "/metrics"), 401, "unauthorized", "Authorization"),
            (Call("GET", "/v1/stream", "/v1/stream"), 401, "unauthorized", "Authorization"),
        ]
        let app = try buildApplication(ServerConfiguration(port: 0, apiKey: Self.key), service: FakeGenerationService())
        let responses = try await Self.execute(cases.map(\.0), on: app)
        for ((call, status, code, field), response) in zip(cases, responses) {
            let label = "\(call.method) \(call.uri) \(call.body ?? "")"
            #expect(Int(response.status.code) == status, "\(label): \(String(buffer: response.body))")
            let body = Self.conform(response, to: call, in: spec)
            #expect(body?["error"]?["code"] == .string(code), "\(label)")
            #expect(body?["error"]?["field"] == field.map(SchemaChecker.Value.string), "\(label)")
            // The document rejects the bodies the server rejects for their shape.
            if ["unknown_field", "invalid_json"].contains(code) || field == "bars" || field == "topP" || field?.hasPrefix("instruments") == true,
               let schema = spec.requestSchema(call.method, call.template), let text = call.body {
                let value = try? SchemaChecker.Value(json: Array(text.utf8))
                #expect(value.map { !spec.checker.problems($0, against: schema).isEmpty } ?? true, "the document allows \(label)")
            }
        }
    }

    @Test func busyAndOversizedAnswersConform() async throws {
        let spec = try await Spec.load()
        let json: HTTPFields = [.contentType: "application/json"]
        // No slot at all: every generation is refused with 503 and Retry-After.
        let busy = [Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz"}"#),
                    Call("POST", "/v1/continue", "/v1/continue", headers: json,
                         body: #"{"genre": "jazz", "prompt": "\#(Data(FakeGenerationService.midi(FakeGenerationService.notes(.init(genre: "jazz", bars: 1)))).base64EncodedString())"}"#)]
        let busyApp = try buildApplication(ServerConfiguration(port: 0), service: FakeGenerationService(slots: 0))
        for (call, response) in zip(busy, try await Self.execute(busy, on: busyApp)) {
            #expect(response.status == .serviceUnavailable)
            #expect(Self.conform(response, to: call, in: spec)?["error"]?["code"] == .string("busy"))
            #expect(response.headers[.retryAfter].flatMap(Int.init) != nil)
        }
        // A body past the limit: 413, on every route that takes one.
        let large = String(repeating: " ", count: 4096)
        let oversized = [Call("POST", "/v1/generate", "/v1/generate", headers: json, body: #"{"genre": "jazz"\#(large)}"#),
                         Call("POST", "/v1/continue", "/v1/continue", headers: json, body: #"{"genre": "jazz"\#(large)}"#),
                         Call("POST", "/v1/render", "/v1/render", headers: [.contentType: "audio/midi"], body: large)]
        let smallApp = try buildApplication(ServerConfiguration(port: 0, limits: ServerLimits(maximumBodyBytes: 1024)), service: FakeGenerationService())
        for (call, response) in zip(oversized, try await Self.execute(oversized, on: smallApp)) {
            #expect(response.status == .contentTooLarge, "\(call.uri)")
            #expect(Self.conform(response, to: call, in: spec)?["error"]?["code"] == .string("payload_too_large"))
        }
    }

    /// Every message of the live stream is one of the documented stream messages.
    @Test func streamMessagesConform() async throws {
        let spec = try await Spec.load()
        let serverMessage = try #require(spec.checker.schema(named: "StreamServerMessage"))
        let clientMessage = try #require(spec.checker.schema(named: "StreamClientMessage"))
        let requests = [
            (#"{"genre": "jazz", "bars": 2, "seed": 3, "pace": "asap"}"#, FakeGenerationService(), ["started", "note", "finished"]),
            (#"{"genre": "polka"}"#, FakeGenerationService(), ["error"]),
            (#"{"genre": "jazz", "bars": 1}"#, FakeGenerationService(slots: 0), ["error"]),
        ]
        for (request, service, types) in requests {
            #expect(spec.checker.problems(try SchemaChecker.Value(json: Array(request.utf8)), against: clientMessage).isEmpty)
            let messages = try await Self.stream(request, service: service)
            #expect(Set(messages.compactMap { $0["type"]?.string }) == Set(types), "\(request)")
            for message in messages {
                let type = try #require(message["type"]?.string)
                let schema = try #require(spec.checker.schema(named: "Stream" + type.prefix(1).uppercased() + type.dropFirst()))
                let problems = spec.checker.problems(message, against: schema)
                #expect(problems.isEmpty, "\(type) message: \(problems)")
                #expect(spec.checker.problems(message, against: serverMessage).isEmpty)
            }
        }
    }

    // MARK: The checker can fail

    @Test func schemaCheckerRejectsWhatTheDocumentForbids() async throws {
        let spec = try await Spec.load()
        let checker = spec.checker
        func problems(_ json: String, _ schema: String) throws -> [String] {
            checker.problems(try SchemaChecker.Value(json: Array(json.utf8)), against: try #require(checker.schema(named: schema)))
        }
        #expect(try problems(#"{"genre": "jazz", "bars": 8, "instruments": [0, "drums"]}"#, "GenerateBody").isEmpty)
        #expect(try problems(#"{"genre": "jazz", "colour": 1}"#, "GenerateBody").contains { $0.contains("\"colour\" is not allowed") })
        #expect(try !problems(#"{"bars": 8}"#, "GenerateBody").isEmpty)
        #expect(try !problems(#"{"genre": "jazz", "bars": 1.5}"#, "GenerateBody").isEmpty)
        #expect(try !problems(#"{"genre": "jazz", "topP": 0}"#, "GenerateBody").isEmpty)
        #expect(try !problems(#"{"genre": "jazz", "instruments": [true]}"#, "GenerateBody").isEmpty)
        #expect(try !problems(#"{"genre": "jazz"}"#, "ContinueBody").isEmpty)
        #expect(try !problems(#"{"error": {"status": 400, "code": "oops", "message": "m"}}"#, "Error").isEmpty)
        #expect(try !problems(#"{"error": {"status": 400, "code": "busy"}}"#, "Error").isEmpty)
        #expect(try !problems(#"{"type": "note", "bar": 0}"#, "StreamServerMessage").isEmpty)
        #expect(try !problems(#"{"id": "a", "identifier": "b", "description": "c", "genres": "jazz"}"#, "Model").isEmpty)
        #expect(try problems(#"{"id": "a", "identifier": "b", "description": "c", "genres": [], "card": null}"#, "Model").isEmpty)
        // A keyword the checker does not implement is a problem, never a silent pass.
        #expect(!checker.problems(.number(1), against: .object(["not": .object([:])])).isEmpty)
        #expect(!checker.problems(.number(1), against: .object(["$ref": .string("#/components/schemas/Nope")])).isEmpty)
    }

    // MARK: Helpers

    /// One request: where it goes and which documented route it exercises.
    struct Call: Sendable {
        var method: String, uri: String, template: String
        var headers: HTTPFields
        var body: String?
        /// Raw bytes to send instead of `body` (MIDI).
        var bytes: [UInt8]?

        init(_ method: String, _ uri: String, _ template: String, headers: HTTPFields = [:], body: String? = nil, bytes: [UInt8]? = nil) {
            (self.method, self.uri, self.template, self.headers, self.body, self.bytes) = (method, uri, template, headers, body, bytes)
        }
    }

    static func execute(_ calls: [Call], on app: some ApplicationProtocol) async throws -> [TestResponse] {
        try await app.test(.router) { client in
            var responses: [TestResponse] = []
            for call in calls {
                let body = call.bytes.map { ByteBuffer(bytes: $0) } ?? call.body.map { ByteBuffer(string: $0) }
                responses.append(try await client.executeRequest(uri: call.uri, method: HTTPRequest.Method(call.method)!,
                                                                headers: call.headers, body: body))
            }
            return responses
        }
    }

    /// Checks that `response` is an answer the document describes for `call`'s operation: a
    /// listed status, a listed media type, the headers it marks required, and (for JSON) a body
    /// that conforms to the schema. Returns the JSON body, if any.
    @discardableResult
    static func conform(_ response: TestResponse, to call: Call, in spec: Spec, sourceLocation: SourceLocation = #_sourceLocation)
        -> SchemaChecker.Value?
    {
        let label = "\(call.method) \(call.uri) → \(response.status.code)"
        guard let endpoint = spec.endpoints.first(where: { $0.method.rawValue == call.method && $0.path.rawValue == call.template }) else {
            Issue.record("\(call.method) \(call.template) is not in the document", sourceLocation: sourceLocation)
            return nil
        }
        let status = Int(response.status.code)
        guard let documented = endpoint.responses[.status(code: status)] else {
            Issue.record("\(label): status not documented (documented: \(endpoint.responses.keys.map(\.rawValue)))", sourceLocation: sourceLocation)
            return nil
        }
        for (name, header) in documented.headers ?? [:] where header.required {
            #expect(response.headers[HTTPField.Name(name)!] != nil, "\(label): lacks the required header \(name)", sourceLocation: sourceLocation)
        }
        let type = response.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let documentedTypes = documented.content.keys.map { $0.typeAndSubtype.lowercased() }
        guard let type else {
            #expect(response.body.readableBytes == 0 && documentedTypes.isEmpty, "\(label): a body without Content-Type", sourceLocation: sourceLocation)
            return nil
        }
        guard documentedTypes.contains(type) else {
            Issue.record("\(label): Content-Type \(type) not documented (documented: \(documentedTypes))", sourceLocation: sourceLocation)
            return nil
        }
        guard type == "application/json" else { return nil }
        let value: SchemaChecker.Value
        do {
            value = try SchemaChecker.Value(json: Array(response.body.readableBytesView))
        } catch {
            Issue.record("\(label): the body is not JSON: \(error)", sourceLocation: sourceLocation)
            return nil
        }
        guard let schema = spec.responseSchema(call.method, call.template, status: status, contentType: type) else {
            Issue.record("\(label): no schema for \(type)", sourceLocation: sourceLocation)
            return value
        }
        let problems = spec.checker.problems(value, against: schema)
        #expect(problems.isEmpty, "\(label): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
        if status >= 400 {
            #expect(value["error"]?["status"] == .number(Double(status)), "\(label): error.status differs", sourceLocation: sourceLocation)
        }
        return value
    }

    /// Sends `request` on `/v1/stream` over a loopback socket and collects the server's messages
    /// until it closes.
    static func stream(_ request: String, service: some GenerationService) async throws -> [SchemaChecker.Value] {
        let app = try buildApplication(ServerConfiguration(port: 0), service: service)
        return try await app.test(.live) { client in
            let messages = MessageLog()
            try await client.ws("/v1/stream") { inbound, outbound, _ in
                try await outbound.write(.text(request))
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    guard case .text(let text) = message else { continue }
                    messages.append(try SchemaChecker.Value(json: Array(text.utf8)))
                }
            }
            return messages.all
        }
    }

    final class MessageLog: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [SchemaChecker.Value] = []
        func append(_ value: SchemaChecker.Value) { lock.withLock { values.append(value) } }
        var all: [SchemaChecker.Value] { lock.withLock { values } }
    }

    /// The served document, decoded by OpenAPIKit and as raw JSON for the schema checker.
    /// Immutable once loaded, hence shared by the tests (decoding it takes about a second in a
    /// debug build).
    struct Spec: @unchecked Sendable {
        let document: OpenAPI.Document
        let endpoints: [ResolvedEndpoint]
        let raw: SchemaChecker.Value
        var checker: SchemaChecker { SchemaChecker(document: raw) }

        private static let shared = Task { try await fetch() }

        static func load() async throws -> Spec { try await shared.value }

        /// Fetches `/openapi.json` through the router, as a client would.
        private static func fetch() async throws -> Spec {
            let app = try buildApplication(ServerConfiguration(port: 0), service: FakeGenerationService())
            let response = try await app.test(.router) { client in try await client.executeRequest(uri: "/openapi.json", method: .get, headers: [:], body: nil) }
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let bytes = Data(response.body.readableBytesView)
            let document = try JSONDecoder().decode(OpenAPI.Document.self, from: bytes)
            return Spec(document: document, endpoints: try document.locallyDereferenced().resolved().endpoints,
                        raw: try SchemaChecker.Value(json: bytes))
        }

        func operation(_ method: String, _ template: String) -> SchemaChecker.Value? {
            raw["paths"]?[template]?[method.lowercased()]
        }

        func responseSchema(_ method: String, _ template: String, status: Int, contentType: String) -> SchemaChecker.Value? {
            checker.dereferenced(operation(method, template)?["responses"]?[String(status)])?["content"]?[contentType]?["schema"]
        }

        func requestSchema(_ method: String, _ template: String) -> SchemaChecker.Value? {
            checker.dereferenced(operation(method, template)?["requestBody"])?["content"]?["application/json"]?["schema"]
        }
    }
}

private extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        for field in rhs { fields[field.name] = field.value }
        return fields
    }
}
