import MusicScore

/// Lookup tables built once from a config, so that binning a note costs an array read.
/// The rules they implement are documented on `TokenizerConfig`.
struct BinTables: Sendable {
    /// Duration bin for each length 0...durationSteps.last in steps (nearest, ties to the shorter).
    let durationBinByLength: [UInt8]
    /// Duration bin → length in steps.
    let durationSteps: [Int]
    /// Tempo bin → representative microseconds per quarter note.
    let tempoMicroseconds: [Int]
    /// Upper qpm boundary of each tempo bin but the last: the geometric mean of neighbouring
    /// bin tempos, i.e. the midpoint in log space.
    let tempoBoundaries: [Double]
    let velocityBins: Int
    /// MIDI 1.0 velocity 0...127 → the MIDI 2.0 velocity of its bin's representative.
    let canonicalVelocity16: [UInt16]
    let meters: [Meter]
    /// Index of 4/4 in `meters`.
    let commonMeter: Int

    init(config: TokenizerConfig) {
        durationSteps = config.durationSteps
        var table = [UInt8](repeating: 0, count: config.durationSteps.last! + 1)
        var bin = 0
        for length in table.indices {
            // Move to the next entry only when it is strictly nearer: ties stay with the shorter.
            while bin + 1 < durationSteps.count,
                  durationSteps[bin + 1] - length < length - durationSteps[bin] {
                bin += 1
            }
            table[length] = UInt8(truncatingIfNeeded: bin)
        }
        durationBinByLength = table
        let centres = (0..<config.tempoBins).map { config.tempoQuartersPerMinute(bin: $0) }
        tempoMicroseconds = centres.map { Int((60_000_000 / $0).rounded()) }
        tempoBoundaries = zip(centres, centres.dropFirst()).map { ($0 * $1).squareRoot() }
        velocityBins = config.velocityBins
        canonicalVelocity16 = (0...127).map { v in
            Note.scaleUp(UInt8(config.velocity(bin: config.velocityBin(v))))
        }
        meters = config.timeSignatures
        commonMeter = config.timeSignatures.firstIndex(of: Meter(4, 4)) ?? 0
    }

    /// Duration bin of a length in steps (≤ 0 counts as one step; longer than the table clamps).
    @inline(__always)
    func durationBin(steps: Int) -> Int {
        Int(durationBinByLength[min(max(steps, 0), durationBinByLength.count - 1)])
    }

    @inline(__always)
    func velocityBin(_ velocity: UInt8) -> Int { min(velocityBins - 1, Int(velocity) * velocityBins / 128) }

    /// Tempo bin of a tempo in quarter notes per minute: the bin nearest in log space.
    func tempoBin(quartersPerMinute qpm: Double) -> Int {
        var low = 0
        var high = tempoBoundaries.count
        // First boundary ≥ qpm; a tempo exactly on a boundary goes to the slower bin.
        while low < high {
            let mid = (low + high) / 2
            if tempoBoundaries[mid] < qpm { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func tempoBin(microsecondsPerQuarter us: Int) -> Int {
        tempoBin(quartersPerMinute: 60_000_000 / Double(max(1, us)))
    }

    /// Index of the listed meter n/d, or nil.
    func exactMeterIndex(numerator n: Int, denominator d: Int) -> Int? {
        meters.firstIndex { $0.numerator == n && $0.denominator == d }
    }

    /// The supported meter for n/d: itself when listed; else the one nearest in bar length
    /// (quarter notes), preferring the same beat unit, then list order; 4/4 for a nonsense meter.
    func meterIndex(numerator n: Int, denominator d: Int) -> Int {
        if let exact = exactMeterIndex(numerator: n, denominator: d) { return exact }
        guard n >= 1, d >= 1 else { return commonMeter }
        let quarters = Double(n) * 4 / Double(d)
        var best = commonMeter
        var bestKey = (Double.infinity, 1, 0)
        for (i, meter) in meters.enumerated() {
            let key = (abs(meter.quarters - quarters), meter.denominator == d ? 0 : 1, i)
            if key < bestKey { best = i; bestKey = key }
        }
        return best
    }
}
