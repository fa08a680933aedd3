/// Where the server listens and what it allows. The defaults are safe for a laptop: loopback
/// only, small requests, one generation per core.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// TCP port; 0 picks a free one (tests).
    public var port: Int
    /// The key every `/v1` request and `/metrics` must carry; nil serves without one, which is
    /// allowed on loopback only (`validate()`).
    public var apiKey: String?
    public var limits: ServerLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, limits: ServerLimits = .init()) {
        (self.host, self.port, self.apiKey, self.limits) = (host, port, apiKey, limits)
    }

    /// True for addresses only this machine can reach.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        // 127.0.0.0/8 as a dotted address only: "127.example.com" is a name, not loopback.
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses to expose the API beyond this machine without a key.
    public func validate() throws(ServerError) {
        if !isLoopback && (apiKey ?? "").isEmpty {
            throw ServerError(.badRequest, code: "invalid_setting", field: "api-key-file",
                              message: "listening on \(host) makes the API reachable from other machines, and no API key is set",
                              hint: "pass --api-key-file FILE (one line, at least 16 characters), or listen on 127.0.0.1")
        }
        if let apiKey, apiKey.count < 16 {
            throw ServerError(.badRequest, code: "invalid_setting", field: "api-key-file",
                              message: "the API key has \(apiKey.count) characters", hint: "use at least 16 random characters")
        }
        try limits.validate()
    }
}

/// Bounds on every request, so that no client can exhaust the machine.
public struct ServerLimits: Sendable {
    /// Largest request body (JSON, or an uploaded MIDI file), in bytes.
    public var maximumBodyBytes: Int
    /// Longest piece a request may ask for, in bars and in seconds.
    public var maximumBars: Int
    public var maximumSeconds: Double
    /// Generations running at once; further requests wait in line.
    public var concurrentGenerations: Int
    /// Requests that may wait for a slot, and how long each may wait (seconds); past either
    /// the answer is 503 with Retry-After.
    public var queuedGenerations: Int
    public var queueTimeout: Double
    /// Wall-clock bound on one generation, in seconds; past it the request gets 504.
    public var generationTimeout: Double
    /// Seconds a WebSocket client has to send its request before it is closed.
    public var streamRequestTimeout: Double

    public init(maximumBodyBytes: Int = 1 << 20, maximumBars: Int = 64, maximumSeconds: Double = 300,
                concurrentGenerations: Int = 2, queuedGenerations: Int = 64, queueTimeout: Double = 30,
                generationTimeout: Double = 120, streamRequestTimeout: Double = 10) {
        (self.maximumBodyBytes, self.maximumBars, self.maximumSeconds) = (maximumBodyBytes, maximumBars, maximumSeconds)
        (self.queuedGenerations, self.queueTimeout) = (queuedGenerations, queueTimeout)
        (self.concurrentGenerations, self.generationTimeout, self.streamRequestTimeout) = (concurrentGenerations, generationTimeout, streamRequestTimeout)
    }

    func validate() throws(ServerError) {
        func check(_ ok: Bool, _ field: String, _ problem: String) throws(ServerError) {
            if !ok { throw .invalid(field, problem, hint: "see `cadenza serve --help`") }
        }
        try check(maximumBodyBytes >= 1024, "max-body-bytes", "must be at least 1024")
        try check((1...512).contains(maximumBars), "max-bars", "must be 1...512")
        try check(maximumSeconds > 0 && maximumSeconds <= 3600, "max-seconds", "must be in (0, 3600]")
        try check((1...64).contains(concurrentGenerations), "concurrent-generations", "must be 1...64")
        try check((0...10_000).contains(queuedGenerations), "queued-generations", "must be 0...10000")
        try check(queueTimeout >= 0 && queueTimeout <= 3600, "queue-timeout", "must be 0...3600")
        try check(generationTimeout > 0, "generation-timeout", "must be positive")
        try check(streamRequestTimeout > 0, "stream-request-timeout", "must be positive")
    }
}
