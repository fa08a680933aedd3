import Foundation
import Hummingbird

/// `/v1/models`: what the server can generate with, and each model's card.
struct ModelsController {
    let service: any GenerationService

    func add(to router: Router<ServerContext>) {
        router.get("/v1/models") { _, _ in
            Response.json("{\"models\":[" + service.models.map { Self.json($0, card: false) }.joined(separator: ",") + "]}")
        }
        router.get("/v1/models/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let model = service.models.first(where: { $0.id == id }) else {
                throw ServerError(.notFound, code: "not_found", field: "id", message: "there is no model \"\(id)\"",
                                  hint: "GET /v1/models lists them: " + service.models.map(\.id).joined(separator: ", "))
            }
            return Response.json(Self.json(model, card: true))
        }
    }

    static func json(_ model: ServedModel, card: Bool) -> String {
        var fields: [String: Any] = ["id": model.id, "identifier": model.identifier, "description": model.description, "genres": model.genres]
        if card { fields["card"] = model.card ?? NSNull() }
        return WireFormat.object(fields)
    }
}
