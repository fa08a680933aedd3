import ArgumentParser
import Cadenza
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `cadenza serve`: hands over to the `cadenza-server` executable built beside this one. The
/// server is a product of its own so that `cadenza`'s release build (the first command a
/// newcomer runs) does not compile SwiftNIO and Hummingbird.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve models over HTTP: a JSON API, a WebSocket stream of notes, and a web studio at /.",
        discussion: """
            cadenza serve                                  # http://127.0.0.1:8080/
            cadenza serve --host 0.0.0.0 --api-key-file key.txt

            Runs the cadenza-server executable from the same build folder (build it once with
            `swift build -c release --product cadenza-server`). `cadenza serve --help-server`
            lists all of its flags (limits included). API: docs/SERVER.md, /openapi.json.
            """)

    @Option(help: "Address to listen on (127.0.0.1 keeps the server to this machine).")
    var host = "127.0.0.1"

    @Option(help: "TCP port.")
    var port = 8080

    @Option(name: .customLong("api-key-file"), help: "File whose first line is the API key clients must send.")
    var apiKeyFile: String?

    @Option(help: "Model to serve: a checkpoint path or 'default'. Repeat to serve several.")
    var model: [String] = []

    @Argument(parsing: .allUnrecognized, help: "Further cadenza-server flags (--max-bars, --concurrent-generations, …).")
    var serverFlags: [String] = []

    func run() throws {
        var arguments = ["--host", host, "--port", String(port)]
        if let apiKeyFile { arguments += ["--api-key-file", apiKeyFile] }
        for name in model { arguments += ["--model", name] }
        arguments += serverFlags.map { $0 == "--help-server" ? "--help" : $0 }
        let server = try Self.serverExecutable()
        let argv = ([server] + arguments).map { strdup($0) } + [nil]
        execv(server, argv)
        throw ValidationError("could not start \(server): \(String(cString: strerror(errno)))")
    }

    /// `cadenza-server` beside this executable, else on PATH.
    static func serverExecutable() throws -> String {
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [own.deletingLastPathComponent().appendingPathComponent("cadenza-server").path]
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append(String(folder) + "/cadenza-server")
        }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw CadenzaError.invalidSetting(
            field: "serve", problem: "the cadenza-server executable is not built (looked beside \(own.path) and on PATH)",
            hint: "build it once, it adds SwiftNIO and Hummingbird: swift build -c release --product cadenza-server")
    }
}
