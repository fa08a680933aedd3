/// One message of a clip's Clip Sequence Data at its time.
///
/// A file stores time as Delta Clockstamps (ticks since the previous message); a `ClipEvent`
/// holds the running sum instead, so events can be edited, merged and sorted freely and the
/// writer recomputes the deltas.
public struct ClipEvent: Hashable, Sendable {
    /// Ticks since the Start of Clip message, ≥ 0, in units of `ClipFile.ticksPerQuarter`.
    public var tick: Int
    /// The message.
    public var message: ClipMessage

    public init(tick: Int, message: ClipMessage) {
        self.tick = tick
        self.message = message
    }
}
