/// One sounding note. Time is in ticks of the owning `Score`'s clock.
///
/// Velocity is kept at MIDI 2.0 resolution (16 bits) so that Clip Files round-trip exactly;
/// the MIDI 1.0 value is its top 7 bits, which is how the MIDI 2.0 specification scales
/// 16-bit velocities down (and why scaling a 7-bit value up and back down is lossless).
public struct Note: Hashable, Sendable {
    /// Onset in ticks, 0-based, ≥ 0.
    public var start: Int
    /// Length in ticks, ≥ 0 (0 only where a file said so; quantization makes it ≥ 1 step).
    public var duration: Int
    /// MIDI key number, 0...127 (60 = middle C). For drum tracks, the GM percussion key.
    public var pitch: UInt8
    /// MIDI 2.0 velocity, 0...65535. Use `velocity` for the MIDI 1.0 value.
    public var velocity16: UInt16

    /// Creates a note with a MIDI 1.0 velocity (1...127).
    public init(start: Int, duration: Int, pitch: UInt8, velocity: UInt8) {
        self.start = start
        self.duration = duration
        self.pitch = pitch
        self.velocity16 = Note.scaleUp(velocity)
    }

    /// Creates a note with a MIDI 2.0 velocity (0...65535).
    public init(start: Int, duration: Int, pitch: UInt8, velocity16: UInt16) {
        self.start = start
        self.duration = duration
        self.pitch = pitch
        self.velocity16 = velocity16
    }

    /// MIDI 1.0 velocity, 0...127: the top 7 bits of `velocity16`.
    public var velocity: UInt8 {
        get { UInt8(velocity16 >> 9) }
        set { velocity16 = Note.scaleUp(newValue) }
    }

    /// End in ticks (exclusive).
    public var end: Int { start + duration }

    /// MIDI 2.0 "min-center-max" upscaling of a 7-bit value to 16 bits (M2-115-U, section 3):
    /// 0 stays 0, 64 maps to 0x8000, 127 to 0xFFFF, and the top 7 bits equal the input.
    public static func scaleUp(_ value7: UInt8) -> UInt16 {
        let v = UInt32(min(value7, 127))
        let shifted = v << 9
        if v <= 64 { return UInt16(shifted) }
        // Repeat the 6 bits below the top bit into the low bits, as the spec's
        // bit-repeat scheme does, so 127 reaches 0xFFFF exactly.
        let repeatBits = v & 0x3F
        let fill = (repeatBits << 3) | (repeatBits >> 3)
        return UInt16(shifted | fill)
    }
}

extension Note: Comparable {
    /// Notes order by onset, then pitch, then duration, then velocity: the order tracks keep.
    public static func < (a: Note, b: Note) -> Bool {
        if a.start != b.start { return a.start < b.start }
        if a.pitch != b.pitch { return a.pitch < b.pitch }
        if a.duration != b.duration { return a.duration < b.duration }
        return a.velocity16 < b.velocity16
    }
}
