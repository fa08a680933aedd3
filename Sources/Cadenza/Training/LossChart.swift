import Foundation

/// A hand-written SVG line chart of train and validation loss against step: two polylines,
/// labelled axes with round-number ticks, a legend. No script, no external resources.
struct LossChart {
    let log: TrainingLog
    let width = 720.0, height = 420.0
    let left = 64.0, right = 20.0, top = 36.0, bottom = 52.0

    var svg: String {
        let train = log.rows.filter { !$0.trainLoss.isNaN }.map { (Double($0.step), Double($0.trainLoss)) }
        let validation = log.rows.compactMap { r in r.validationLoss.map { (Double(r.step), Double($0)) } }
        let points = (train + validation).filter { $0.1.isFinite }
        let maxStep = max(1, points.map(\.0).max() ?? 1)
        var low = points.map(\.1).min() ?? 0, high = points.map(\.1).max() ?? 1
        if high - low < 1e-6 { low -= 0.5; high += 0.5 }
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ step: Double) -> Double { left + step / maxStep * plotWidth }
        func y(_ loss: Double) -> Double { top + (high - loss) / (high - low) * plotHeight }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="20" text-anchor="middle" font-size="14">Training loss (cross-entropy, nats per token)</text>
            <line x1="\(f(left))" y1="\(f(top + plotHeight))" x2="\(f(left + plotWidth))" y2="\(f(top + plotHeight))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(top + plotHeight))" stroke="black"/>

            """
        for tick in Self.ticks(0, maxStep) {
            out += "<line x1=\"\(f(x(tick)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + plotHeight + 5))\" stroke=\"black\"/>"
            out += "<text x=\"\(f(x(tick)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        for tick in Self.ticks(low, high) {
            out += "<line x1=\"\(f(left - 5))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        out += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\">step</text>\n"
        out += "<text x=\"16\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + plotHeight / 2)))\">loss</text>\n"
        func polyline(_ series: [(Double, Double)], _ color: String) -> String {
            let list = series.filter { $0.1.isFinite }.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            return list.isEmpty ? "" : "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(list)\"/>\n"
        }
        out += polyline(train, "#1f77b4")
        out += polyline(validation, "#d62728")
        for point in validation where point.1.isFinite {
            out += "<circle cx=\"\(f(x(point.0)))\" cy=\"\(f(y(point.1)))\" r=\"3\" fill=\"#d62728\"/>"
        }
        let legendX = left + plotWidth - 150
        out += """

            <line x1="\(f(legendX))" y1="\(f(top + 10))" x2="\(f(legendX + 24))" y2="\(f(top + 10))" stroke="#1f77b4" stroke-width="2"/><text x="\(f(legendX + 30))" y="\(f(top + 14))">train</text>
            <line x1="\(f(legendX))" y1="\(f(top + 28))" x2="\(f(legendX + 24))" y2="\(f(top + 28))" stroke="#d62728" stroke-width="2"/><text x="\(f(legendX + 30))" y="\(f(top + 32))">validation</text>
            </svg>

            """
        return out
    }

    /// About five round ticks (1, 2 or 5 × 10^k apart) covering [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = max(high - low, 1e-9)
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var t = (low / step).rounded(.up) * step
        while t <= high + step * 1e-9 { ticks.append(t); t += step }
        return ticks
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        return String(format: "%g", (value * 1000).rounded() / 1000)
    }
}
