/// Writing a Standard MIDI File. The output depends only on the `MIDIFile` value (no clock, no
/// randomness, no dictionary order), so the same file always gives the same bytes.
extension MIDIFile {
    /// The largest variable-length number SMF allows (4 bytes of 7 bits).
    static let maximumVariableLength = 0x0FFF_FFFF

    /// The latest tick a file may reach, 2^44 (about 580 years at 480 ticks per quarter and
    /// 120 qpm). Readers refuse files whose delta times add up to more; the writer clamps to it,
    /// which bounds the events that bridge long gaps (at most 65,536 per track).
    public static let maximumTick = 1 << 44

    /// The file as bytes.
    ///
    /// Each track's events are written in tick order (a stable sort, so events at one tick keep
    /// their list order; ticks are clamped to 0...`maximumTick`), with running status for consecutive channel
    /// messages of one status (never across meta or sysex events, as the specification asks), and
    /// exactly one end-of-track event, at the latest tick of the track's events. Out-of-range
    /// values are clamped as `MIDIEvent.Kind` and `Division` document; a file with no tracks is
    /// written with one empty track (SMF needs at least one); at most 65,535 tracks are written.
    /// Gaps of more than 2^28 − 1 ticks (a day or more at any usual tempo) are bridged with empty
    /// sequencer-specific meta events, since a delta time cannot hold them.
    public func bytes() -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes.reserveCapacity(64 + tracks.reduce(0) { $0 + 4 * $1.events.count })
        writer.append(ascii: "MThd")
        writer.append32(6)
        writer.append16(UInt16(max(0, min(2, format))))
        let written = tracks.isEmpty ? [MIDITrack()] : Array(tracks.prefix(0xFFFF))
        writer.append16(UInt16(written.count))
        writer.append16(division.normalized.headerValue)
        for track in written { writer.write(track) }
        return writer.bytes
    }
}

extension MIDIFile.Division {
    /// The division as written: ticks per quarter clamped to 1...32767, SMPTE frames per second
    /// moved to the nearest of 24, 25, 29, 30 and ticks per frame clamped to 1...255.
    var normalized: MIDIFile.Division {
        switch self {
        case .ticksPerQuarter(let ticks):
            return .ticksPerQuarter(max(1, min(32767, ticks)))
        case .smpte(let fps, let ticksPerFrame):
            let rate = [24, 25, 29, 30].min { abs($0 - fps) < abs($1 - fps) } ?? 25
            return .smpte(framesPerSecond: rate, ticksPerFrame: max(1, min(255, ticksPerFrame)))
        }
    }

    /// The 16-bit header field of a normalized division.
    var headerValue: UInt16 {
        switch self {
        case .ticksPerQuarter(let ticks): return UInt16(ticks)
        case .smpte(let fps, let ticksPerFrame): return UInt16(UInt8(bitPattern: Int8(-fps))) << 8 | UInt16(ticksPerFrame)
        }
    }
}

extension MIDIEvent.Kind {
    /// A channel message as it is written: status byte, data bytes (channel masked to 0...15,
    /// data clamped to 0...127, pitch bend to -8192...8191) and the data byte count (1 or 2).
    /// Nil for sysex and meta events.
    var wireMessage: (status: UInt8, data1: UInt8, data2: UInt8, dataCount: Int)? {
        func d(_ value: UInt8) -> UInt8 { min(value, 127) }
        switch self {
        case .noteOff(let c, let k, let v): return (0x80 | c & 0x0F, d(k), d(v), 2)
        case .noteOn(let c, let k, let v): return (0x90 | c & 0x0F, d(k), d(v), 2)
        case .polyPressure(let c, let k, let p): return (0xA0 | c & 0x0F, d(k), d(p), 2)
        case .controlChange(let c, let n, let v): return (0xB0 | c & 0x0F, d(n), d(v), 2)
        case .programChange(let c, let p): return (0xC0 | c & 0x0F, d(p), 0, 1)
        case .channelPressure(let c, let p): return (0xD0 | c & 0x0F, d(p), 0, 1)
        case .pitchBend(let c, let value):
            let v = Int(max(-8192, min(8191, value))) + 8192
            return (0xE0 | c & 0x0F, UInt8(v & 0x7F), UInt8(v >> 7), 2)
        case .sysex, .sysexContinuation, .sysexEscape, .meta:
            return nil
        }
    }
}

extension MIDITrack {
    /// The events as the writer orders them: stably sorted by tick (clamped to 0...maximumTick),
    /// end-of-track events removed; `endTick` is where the single end-of-track event goes.
    /// `Score(midiFile:)` reads events in this order too, so it agrees with reading the bytes.
    func writingOrder() -> (events: [MIDIEvent], endTick: Int) {
        var ordered: [MIDIEvent] = []
        ordered.reserveCapacity(events.count)
        var endTick = 0
        var sorted = true
        for event in events {
            let tick = min(max(0, event.tick), MIDIFile.maximumTick)
            endTick = max(endTick, tick)
            // Any meta event written with type 0x2F would end the track early when read back.
            if case .meta(let meta) = event.kind, meta.typeByte == 0x2F { continue }
            if let last = ordered.last, last.tick > tick { sorted = false }
            ordered.append(MIDIEvent(tick: tick, event.kind))
        }
        if !sorted {
            // Stable: sort by (tick, original position).
            ordered = ordered.enumerated().sorted { ($0.element.tick, $0.offset) < ($1.element.tick, $1.offset) }.map(\.element)
        }
        return (ordered, endTick)
    }
}

/// Appends SMF pieces to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(ascii: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: ascii.utf8Start, count: ascii.utf8CodeUnitCount))
    }

    mutating func append16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func append32(_ value: UInt32) {
        for shift in [24, 16, 8, 0] { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    /// A variable-length number, 0...0x0FFFFFFF (larger values are clamped; callers avoid them).
    mutating func appendVariableLength(_ value: Int) {
        let v = max(0, min(MIDIFile.maximumVariableLength, value))
        if v >= 1 << 21 { bytes.append(UInt8(0x80 | (v >> 21) & 0x7F)) }
        if v >= 1 << 14 { bytes.append(UInt8(0x80 | (v >> 14) & 0x7F)) }
        if v >= 1 << 7 { bytes.append(UInt8(0x80 | (v >> 7) & 0x7F)) }
        bytes.append(UInt8(v & 0x7F))
    }

    /// A length-prefixed payload (meta or sysex data); longer than a delta can say is cut to fit.
    mutating func appendPayload(_ data: [UInt8]) {
        let count = min(data.count, MIDIFile.maximumVariableLength)
        appendVariableLength(count)
        bytes.append(contentsOf: data.prefix(count))
    }

    mutating func write(_ track: MIDITrack) {
        append(ascii: "MTrk")
        let lengthAt = bytes.count
        append32(0)
        let (events, endTick) = track.writingOrder()
        var lastTick = 0
        var running: UInt8 = 0

        func delta(to tick: Int) {
            var gap = tick - lastTick
            while gap > MIDIFile.maximumVariableLength {
                appendVariableLength(MIDIFile.maximumVariableLength)
                bytes.append(contentsOf: [0xFF, 0x7F, 0x00])
                running = 0
                gap -= MIDIFile.maximumVariableLength
            }
            appendVariableLength(gap)
            lastTick = tick
        }

        for event in events {
            delta(to: event.tick)
            if let message = event.kind.wireMessage {
                if message.status != running {
                    bytes.append(message.status)
                    running = message.status
                }
                bytes.append(message.data1)
                if message.dataCount == 2 { bytes.append(message.data2) }
                continue
            }
            running = 0  // meta and sysex events cancel running status
            switch event.kind {
            case .sysex(let data):
                bytes.append(0xF0)
                appendPayload(data)
            case .sysexContinuation(let data), .sysexEscape(let data):
                bytes.append(0xF7)
                appendPayload(data)
            case .meta(let meta):
                let (type, data) = meta.encoded
                bytes.append(0xFF)
                bytes.append(type)
                appendPayload(data)
            default:
                break
            }
        }
        delta(to: endTick)
        bytes.append(contentsOf: [0xFF, 0x2F, 0x00])
        let length = UInt32(clamping: bytes.count - lengthAt - 4)
        for (i, shift) in [24, 16, 8, 0].enumerated() { bytes[lengthAt + i] = UInt8((length >> UInt32(shift)) & 0xFF) }
    }
}
