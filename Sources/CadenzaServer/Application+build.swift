import Cadenza
import Hummingbird
import HummingbirdWebSocket
import Logging

/// The server's context: Hummingbird's, with the WebSocket upgrade slot `/v1/stream` needs.
public typealias ServerContext = BasicWebSocketRequestContext

/// The HTTP application: `buildRouter`'s routes on HTTP/1.1 with WebSocket upgrade, listening
/// where `configuration` says. Refuses a configuration that would expose the API without a key.
public func buildApplication(
    _ configuration: ServerConfiguration, service: any GenerationService, logger: Logger? = nil
) throws(ServerError) -> some ApplicationProtocol {
    try configuration.validate()
    let router = buildRouter(configuration, service: service, metrics: ServerMetrics())
    var logger = logger ?? Logger(label: "cadenza-server")
    if logger.logLevel > .notice { logger.logLevel = .notice }
    // Idle connections are closed after 30 s, so a client that opens sockets and sends
    // nothing cannot hold them forever.
    let channel = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(idleTimeout: .seconds(30)),
        ws: .init(maxFrameSize: max(configuration.limits.maximumBodyBytes * 2, 1 << 16), autoPing: .enabled(timePeriod: .seconds(30)), validateUTF8: true))
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: channel),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cadenza/\(CadenzaVersion.string)"),
        logger: logger)
}

/// Every route (docs/SERVER.md, /openapi.json), with errors as JSON, an API key when one is
/// set, and request metrics.
public func buildRouter(_ configuration: ServerConfiguration, service: any GenerationService, metrics: ServerMetrics = ServerMetrics())
    -> Router<ServerContext>
{
    let router = Router(context: ServerContext.self)
    let table = RouteTable()
    router.middlewares.add(ErrorMiddleware(metrics: metrics, routes: table))
    router.middlewares.add(APIKeyMiddleware(key: configuration.apiKey))
    StudioController().add(to: router)
    StatusController(service: service, metrics: metrics).add(to: router)
    ModelsController(service: service).add(to: router)
    GenerateController(service: service, limits: configuration.limits, metrics: metrics).add(to: router)
    StreamController(service: service, limits: configuration.limits, metrics: metrics).add(to: router)
    table.fill(router.routes.map { (String(describing: $0.path), $0.method.rawValue) })
    return router
}
