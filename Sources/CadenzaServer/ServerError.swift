import Cadenza
import Foundation
import Hummingbird

/// Every way a request can fail, as the JSON error body the API documents:
/// `{"error": {"status", "code", "field", "message", "hint"}}`.
public struct ServerError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// Machine-readable kind (`invalid_setting`, `busy`, …; docs/SERVER.md lists them).
    public var code: String
    /// The request field at fault (JSON field, header or query parameter), when one is.
    public var field: String?
    public var message: String
    /// What to do about it.
    public var hint: String?
    /// Seconds after which a retry may succeed (sent as `Retry-After`).
    public var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, code: String, field: String? = nil, message: String, hint: String? = nil, retryAfter: Int? = nil) {
        (self.status, self.code, self.field, self.message, self.hint, self.retryAfter) = (status, code, field, message, hint, retryAfter)
    }

    public static func invalid(_ field: String, _ message: String, hint: String? = nil) -> ServerError {
        ServerError(.badRequest, code: "invalid_setting", field: field, message: message, hint: hint)
    }

    public static func busy(retryAfter: Int) -> ServerError {
        ServerError(.serviceUnavailable, code: "busy", message: "every generation slot is in use",
                    hint: "retry after \(retryAfter) s", retryAfter: retryAfter)
    }

    public static func notFound(_ what: String) -> ServerError {
        ServerError(.notFound, code: "not_found", message: "\(what) does not exist", hint: "GET /openapi.json lists the routes")
    }

    /// A library error as the client's fault (bad settings or a bad prompt) or the server's.
    public init(_ error: CadenzaError) {
        switch error {
        case .invalidSetting(let field, let problem, let hint):
            self = .invalid(Self.jsonName(field), problem, hint: hint)
        case .badInput(_, let location, let problem, let hint):
            // Only uploaded MIDI reaches the library as input from a request.
            self.init(.unprocessableContent, code: "invalid_midi", field: "prompt",
                      message: (location.map { "\($0): " } ?? "") + problem, hint: hint.isEmpty ? "send a Standard MIDI File" : hint)
        case .writeFailed:
            self.init(.internalServerError, code: "internal", message: error.description)
        }
    }

    /// The library names fields as CLI flags (`top-p`); the API as JSON (`topP`).
    static func jsonName(_ flag: String) -> String {
        let parts = flag.split(separator: "-")
        guard let first = parts.first else { return flag }
        return String(first) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The JSON body.
    public var body: [String: Any] { ["error": fields] }

    /// The error's own fields, as the HTTP body nests them and the stream's error message
    /// carries them.
    var fields: [String: Any] {
        var fields: [String: Any] = ["status": Int(status.code), "code": code, "message": message]
        if let field { fields["field"] = field }
        if let hint { fields["hint"] = hint }
        return fields
    }

    /// The body as bytes (keys sorted, so answers are stable).
    public var jsonBytes: [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())
    }
}

extension ServerError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }
}
