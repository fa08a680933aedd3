import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CLI's only place that writes to the terminal.
enum Terminal {
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("cadenza: error: " + text + "\n").utf8))
    }

    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// `value` with `digits` decimals, for reports.
    static func decimal(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

/// A one-line progress bar with rate and ETA on stderr; plain periodic lines when stderr is not
/// a terminal (CI logs), so logs stay readable.
final class ProgressBar {
    let label: String
    let total: Int
    let start = Date()
    private var lastDraw = Date.distantPast
    private let interactive = Terminal.stderrIsTerminal

    init(label: String, total: Int) {
        self.label = label
        self.total = total
    }

    func update(done: Int, detail: String = "") {
        let now = Date()
        let finished = done >= total
        guard finished || now.timeIntervalSince(lastDraw) >= (interactive ? 0.1 : 10) else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 28
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(label) \(bar) \(done)/\(total) \(Int(rate))/s \(finished ? "in " + Self.clock(elapsed) : "ETA " + Self.clock(eta))\(detail.isEmpty ? "" : "  " + detail)"
        let text = interactive ? "\r\u{1B}[K" + line + (finished ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" : "\(s / 60):\(String(format: "%02d", s % 60))"
    }
}
