/// The UMP messages that give a MIDI Clip File its structure rather than its music. `ClipFile`
/// consumes them while reading and regenerates them while writing, so they never appear as
/// `ClipMessage`s.
enum ClipContainerMessage: Equatable {
    /// Utility NOOP (M2-104-UM §7.2.1): carries no meaning; in a clip it follows a Delta
    /// Clockstamp that only advances time (M2-116-U §3.2.2).
    case noop
    /// Delta Clockstamp Ticks Per Quarter Note, DCTPQ (M2-104-UM §7.2.3.1): utility status 0x3,
    /// the unit of every Delta Clockstamp, 1...65535 (0 is reserved).
    case ticksPerQuarter(UInt16)
    /// Delta Clockstamp, DC (M2-104-UM §7.2.3.2): utility status 0x4, ticks since the last
    /// event, 20 bits (0...1_048_575).
    case deltaClockstamp(UInt32)
    /// UMP Stream Start of Clip (M2-104-UM §7.1.10): type 0xF, status 0x20.
    case startOfClip
    /// UMP Stream End of Clip (M2-104-UM §7.1.11): type 0xF, status 0x21.
    case endOfClip

    /// Largest tick count one Delta Clockstamp can carry.
    static let maximumDelta: UInt32 = 0x000F_FFFF

    /// Classifies a packet by its first word. Utility messages are 32-bit words laid out as
    /// type (4 bits), reserved (4), status (4), then 20 bits of data; UMP Stream messages are
    /// type (4), format (2), status (10). JR Clock and JR Timestamp are not container messages
    /// (a clip has no use for them) and stay ordinary `ClipMessage.other` packets.
    init?(firstWord w0: UInt32) {
        switch w0 >> 28 {
        case 0x0:
            switch (w0 >> 20) & 0x0F {
            case 0x0: self = .noop
            case 0x3: self = .ticksPerQuarter(UInt16(w0 & 0xFFFF))
            case 0x4: self = .deltaClockstamp(w0 & ClipContainerMessage.maximumDelta)
            default: return nil
            }
        case 0xF:
            switch (w0 >> 16) & 0x3FF {
            case 0x20: self = .startOfClip
            case 0x21: self = .endOfClip
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The message's words, ready to be written big-endian.
    var words: [UInt32] {
        switch self {
        case .noop: return [0x0000_0000]
        case .ticksPerQuarter(let ticks): return [0x0030_0000 | UInt32(ticks)]
        case .deltaClockstamp(let ticks): return [0x0040_0000 | (ticks & ClipContainerMessage.maximumDelta)]
        case .startOfClip: return [0xF020_0000, 0, 0, 0]
        case .endOfClip: return [0xF021_0000, 0, 0, 0]
        }
    }
}
