import HTTPTypes
import Hummingbird

/// Requires the API key, when the server has one, on every route but the open ones (the
/// studio's files, `/health`, `/openapi.json`), so that a browser can load the page and ask for
/// the key while the API and `/metrics` stay closed.
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
