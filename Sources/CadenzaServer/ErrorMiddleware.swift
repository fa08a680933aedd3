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
