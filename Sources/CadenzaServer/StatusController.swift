import Cadenza
import Hummingbird

/// `/health` for load balancers and `/metrics` for Prometheus.
struct StatusController {
    let service: any GenerationService
    let metrics: ServerMetrics

    func add(to router: Router<ServerContext>) {
        router.get("/health") { _, _ in
            let body = WireFormat.object([
                "status": "ok", "models": service.models.count, "activeGenerations": service.activeGenerations,
                "uptimeSeconds": (metrics.uptimeSeconds * 10).rounded() / 10, "version": CadenzaVersion.string,
            ])
            return Response.json(body)
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(activeGenerations: service.activeGenerations))))
        }
    }
}
