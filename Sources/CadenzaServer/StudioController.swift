import Hummingbird

/// The web studio's files and the OpenAPI document, compiled into the executable
/// (`.embedInCode`), so the server needs no files beside it and works offline.
struct StudioController {
    func add(to router: Router<ServerContext>) {
        router.get("/") { _, _ in Self.file(PackageResources.index_html, "text/html; charset=utf-8") }
        router.get("/studio.js") { _, _ in Self.file(PackageResources.studio_js, "text/javascript; charset=utf-8") }
        router.get("/studio.css") { _, _ in Self.file(PackageResources.studio_css, "text/css; charset=utf-8") }
        router.get("/openapi.json") { _, _ in Self.file(PackageResources.openapi_json, "application/json") }
    }

    static func file(_ bytes: [UInt8], _ type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache",
                                        .init("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
