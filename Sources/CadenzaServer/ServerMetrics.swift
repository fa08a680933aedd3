import Cadenza
import Foundation
import Hummingbird
import Prometheus

/// The server's Prometheus metrics, in a registry of its own (not the process-wide
/// MetricsSystem) so that every application, and every test, counts only its own requests.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let generations: Counter
    private let rejectedBusy: Counter
    private let notes: Counter
    private let generationSeconds: DurationHistogram
    private let streamFirstNote: DurationHistogram
    private let started = ContinuousClock.now

    public init() {
        generations = registry.makeCounter(descriptor: .init(namespace: "cadenza", metricName: "generations", unitName: "total",
                                                             helpText: "Pieces generated (HTTP and WebSocket)."))
        rejectedBusy = registry.makeCounter(descriptor: .init(namespace: "cadenza", metricName: "rejected_busy", unitName: "total",
                                                              helpText: "Generation requests refused because every slot was in use."))
        notes = registry.makeCounter(descriptor: .init(namespace: "cadenza", metricName: "generated_notes", unitName: "total",
                                                       helpText: "Notes generated."))
        let buckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                   .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(120)]
        generationSeconds = registry.makeDurationHistogram(
            descriptor: .init(namespace: "cadenza", metricName: "generation_duration", unitName: "seconds",
                              helpText: "Wall-clock time of one generation."), buckets: buckets)
        streamFirstNote = registry.makeDurationHistogram(
            descriptor: .init(namespace: "cadenza", metricName: "stream_first_note", unitName: "seconds",
                              helpText: "Time from a stream's request message to its first note."), buckets: buckets)
    }

    /// Counts one request by route template (not raw path: unbounded label values would let
    /// clients grow the registry) and status.
    func request(route: String, method: String, status: Int) {
        registry.makeCounter(descriptor: .init(namespace: "cadenza", metricName: "http_requests", unitName: "total",
                                               helpText: "HTTP requests by route, method and status."),
                             labels: [("route", route), ("method", method), ("status", String(status))]).increment()
    }

    func generated(notes count: Int, seconds: Double) {
        generations.increment()
        notes.increment(by: Int64(count))
        generationSeconds.record(.nanoseconds(Int64(seconds * 1e9)))
    }

    func firstNote(after duration: Duration) { streamFirstNote.record(duration) }

    func busy() { rejectedBusy.increment() }

    /// The text exposition, with process gauges read now.
    func exposition(activeGenerations: Int) -> [UInt8] {
        registry.makeGauge(descriptor: .init(namespace: "cadenza", metricName: "active_generations", unitName: "count",
                                             helpText: "Generations running now.")).set(Double(activeGenerations))
        registry.makeGauge(descriptor: .init(namespace: "process", metricName: "resident_memory", unitName: "bytes",
                                             helpText: "Resident set size.")).set(Double(ProcessMemory.residentBytes()))
        let uptime = ContinuousClock.now - started
        registry.makeGauge(descriptor: .init(namespace: "cadenza", metricName: "uptime", unitName: "seconds",
                                             helpText: "Seconds since the server started.")).set(Double(uptime.components.seconds))
        return registry.emitToBuffer()
    }

    var uptimeSeconds: Double {
        (ContinuousClock.now - started).inSeconds
    }
}

/// Resident memory of this process, from /proc on Linux (0 where unavailable).
enum ProcessMemory {
    static func residentBytes() -> Int {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 0
        #endif
    }
}
