import MusicScore

/// Turns a clip's messages, fed in time order, into a `Score`; the mapping is documented
/// on `Score.init(clipFile:)`.
struct ClipScoreBuilder {
    private struct Slot: Hashable {
        var group: UInt8
        var channel: UInt8
    }

    private struct NoteKey: Hashable {
        var slot: Slot
        var pitch: UInt8
    }

    private struct Part {
        var notes: [Note] = []
        var controls: [ControlChange] = []
        var bends: [PitchBend] = []
        var programs: [(tick: Int, program: UInt8)] = []
        var firstNoteTick: Int? = nil
    }

    /// Sounding notes of one key, oldest first; `head` skips the ones already closed so that
    /// closing is O(1) even when a hostile file piles up thousands of Note Ons.
    private struct OpenNotes {
        var starts: [(tick: Int, velocity: UInt16)] = []
        var head = 0
    }

    private var parts: [Slot: Part] = [:]
    private var slotOrder: [Slot] = []
    private var open: [NoteKey: OpenNotes] = [:]
    private var tempos: [TempoChange] = []
    private var timeSignatures: [TimeSignature] = []
    private var keySignatures: [KeySignature] = []
    private var seenTempos = Set<TempoChange>()
    private var seenTimeSignatures = Set<TimeSignature>()
    private var seenKeySignatures = Set<KeySignature>()

    /// Adds one message at `tick` (≥ 0); call in time order.
    mutating func add(_ message: ClipMessage, at tick: Int) {
        switch message {
        case let .noteOn(g, c, note, velocity, _, _):
            open(Slot(group: g, channel: c), note, tick, velocity)
        case let .noteOff(g, c, note, _, _, _):
            close(Slot(group: g, channel: c), note, tick)
        case let .midi1NoteOn(g, c, note, velocity):
            if velocity == 0 {
                close(Slot(group: g, channel: c), note, tick)
            } else {
                open(Slot(group: g, channel: c), note, tick, Note.scaleUp(velocity))
            }
        case let .midi1NoteOff(g, c, note, _):
            close(Slot(group: g, channel: c), note, tick)
        case let .programChange(g, c, program, _), let .midi1ProgramChange(g, c, program):
            update(Slot(group: g, channel: c)) { $0.programs.append((tick, program)) }
        case let .controlChange(g, c, controller, value):
            update(Slot(group: g, channel: c)) { part in
                guard controller == ControlChange.sustainPedal else { return }
                let value7 = UInt8(ClipValueScaling.scaleDown(value, from: 32, to: 7))
                part.controls.append(ControlChange(tick: tick, controller: controller, value: value7))
            }
        case let .midi1ControlChange(g, c, controller, value):
            update(Slot(group: g, channel: c)) { part in
                guard controller == ControlChange.sustainPedal else { return }
                part.controls.append(ControlChange(tick: tick, controller: controller, value: value))
            }
        case let .pitchBend(g, c, value):
            let value14 = Int(ClipValueScaling.scaleDown(value, from: 32, to: 14))
            update(Slot(group: g, channel: c)) { $0.bends.append(PitchBend(tick: tick, value: Int16(value14 - 8192))) }
        case let .midi1PitchBend(g, c, value):
            update(Slot(group: g, channel: c)) { $0.bends.append(PitchBend(tick: tick, value: Int16(Int(value) - 8192))) }
        case let .setTempo(_, tenNanoseconds):
            guard tenNanoseconds > 0 else { return }
            let microseconds = min(max((Int(tenNanoseconds) + 50) / 100, 1), 16_777_215)
            let tempo = TempoChange(tick: tick, microsecondsPerQuarter: microseconds)
            if seenTempos.insert(tempo).inserted { tempos.append(tempo) }
        case let .setTimeSignature(_, numerator, denominatorPower, _):
            guard numerator > 0, denominatorPower <= 5 else { return }
            let meter = TimeSignature(tick: tick, numerator: Int(numerator), denominator: 1 << Int(denominatorPower))
            if seenTimeSignatures.insert(meter).inserted { timeSignatures.append(meter) }
        case let .setKeySignature(_, sharps, tonic):
            guard (-7...7).contains(sharps) else { return }
            let isMinor = tonic != 0 && tonic == ClipKeyLetters.minorTonic(sharps: Int(sharps))
            let key = KeySignature(tick: tick, sharps: Int(sharps), isMinor: isMinor)
            if seenKeySignatures.insert(key).inserted { keySignatures.append(key) }
        case .other:
            break
        }
    }

    /// The finished score; notes still sounding end at `endTick`.
    func score(ticksPerQuarter: Int, endTick: Int) -> Score {
        var parts = self.parts
        for (key, queue) in open where queue.head < queue.starts.count {
            for start in queue.starts[queue.head...] {
                parts[key.slot, default: Part()].notes.append(Note(
                    start: start.tick, duration: max(0, endTick - start.tick), pitch: key.pitch, velocity16: start.velocity))
            }
        }
        var tracks: [Track] = []
        for slot in slotOrder {
            guard let part = parts[slot], !part.notes.isEmpty else { continue }
            tracks.append(Track(
                program: ClipScoreBuilder.program(of: part), channel: slot.channel, isDrum: slot.channel == 9,
                notes: part.notes, controls: part.controls, pitchBends: part.bends))
        }
        var score = Score(
            ticksPerQuarter: ticksPerQuarter, tracks: tracks, tempos: tempos,
            timeSignatures: timeSignatures, keySignatures: keySignatures)
        score.normalizeOrder()
        if ticksPerQuarter > 32767 { score = score.resampled(ticksPerQuarter: min(32767, (ticksPerQuarter + 1) / 2)) }
        return score
    }

    // MARK: Helpers

    private static func program(of part: Part) -> UInt8 {
        guard let firstNote = part.firstNoteTick else { return part.programs.first?.program ?? 0 }
        return part.programs.last(where: { $0.tick <= firstNote })?.program ?? part.programs.first?.program ?? 0
    }

    private mutating func update(_ slot: Slot, _ change: (inout Part) -> Void) {
        if parts[slot] == nil {
            parts[slot] = Part()
            slotOrder.append(slot)
        }
        change(&parts[slot]!)
    }

    private mutating func open(_ slot: Slot, _ pitch: UInt8, _ tick: Int, _ velocity: UInt16) {
        update(slot) { part in
            if part.firstNoteTick == nil { part.firstNoteTick = tick }
        }
        open[NoteKey(slot: slot, pitch: pitch), default: OpenNotes()].starts.append((tick, velocity))
    }

    private mutating func close(_ slot: Slot, _ pitch: UInt8, _ tick: Int) {
        let key = NoteKey(slot: slot, pitch: pitch)
        // Read and advance through the dictionary in place: binding the queue to a local
        // would make the next write copy its whole array.
        guard let head = open[key]?.head, let count = open[key]?.starts.count, head < count,
              let start = open[key]?.starts[head] else { return }
        if head + 1 == count {
            open[key] = nil
        } else {
            open[key]?.head = head + 1
        }
        update(slot) { part in
            part.notes.append(Note(start: start.tick, duration: tick - start.tick, pitch: pitch, velocity16: start.velocity))
        }
    }
}
