/// The type byte of a text-like meta event, 0x01...0x0F.
public struct MIDITextType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let text = MIDITextType(rawValue: 0x01)
    public static let copyright = MIDITextType(rawValue: 0x02)
    /// Sequence name in the first track of a format 0/1 file, track name elsewhere.
    public static let trackName = MIDITextType(rawValue: 0x03)
    public static let instrumentName = MIDITextType(rawValue: 0x04)
    public static let lyric = MIDITextType(rawValue: 0x05)
    public static let marker = MIDITextType(rawValue: 0x06)
    public static let cuePoint = MIDITextType(rawValue: 0x07)
    /// RP-019 program name.
    public static let programName = MIDITextType(rawValue: 0x08)
    /// RP-019 device (port) name.
    public static let deviceName = MIDITextType(rawValue: 0x09)

    public var description: String {
        let names: [UInt8: String] = [
            1: "text", 2: "copyright", 3: "track name", 4: "instrument name", 5: "lyric",
            6: "marker", 7: "cue point", 8: "program name", 9: "device name",
        ]
        return names[rawValue] ?? "text \(hexByte(rawValue))"
    }
}

/// A meta event (status 0xFF). Known types are decoded; unknown types, and known types whose
/// data is malformed (lenient mode), are kept as `.raw` so writing gives the same bytes back.
public enum MIDIMetaEvent: Hashable, Sendable {
    /// 0x00: sequence number, or nil for the 0-length form (the track's position in the file).
    case sequenceNumber(UInt16?)
    /// 0x01–0x0F: text events. `bytes` is the text as stored; see `text`.
    case text(MIDITextType, [UInt8])
    /// 0x20: MIDI channel prefix, 0...15.
    case channelPrefix(UInt8)
    /// 0x21: MIDI port, 0...127 (a common, non-standard extension).
    case port(UInt8)
    /// 0x2F: end of track.
    case endOfTrack
    /// 0x51: microseconds per quarter note, 1...16_777_215.
    case tempo(microsecondsPerQuarter: Int)
    /// 0x54: SMPTE offset. `hours` keeps the frame-rate bits (0rrhhhhh) as stored.
    case smpteOffset(hours: UInt8, minutes: UInt8, seconds: UInt8, frames: UInt8, subframes: UInt8)
    /// 0x58: time signature. The denominator is 2^`denominatorPower` (power 0...6);
    /// `clocksPerClick` is MIDI clocks per metronome click, `thirtySecondsPerQuarter` usually 8.
    case timeSignature(numerator: UInt8, denominatorPower: UInt8, clocksPerClick: UInt8, thirtySecondsPerQuarter: UInt8)
    /// 0x59: key signature, sharps (positive) or flats (negative), -7...7.
    case keySignature(sharps: Int8, isMinor: Bool)
    /// 0x7F: sequencer-specific data (for example a manufacturer id and a payload).
    case sequencerSpecific([UInt8])
    /// Any other type, or a malformed known one: type byte and data as stored.
    case raw(type: UInt8, data: [UInt8])

    /// The text of a text event, decoded as UTF-8 (Latin-1 where the bytes are not valid UTF-8).
    public var text: String? {
        if case .text(_, let bytes) = self { return decodeMIDIText(bytes[...]) }
        return nil
    }

    /// The type byte this event is written with.
    public var typeByte: UInt8 {
        switch self {
        case .sequenceNumber: return 0x00
        case .text(let type, _): return type.rawValue
        case .channelPrefix: return 0x20
        case .port: return 0x21
        case .endOfTrack: return 0x2F
        case .tempo: return 0x51
        case .smpteOffset: return 0x54
        case .timeSignature: return 0x58
        case .keySignature: return 0x59
        case .sequencerSpecific: return 0x7F
        case .raw(let type, _): return type
        }
    }

    /// The type byte and the data bytes this event is written as.
    public var encoded: (type: UInt8, data: [UInt8]) {
        switch self {
        case .sequenceNumber(let number):
            guard let number else { return (0x00, []) }
            return (0x00, [UInt8(number >> 8), UInt8(number & 0xFF)])
        case .text(let type, let bytes): return (type.rawValue, bytes)
        case .channelPrefix(let channel): return (0x20, [min(channel, 15)])
        case .port(let port): return (0x21, [min(port, 127)])
        case .endOfTrack: return (0x2F, [])
        case .tempo(let us):
            let v = max(1, min(0xFF_FFFF, us))
            return (0x51, [UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
        case .smpteOffset(let h, let m, let s, let f, let sf): return (0x54, [h, m, s, f, sf])
        case .timeSignature(let n, let d, let c, let b): return (0x58, [n, d, c, b])
        case .keySignature(let sharps, let minor):
            return (0x59, [UInt8(bitPattern: max(-7, min(7, sharps))), minor ? 1 : 0])
        case .sequencerSpecific(let data): return (0x7F, data)
        case .raw(let type, let data): return (type, data)
        }
    }

    /// Decodes a meta event the reader found well formed (see `metaProblem`).
    init(type: UInt8, data: UnsafeBufferPointer<UInt8>, wellFormed: Bool) {
        guard wellFormed else {
            self = .raw(type: type, data: Array(data))
            return
        }
        switch type {
        case 0x00: self = .sequenceNumber(data.count == 2 ? UInt16(data[0]) << 8 | UInt16(data[1]) : nil)
        case 0x01...0x0F: self = .text(MIDITextType(rawValue: type), Array(data))
        case 0x20: self = .channelPrefix(data[0])
        case 0x21: self = .port(data[0])
        case 0x2F: self = .endOfTrack
        case 0x51: self = .tempo(microsecondsPerQuarter: readTempo(data))
        case 0x54: self = .smpteOffset(hours: data[0], minutes: data[1], seconds: data[2], frames: data[3], subframes: data[4])
        case 0x58:
            self = .timeSignature(numerator: data[0], denominatorPower: data[1], clocksPerClick: data[2], thirtySecondsPerQuarter: data[3])
        case 0x59: self = .keySignature(sharps: Int8(bitPattern: data[0]), isMinor: data[1] == 1)
        case 0x7F: self = .sequencerSpecific(Array(data))
        default: self = .raw(type: type, data: Array(data))
        }
    }
}

/// Why a meta event of a known type cannot be decoded, or nil when it is fine (unknown types
/// are always fine: they are kept raw). Shared by both readers so they agree on every file.
func metaProblem(type: UInt8, data: UnsafeBufferPointer<UInt8>) -> String? {
    let n = data.count
    func length(_ expected: Int, _ name: String) -> String? {
        n == expected ? nil : "\(name) meta event has \(n) data bytes, not \(expected)"
    }
    switch type {
    case 0x00: return n == 0 || n == 2 ? nil : "sequence number meta event has \(n) data bytes, not 0 or 2"
    case 0x20:
        if let problem = length(1, "channel prefix") { return problem }
        return data[0] <= 15 ? nil : "channel prefix \(data[0]) is not a channel 0...15"
    case 0x21:
        if let problem = length(1, "port") { return problem }
        return data[0] <= 127 ? nil : "port \(data[0]) is not a port 0...127"
    case 0x2F: return length(0, "end-of-track")
    case 0x51:
        if let problem = length(3, "tempo") { return problem }
        return readTempo(data) > 0 ? nil : "tempo of 0 microseconds per quarter note"
    case 0x54: return length(5, "SMPTE offset")
    case 0x58:
        if let problem = length(4, "time signature") { return problem }
        if data[0] == 0 { return "time signature with numerator 0" }
        return data[1] <= 6 ? nil : "time signature denominator 2^\(data[1]) is beyond 64"
    case 0x59:
        if let problem = length(2, "key signature") { return problem }
        let sharps = Int8(bitPattern: data[0])
        if !(-7...7).contains(sharps) { return "key signature with \(sharps) sharps (must be -7...7)" }
        return data[1] <= 1 ? nil : "key signature mode \(data[1]) is neither 0 (major) nor 1 (minor)"
    default: return nil
    }
}

/// Big-endian 24-bit tempo from three bytes (caller checked the count).
@inline(__always)
func readTempo(_ data: UnsafeBufferPointer<UInt8>) -> Int {
    Int(data[0]) << 16 | Int(data[1]) << 8 | Int(data[2])
}

/// MIDI text is officially ASCII; real files hold UTF-8 or a legacy 8-bit code page. Valid UTF-8
/// is taken as UTF-8, anything else as Latin-1, so every byte sequence decodes to something.
func decodeMIDIText<C: Collection<UInt8>>(_ bytes: C) -> String {
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    var scalars = String.UnicodeScalarView()
    for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
    return String(scalars)
}
