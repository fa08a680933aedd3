import Foundation

/// How much two samples' smoothed distributions agree: MGEval's overlapping area and
/// Kullback–Leibler divergence between two kernel density estimates.
public struct DistributionOverlap: Hashable, Sendable, Codable {
    /// Overlapping area `∫ min(p, q) dx`, 0...1: 1 for identical distributions, 0 for disjoint ones.
    public var overlapArea: Double
    /// `KL(p ‖ q) = ∫ p log(p / q) dx`, in nats, ≥ 0, finite: both densities are floored at
    /// `densityFloor` times their peak before the log, so disjoint distributions give a large
    /// finite number (tens of nats) instead of infinity.
    public var klDivergence: Double

    public init(overlapArea: Double, klDivergence: Double) {
        self.overlapArea = overlapArea
        self.klDivergence = klDivergence
    }

    /// Grid points used to integrate: enough for a fine grid over a long-tailed sample, while
    /// the worst-case convolution stays at about 17 million multiply-adds.
    public static let gridPoints = 4097
    /// The smallest bandwidth in grid steps: linear binning is then within 0.4% of the exact
    /// density (1.2% at two steps), measured on the test samples.
    public static let minimumStepsPerBandwidth = 3.0
    /// Relative density floor for the KL divergence.
    public static let densityFloor = 1e-12

    /// Compares the Gaussian KDEs of `p` and `q` (Silverman bandwidths) on one grid covering both
    /// supports: from the smallest sample minus 5 bandwidths to the largest plus 5 bandwidths,
    /// `gridPoints` points, trapezoidal rule. Each bandwidth is raised to at least
    /// `minimumStepsPerBandwidth` grid steps, so the binned densities stay within 1% of the exact
    /// ones and a set with no spread (all values equal) is still a bump the grid resolves.
    /// When every value of both samples is the same, the two are one point mass: overlap 1, KL 0.
    ///
    /// - Returns: nil when either sample is empty.
    public static func compare(_ p: [Double], _ q: [Double]) -> DistributionOverlap? {
        guard let pMin = p.min(), let pMax = p.max(), let qMin = q.min(), let qMax = q.max() else { return nil }
        let lowest = min(pMin, qMin), highest = max(pMax, qMax)
        let range = highest - lowest
        guard range > 0 else { return DistributionOverlap(overlapArea: 1, klDivergence: 0) }
        guard range.isFinite else { return nil }

        let N = gridPoints
        let reach = KernelDensity.kernelReach
        var widest = max(KernelDensity.silvermanBandwidth(p), KernelDensity.silvermanBandwidth(q))
        var step = (range + 2 * reach * widest) / Double(N - 1)
        let floorSteps = minimumStepsPerBandwidth
        if widest < floorSteps * step {
            // Both kernels sit on the floor: solve step = (range + 2·reach·floorSteps·step) / (N − 1).
            step = range / (Double(N - 1) - 2 * reach * floorSteps)
            widest = floorSteps * step
        }
        let grid = DensityGrid(lower: lowest - reach * widest, step: step, count: N)
        guard let pDensity = KernelDensity(samples: p, minimumBandwidth: floorSteps * step),
              let qDensity = KernelDensity(samples: q, minimumBandwidth: floorSteps * step) else { return nil }
        return compare(pDensity.densities(on: grid), qDensity.densities(on: grid), on: grid)
    }

    /// Overlap and KL of two densities already evaluated on `grid`.
    public static func compare(_ p: [Double], _ q: [Double], on grid: DensityGrid) -> DistributionOverlap {
        let overlap = grid.integral(zip(p, q).map { min($0, $1) })
        let pFloor = (p.max() ?? 0) * densityFloor, qFloor = (q.max() ?? 0) * densityFloor
        let pFloored = p.map { max($0, pFloor) }, qFloored = q.map { max($0, qFloor) }
        // Renormalize after flooring so KL compares two proper densities.
        let pMass = grid.integral(pFloored), qMass = grid.integral(qFloored)
        var kl = 0.0
        if pMass > 0, qMass > 0 {
            let terms = zip(pFloored, qFloored).map { pv, qv -> Double in
                let a = pv / pMass, b = qv / qMass
                return a * log(a / b)
            }
            kl = max(0, grid.integral(terms))
        }
        return DistributionOverlap(overlapArea: min(1, max(0, overlap)), klDivergence: kl)
    }
}
