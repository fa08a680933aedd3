/// Converting controller and bend values between MIDI 1.0 and MIDI 2.0 resolutions, as the
/// MIDI Association's "MIDI 2.0 Bit Scaling and Resolution" (M2-115-U) prescribes: scaling up
/// is "min-center-max" (0 stays 0, the centre stays the centre, the maximum becomes the new
/// maximum), scaling down keeps the top bits. Scaling up and then down is the identity, which
/// is what lets a 7-bit score value survive a trip through a Clip File.
enum ClipValueScaling {
    /// `value` (an unsigned `sourceBits`-bit number) at `destinationBits` bits, min-center-max.
    /// - Precondition: 1 < sourceBits < destinationBits ≤ 32.
    static func scaleUp(_ value: UInt32, from sourceBits: Int, to destinationBits: Int) -> UInt32 {
        precondition(sourceBits > 1 && sourceBits < destinationBits && destinationBits <= 32)
        let source = UInt64(value) & ((1 << UInt64(sourceBits)) - 1)
        let scaleBits = UInt64(destinationBits - sourceBits)
        var result = source << scaleBits
        let center = UInt64(1) << UInt64(sourceBits - 1)
        if source <= center { return UInt32(result) }
        // Above the centre, repeat the bits below the top bit into the new low bits so the
        // maximum maps to the maximum.
        let repeatBits = UInt64(sourceBits - 1)
        var repeatValue = source & ((1 << repeatBits) - 1)
        repeatValue = scaleBits > repeatBits ? repeatValue << (scaleBits - repeatBits) : repeatValue >> (repeatBits - scaleBits)
        while repeatValue != 0 {
            result |= repeatValue
            repeatValue >>= repeatBits
        }
        return UInt32(result)
    }

    /// The top `destinationBits` bits of a `sourceBits`-bit value.
    static func scaleDown(_ value: UInt32, from sourceBits: Int, to destinationBits: Int) -> UInt32 {
        precondition(destinationBits > 0 && destinationBits <= sourceBits && sourceBits <= 32)
        return UInt32((UInt64(value) & ((1 << UInt64(sourceBits)) - 1)) >> UInt64(sourceBits - destinationBits))
    }
}
