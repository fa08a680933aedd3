extension Duration {
    /// The duration in seconds, for rates and reports (`Duration` has no such view of its own).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
