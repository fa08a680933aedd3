import ArgumentParser
import Cadenza
import CadenzaServer
import Foundation
import Hummingbird
import Logging

/// `cadenza-server` (also reached as `cadenza serve`): the HTTP API, live stream and web studio.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cadenza serve",
        abstract: "Serve models over HTTP: a JSON API, a WebSocket stream of notes, and a web studio at /.",
        discussion: """
            cadenza serve                                  # http://127.0.0.1:8080/
            cadenza serve --port 9000 --model runs/finetune
            cadenza serve --host 0.0.0.0 --api-key-file key.txt

            Listens on 127.0.0.1 unless --host says otherwise; any other address needs an API key
            (a file with one line of at least 16 characters). The API is described at /openapi.json
            and in docs/SERVER.md.
            """)

    @Option(help: "Address to listen on (127.0.0.1 keeps the server to this machine).")
    var host = "127.0.0.1"

    @Option(help: "TCP port (0 picks a free one).")
    var port = 8080

    @Option(name: .customLong("api-key-file"), help: "File whose first line is the API key clients must send.")
    var apiKeyFile: String?

    @Option(help: "Model to serve: a checkpoint path or 'default' (the embedded model). Repeat to serve several; the first is the default.")
    var model: [String] = []

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body in bytes.")
    var maxBodyBytes = 1 << 20

    @Option(name: .customLong("max-bars"), help: "Longest piece a request may ask for, in bars.")
    var maxBars = 64

    @Option(name: .customLong("max-seconds"), help: "Longest piece a request may ask for, in seconds (also bounds WAV rendering).")
    var maxSeconds: Double = 300

    @Option(name: .customLong("stream-request-timeout"), help: "Seconds a WebSocket client has to send its request.")
    var streamRequestTimeout: Double = 10

    @Option(name: .customLong("concurrent-generations"), help: "Generations at once; more get 503 with Retry-After (default: one per core).")
    var concurrentGenerations = max(1, ProcessInfo.processInfo.activeProcessorCount)

    @Option(name: .customLong("queued-generations"), help: "Requests that may wait for a slot; past that, 503 with Retry-After.")
    var queuedGenerations = 64

    @Option(name: .customLong("queue-timeout"), help: "Seconds a request may wait for a slot before it gets 503.")
    var queueTimeout: Double = 30

    @Option(name: .customLong("generation-timeout"), help: "Seconds one generation may take before it is stopped (504).")
    var generationTimeout: Double = 120

    func run() async throws {
        let limits = ServerLimits(maximumBodyBytes: maxBodyBytes, maximumBars: maxBars, maximumSeconds: maxSeconds,
                                  concurrentGenerations: concurrentGenerations, queuedGenerations: queuedGenerations,
                                  queueTimeout: queueTimeout, generationTimeout: generationTimeout,
                                  streamRequestTimeout: streamRequestTimeout)
        let configuration = ServerConfiguration(host: host, port: port, apiKey: try apiKeyFile.map(Self.readKey), limits: limits)
        try configuration.validate()
        var served: [(id: String, model: GenerationModel)] = []
        for name in model.isEmpty ? ["default"] : model {
            let loaded = try GenerationModel.named(name)
            let id = name == "default" ? "default" : URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            guard !served.contains(where: { $0.id == id }) else {
                throw CadenzaError.invalidSetting(field: "model", problem: "two models are named \(id)", hint: "serve each model once")
            }
            served.append((id, loaded))
        }
        let service = ModelGenerationService(models: served, limits: limits)
        var logger = Logger(label: "cadenza-server")
        logger.logLevel = .notice
        let app = try buildApplication(configuration, service: service, logger: logger)
        let shown = host.contains(":") ? "[\(host)]" : host
        FileHandle.standardError.write(Data(("cadenza serve: \(served.map { "\($0.id) (\($0.model.description), \($0.model.identifier))" }.joined(separator: ", "))\n"
            + "studio at http://\(shown):\(port)/ · API at /v1 · /openapi.json · Ctrl-C stops\n").utf8))
        try await app.runService()
    }

    /// The key is the file's first line; the file is never echoed.
    static func readKey(_ path: String) throws -> String {
        let bytes = try InputFile.read(path, maximumBytes: 4096)
        let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let key = line.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else {
            throw CadenzaError.badInput(file: path, location: "line 1", problem: "the API key file is empty", hint: "write one line of at least 16 random characters")
        }
        return key
    }
}

/// Exit status as CONVENTIONS.md fixes it: 1 for bad input, 2 for wrong usage.
@main
enum Main {
    static func main() async {
        do {
            let command = try ServerCommand.parseAsRoot()
            if var server = command as? ServerCommand { try await server.run() } else { var other = command; try other.run() }
        } catch let error as CadenzaError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            exit(1)
        } catch let error as ServerError {
            FileHandle.standardError.write(Data("error: \(error.field.map { "--\($0): " } ?? "")\(error.message)\(error.hint.map { " (\($0))" } ?? "")\n".utf8))
            exit(1)
        } catch {
            let code = ServerCommand.exitCode(for: error)
            if code == .success { ServerCommand.exit(withError: error) }  // --help
            // Usage mistakes exit 2; run-time failures (port in use, permission) exit 1.
            let message = ServerCommand.fullMessage(for: error)
            FileHandle.standardError.write(Data((message.isEmpty ? "error: \(error)" : message).utf8 + [10]))
            exit(code == .failure ? 1 : 2)
        }
    }
}
