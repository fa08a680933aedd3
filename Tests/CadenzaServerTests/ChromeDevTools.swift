import Foundation
import HummingbirdWSClient
import Logging

/// A minimal Chrome DevTools Protocol client for browser tests: one WebSocket to the browser
/// (`HeadlessChromium.webSocketURL`), commands matched to replies by `id`, pages as flat
/// sessions (`Target.attachToTarget` with `flatten`, so every command is one message with a
/// `sessionId`). Every command is bounded by a timeout, so a test never hangs on the browser.
///
/// The page's uncaught exceptions and `console.error` calls are kept (`problems`) for failure
/// messages. Protocol reference: https://chromedevtools.github.io/devtools-protocol/
final class ChromeDevTools: Sendable {
    /// A JSON value as the protocol sends it.
    enum Value: Sendable, Hashable, Codable {
        case null, bool(Bool), number(Double), string(String), array([Value]), object([String: Value])

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let v = try? c.decode(Bool.self) { self = .bool(v) }
            else if let v = try? c.decode(Double.self) { self = .number(v) }
            else if let v = try? c.decode(String.self) { self = .string(v) }
            else if let v = try? c.decode([Value].self) { self = .array(v) }
            else { self = .object(try c.decode([String: Value].self)) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .null: try c.encodeNil()
            case .bool(let v): try c.encode(v)
            case .number(let v): try c.encode(v)
            case .string(let v): try c.encode(v)
            case .array(let v): try c.encode(v)
            case .object(let v): try c.encode(v)
            }
        }

        subscript(key: String) -> Value? { if case .object(let o) = self { o[key] } else { nil } }
        var string: String? { if case .string(let v) = self { v } else { nil } }
        var number: Double? { if case .number(let v) = self { v } else { nil } }
        var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
        var array: [Value]? { if case .array(let v) = self { v } else { nil } }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private let connection = Connection()

    private init() {}

    /// Connects to the browser at `webSocketURL`, runs `body`, then closes the connection.
    static func withBrowser<T: Sendable>(
        webSocketURL: String, _ body: @escaping @Sendable (ChromeDevTools) async throws -> T
    ) async throws -> T {
        let devTools = ChromeDevTools()
        let connection = devTools.connection
        let logger = {
            var logger = Logger(label: "ChromeDevTools")
            logger.logLevel = .warning
            return logger
        }()
        // Screenshots and page results can be megabytes; the close handshake must not linger.
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 26, closeTimeout: .seconds(2))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                do {
                    try await WebSocketClient.connect(url: webSocketURL, configuration: configuration, logger: logger) { inbound, outbound, _ in
                        await connection.opened(outbound)
                        for try await message in inbound.messages(maxSize: 1 << 26) {
                            if case .text(let text) = message { await connection.receive(text) }
                        }
                    }
                    await connection.closed(Failure("the browser closed the DevTools connection"))
                } catch {
                    await connection.closed(error)
                    throw error
                }
                return nil
            }
            group.addTask {
                do {
                    try await connection.waitUntilOpen()
                    let value = try await body(devTools)
                    await connection.close()
                    return value
                } catch {
                    await connection.close()
                    throw error
                }
            }
            while let value = try await group.next() {
                if let value { return value }
            }
            throw Failure("the DevTools connection ended before the test did")
        }
    }

    /// Sends one command and returns its `result`; throws the protocol's error, or after `timeout`.
    @discardableResult
    func send(_ method: String, _ params: [String: Value] = [:], session: String? = nil,
              timeout: Duration = .seconds(15)) async throws -> Value {
        let id = await connection.reserveID()
        return try await withThrowingTaskGroup(of: Value.self) { group in
            group.addTask { try await self.connection.call(id: id, method: method, params: params, session: session) }
            group.addTask {
                try await Task.sleep(for: timeout)
                let failure = Failure("\(method) got no answer within \(timeout)")
                await self.connection.fail(id: id, failure)
                throw failure
            }
            defer { group.cancelAll() }
            guard let value = try await group.next() else { throw Failure("\(method): no result") }
            return value
        }
    }

    /// Opens a new tab on `url` and attaches to it.
    func openPage(_ url: String) async throws -> Page {
        let target = try await send("Target.createTarget", ["url": .string("about:blank")])
        guard let targetID = target["targetId"]?.string else { throw Failure("Target.createTarget returned no targetId") }
        let attached = try await send("Target.attachToTarget", ["targetId": .string(targetID), "flatten": .bool(true)])
        guard let session = attached["sessionId"]?.string else { throw Failure("Target.attachToTarget returned no sessionId") }
        let page = Page(devTools: self, session: session)
        try await send("Runtime.enable", session: session)
        try await send("Page.enable", session: session)
        let navigation = try await send("Page.navigate", ["url": .string(url)], session: session)
        if let error = navigation["errorText"]?.string { throw Failure("could not open \(url): \(error)") }
        return page
    }

    /// Uncaught exceptions and console errors of every page so far, oldest first.
    var problems: [String] { get async { await connection.problems } }

    /// One attached page.
    struct Page: Sendable {
        let devTools: ChromeDevTools
        let session: String

        /// Evaluates `expression` in the page, awaiting a promise, and returns its value as JSON.
        /// Throws the page's exception, with its message.
        @discardableResult
        func evaluate(_ expression: String, timeout: Duration = .seconds(15)) async throws -> Value {
            let reply = try await devTools.send("Runtime.evaluate", [
                "expression": .string(expression), "awaitPromise": .bool(true), "returnByValue": .bool(true),
            ], session: session, timeout: timeout)
            if let details = reply["exceptionDetails"] {
                let text = details["exception"]?["description"]?.string ?? details["text"]?.string ?? "exception"
                throw Failure("page threw: \(text)\n  while evaluating: \(expression.prefix(300))")
            }
            return reply["result"]?["value"] ?? .null
        }

        /// Polls `condition` (a JS expression) until it is true; throws after `timeout`, with
        /// `describe` (a JS expression) evaluated for the message. Evaluation errors while
        /// polling (a page still loading) count as false.
        func waitUntil(_ condition: String, timeout: Duration, describe: String = "document.body?.dataset.state") async throws {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while clock.now < deadline {
                if (try? await evaluate("Boolean(\(condition))", timeout: .seconds(5)))?.bool == true { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            let state = (try? await evaluate("JSON.stringify(\(describe))", timeout: .seconds(5)))?.string ?? "?"
            let problems = await devTools.problems
            throw Failure("waited \(timeout) for \(condition); page says \(state); page problems: \(problems)")
        }
    }
}

/// The socket's state: the writer, the commands waiting for replies, and the page's problems.
private actor Connection {
    private var writer: WebSocketOutboundWriter?
    private var openWaiters: [CheckedContinuation<Void, any Error>] = []
    private var pending: [Int: CheckedContinuation<ChromeDevTools.Value, any Error>] = [:]
    private var nextID = 0
    private var closedBecause: (any Error)?
    private(set) var problems: [String] = []

    func reserveID() -> Int {
        nextID += 1
        return nextID
    }

    func opened(_ writer: WebSocketOutboundWriter) {
        self.writer = writer
        for waiter in openWaiters { waiter.resume() }
        openWaiters = []
    }

    func waitUntilOpen() async throws {
        if writer != nil { return }
        if let closedBecause { throw closedBecause }
        try await withCheckedThrowingContinuation { openWaiters.append($0) }
    }

    func call(id: Int, method: String, params: [String: ChromeDevTools.Value], session: String?) async throws -> ChromeDevTools.Value {
        if let closedBecause { throw closedBecause }
        guard let writer else { throw ChromeDevTools.Failure("\(method): not connected") }
        var message: [String: ChromeDevTools.Value] = ["id": .number(Double(id)), "method": .string(method), "params": .object(params)]
        if let session { message["sessionId"] = .string(session) }
        let text = String(decoding: try JSONEncoder().encode(ChromeDevTools.Value.object(message)), as: UTF8.self)
        return try await withCheckedThrowingContinuation { continuation in
            // Registered before the write, so the reply cannot overtake it.
            pending[id] = continuation
            Task {
                do { try await writer.write(.text(text)) } catch { self.fail(id: id, error) }
            }
        }
    }

    func fail(id: Int, _ error: any Error) {
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }

    func receive(_ text: String) {
        guard let message = try? JSONDecoder().decode(ChromeDevTools.Value.self, from: Data(text.utf8)) else {
            problems.append("unreadable DevTools message: \(text.prefix(200))")
            return
        }
        if let id = message["id"]?.number {
            guard let continuation = pending.removeValue(forKey: Int(id)) else { return }
            if let error = message["error"] {
                continuation.resume(throwing: ChromeDevTools.Failure("DevTools error \(error["code"]?.number ?? 0): \(error["message"]?.string ?? "?")"))
            } else {
                continuation.resume(returning: message["result"] ?? .object([:]))
            }
            return
        }
        let params = message["params"]
        switch message["method"]?.string {
        case "Runtime.exceptionThrown":
            let details = params?["exceptionDetails"]
            problems.append(details?["exception"]?["description"]?.string ?? details?["text"]?.string ?? "exception")
        case "Runtime.consoleAPICalled" where params?["type"]?.string == "error":
            let args = params?["args"]?.array ?? []
            problems.append("console.error: " + args.map { $0["value"]?.string ?? $0["description"]?.string ?? "?" }.joined(separator: " "))
        default:
            break
        }
    }

    func closed(_ error: any Error) {
        closedBecause = closedBecause ?? error
        writer = nil
        for waiter in openWaiters { waiter.resume(throwing: error) }
        openWaiters = []
        for continuation in pending.values { continuation.resume(throwing: error) }
        pending = [:]
    }

    /// Starts the close handshake; the browser answers and the socket's task ends.
    func close() async {
        guard let writer else { return }
        self.writer = nil
        try? await writer.close(.normalClosure, reason: nil)
    }
}

/// A headless Chromium for one test: its own temporary folder (profile, and TMPDIR, where
/// Chromium keeps its singleton socket), DevTools on a free port, and `terminate()` that kills
/// it and removes the folder (call it from a `defer`).
final class HeadlessChromium: @unchecked Sendable {
    /// The browser binary: `CADENZA_CHROMIUM`, else the first of chromium, chromium-browser,
    /// google-chrome on `PATH`; nil when there is none (browser tests then skip).
    static let binary: String? = {
        let environment = ProcessInfo.processInfo.environment
        let fileManager = FileManager.default
        if let path = environment["CADENZA_CHROMIUM"], !path.isEmpty {
            return fileManager.isExecutableFile(atPath: path) ? path : nil
        }
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for folder in folders where fileManager.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }()

    /// The browser's DevTools endpoint (`ws://127.0.0.1:PORT/devtools/browser/…`).
    let webSocketURL: String
    private let process: Process
    /// The browser's temporary folder: `profile/` and `tmp/`.
    private let folder: URL
    private let output: Output

    /// Everything the browser wrote to stderr (the last 64 KiB), for failure messages.
    var log: String { output.text }

    private init(webSocketURL: String, process: Process, folder: URL, output: Output) {
        (self.webSocketURL, self.process, self.folder, self.output) = (webSocketURL, process, folder, output)
    }

    /// Starts the browser on about:blank and waits (at most `timeout`) for its DevTools line.
    static func launch(binary: String, timeout: Duration = .seconds(20)) async throws -> HeadlessChromium {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cadenza-chromium-\(UUID().uuidString)")
        let profile = folder.appendingPathComponent("profile"), temporary = folder.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = temporary.path
        process.environment = environment
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
            // DevTools refuses WebSockets that carry an Origin unless allowed; HummingbirdWSClient
            // sends "ws://HOST" of the URL, and DevTools listens on 127.0.0.1.
            "--remote-allow-origins=ws://127.0.0.1",
            "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
            "--disable-dev-shm-usage", "--disable-background-networking", "--mute-audio",
            "--window-size=1280,800", "about:blank",
        ]
        let pipe = Pipe()
        let output = Output()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // Drained for the browser's whole life: a full pipe would block it.
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(data) }
        }
        do {
            try process.run()
        } catch {
            pipe.fileHandleForReading.readabilityHandler = nil
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        let browser = HeadlessChromium(webSocketURL: "", process: process, folder: folder, output: output)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let url = output.devToolsURL {
                return HeadlessChromium(webSocketURL: url, process: process, folder: folder, output: output)
            }
            if !process.isRunning { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        browser.terminate()
        throw ChromeDevTools.Failure("\(binary) printed no DevTools address within \(timeout); it said:\n\(output.text.suffix(2000))")
    }

    /// Stops the browser (SIGTERM, then SIGKILL after 3 s), waits for it, removes its folder.
    func terminate() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(3)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        // Helper processes may write a little after the browser exits; retry once.
        if (try? FileManager.default.removeItem(at: folder)) == nil {
            usleep(200_000)
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// The browser's stderr, collected from the pipe's reader thread.
    private final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()

        func append(_ chunk: Data) {
            lock.withLock {
                data.append(chunk)
                if data.count > 65_536 { data.removeFirst(data.count - 65_536) }
            }
        }

        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }

        var devToolsURL: String? {
            guard let range = text.range(of: "DevTools listening on ") else { return nil }
            let rest = text[range.upperBound...]
            guard let end = rest.firstIndex(where: { $0 == "\n" || $0 == "\r" }) else { return nil }
            let url = rest[..<end].trimmingCharacters(in: .whitespaces)
            return url.hasPrefix("ws://") ? url : nil
        }
    }
}
