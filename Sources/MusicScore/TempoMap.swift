/// Converts between ticks and seconds through a score's tempo changes.
///
/// Segments are precomputed once, so each conversion is a binary search and one multiply.
public struct TempoMap: Sendable {
    /// One constant-tempo stretch starting at `tick` and `seconds`.
    struct Segment: Sendable {
        var tick: Int
        var seconds: Double
        var secondsPerTick: Double
    }

    public let ticksPerQuarter: Int
    let segments: [Segment]

    public init(ticksPerQuarter: Int, tempos: [TempoChange]) {
        self.ticksPerQuarter = max(1, ticksPerQuarter)
        let perTick = { (usPerQuarter: Int) in Double(usPerQuarter) / 1_000_000 / Double(max(1, ticksPerQuarter)) }
        var segments = [Segment(tick: 0, seconds: 0, secondsPerTick: perTick(TempoChange.defaultMicrosecondsPerQuarter))]
        for tempo in tempos.sorted(by: { $0.tick < $1.tick }) where tempo.tick >= 0 {
            let last = segments[segments.count - 1]
            let seconds = last.seconds + Double(tempo.tick - last.tick) * last.secondsPerTick
            let segment = Segment(tick: tempo.tick, seconds: seconds, secondsPerTick: perTick(tempo.microsecondsPerQuarter))
            // A later event at the same tick wins, as in MIDI players.
            if last.tick == tempo.tick { segments[segments.count - 1] = segment } else { segments.append(segment) }
        }
        self.segments = segments
    }

    /// Seconds from the start at `tick`.
    public func seconds(atTick tick: Int) -> Double {
        let s = segments[segmentIndex { $0.tick <= tick }]
        return s.seconds + Double(tick - s.tick) * s.secondsPerTick
    }

    /// The tick at `seconds`, rounded to the nearest tick.
    public func tick(atSeconds seconds: Double) -> Int {
        let s = segments[segmentIndex { $0.seconds <= seconds }]
        return s.tick + Int(((seconds - s.seconds) / s.secondsPerTick).rounded())
    }

    /// Quarter notes per minute in force at `tick`.
    public func quartersPerMinute(atTick tick: Int) -> Double {
        let s = segments[segmentIndex { $0.tick <= tick }]
        return 60 / (s.secondsPerTick * Double(ticksPerQuarter))
    }

    /// Index of the last segment satisfying `isBefore` (segment 0 always starts at tick 0).
    private func segmentIndex(_ isBefore: (Segment) -> Bool) -> Int {
        var low = 0
        var high = segments.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if isBefore(segments[mid]) { low = mid } else { high = mid - 1 }
        }
        return low
    }
}
