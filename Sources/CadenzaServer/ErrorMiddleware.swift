import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Turns every failure into the API's JSON error (Hummingbird's own 404/405/413 included),
/// and counts each request by route and status for `/metrics`.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as ServerError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            var failure = Self.translate(error, request)
            // A path that exists under other methods: 405 with the methods it has.
            if error.status == .notFound, let allowed = routes.methods(for: request.uri.path), !allowed.contains(request.method.rawValue) {
                failure = ServerError(.methodNotAllowed, code: "method_not_allowed",
                                      message: "\(request.method) is not allowed on \(request.uri.path)", hint: "use " + allowed.joined(separator: " or "))
                var answer = try failure.response(from: request, context: context)
                answer.headers[.allow] = allowed.joined(separator: ", ")
                metrics.request(route: "unmatched", method: request.method.rawValue, status: 405)
                return answer
            }
            response = try failure.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            response = try ServerError(.contentTooLarge, code: "payload_too_large", message: "the request body is too large",
                                       hint: "see the server's --max-body-bytes").response(from: request, context: context)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("unexpected error on \(request.method) \(request.uri.path): \(error)")
            response = try ServerError(.internalServerError, code: "internal", message: "the server failed on this request",
                                       hint: "the server's log has the details").response(from: request, context: context)
        }
        metrics.request(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code))
        return response
    }

    static func translate(_ error: HTTPError, _ request: Request) -> ServerError {
        switch error.status {
        case .notFound:
            return .notFound("\(request.method) \(request.uri.path)")
        case .methodNotAllowed:
            return ServerError(.methodNotAllowed, code: "method_not_allowed", message: "\(request.method) is not allowed on \(request.uri.path)",
                               hint: "GET /openapi.json lists each route's methods")
        case .contentTooLarge:
            return ServerError(.contentTooLarge, code: "payload_too_large", message: "the request body is too large")
        default:
            return ServerError(error.status, code: error.status.code < 500 ? "invalid_request" : "internal",
                               message: error.body ?? error.status.reasonPhrase)
        }
    }
}

/// The served routes (path templates and their methods), to tell a wrong method (405) from a
/// wrong path (404). Filled once, after the routes are added, before the server starts.
final class RouteTable: @unchecked Sendable {
    private var templates: [(segments: [Substring], methods: [String])] = []

    func fill(_ routes: [(path: String, method: String)]) {
        var byPath: [String: [String]] = [:]
        for route in routes { byPath[route.path, default: []].append(route.method) }
        templates = byPath.map { ($0.key.split(separator: "/"), $0.value.sorted()) }
    }

    /// The methods served on `path`, or nil when no route has that path.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        let matching = templates.filter { template in
            template.segments.count == segments.count && zip(template.segments, segments).allSatisfy { pattern, segment in
                pattern == segment || pattern.hasPrefix("{") || pattern.hasPrefix(":")
            }
        }
        return matching.isEmpty ? nil : Array(Set(matching.flatMap(\.methods))).sorted()
    }
}

/// Requires the API key on `/v1` routes and `/metrics` when the server has one; the studio's
/// files, `/health` and `/openapi.json` stay open so that a browser can load the page and ask
/// for the key.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // By the matched route's template, not the raw path: the router also matches
        // "//v1/models" and "/metrics/", which must not slip past the key. Unmatched paths
        // (nil) answer 404 and reach nothing.
        guard let key, let route = context.endpointPath, !Self.open.contains(route) else { return try await next(request, context) }
        let given = Self.presentedKey(request, route: route)
        guard let given, Self.constantTimeEqual(Array(given.utf8), Array(key.utf8)) else {
            throw ServerError(.unauthorized, code: "unauthorized", field: "Authorization",
                              message: given == nil ? "this server needs an API key" : "the API key is wrong",
                              hint: "send Authorization: Bearer KEY (or X-API-Key: KEY)")
        }
        return try await next(request, context)
    }

    /// Routes anyone may reach: the studio's files (so a browser can load the page and ask for
    /// the key), health and the API's description. Every other route needs the key.
    static var open: Set<String> { OpenRoutes.all }

    static func presentedKey(_ request: Request, route: String) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if let header = HTTPField.Name("X-API-Key"), let key = request.headers[header] { return key }
        // Browsers cannot set headers on a WebSocket, so the stream also takes ?key=.
        if route == "/v1/stream", let key = request.uri.queryParameters.get("key") { return key }
        return nil
    }

    /// Compares without an early exit, so response time does not leak how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}

/// The routes `APIKeyMiddleware` leaves open (a generic type cannot hold a stored static).
enum OpenRoutes {
    static let all: Set<String> = ["/", "/studio.js", "/studio.css", "/health", "/openapi.json"]
}
