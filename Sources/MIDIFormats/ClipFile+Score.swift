import MusicScore

extension ClipFile {
    /// The score as a clip of MIDI 2.0 messages, ready for `bytes()`.
    ///
    /// - Each track gets its own (group, channel): group 0 first, keeping the track's channel
    ///   when it is free there (drum tracks always take channel 9, pitched tracks never do),
    ///   else the lowest free channel; groups 1...15 take the tracks that do not fit. Beyond
    ///   240 pitched or 16 drum tracks, tracks share group 0 and merge when read back.
    /// - Every track starts with a Program Change (Bank Valid clear) at tick 0, so it comes
    ///   before the first note.
    /// - Notes become MIDI 2.0 Note On/Off pairs carrying the 16-bit `velocity16` (release
    ///   velocity 0, no attribute); controls become 32-bit Control Changes and bends 32-bit
    ///   Pitch Bends, scaled up min-center-max (M2-115-U).
    /// - Tempos, time signatures and key signatures become Flex Data messages on group 0.
    /// - At one tick the order is: tempo, meter, key; programs; controls and bends; note offs;
    ///   note ons; offs of zero-length notes. Reading pairs offs with ons first-in-first-out,
    ///   so only a note nested inside a longer note of the same pitch on the same channel
    ///   comes back with different durations.
    ///
    /// Track names and text events have no place here and are not written. A score finer than
    /// 65535 ticks per quarter note is resampled to that resolution.
    ///
    /// - Precondition: `score.ticksPerQuarter` ≥ 1.
    public init(score: Score) {
        precondition(score.ticksPerQuarter >= 1, "a score needs at least one tick per quarter note")
        let source = score.ticksPerQuarter <= 65535 ? score : score.resampled(ticksPerQuarter: 65535)
        var events = ScoreEvents()

        for tempo in source.tempos {
            let microseconds = min(max(tempo.microsecondsPerQuarter, 1), 16_777_215)
            events.add(tick: tempo.tick, rank: 0, .setTempo(group: 0, tenNanosecondsPerQuarter: UInt32(microseconds) * 100))
        }
        for meter in source.timeSignatures {
            let denominator = max(1, meter.denominator)
            let power = Int.bitWidth - 1 - denominator.leadingZeroBitCount
            events.add(tick: meter.tick, rank: 0, .setTimeSignature(
                group: 0, numerator: UInt8(min(max(meter.numerator, 1), 255)), denominatorPower: UInt8(power),
                thirtySecondNotes: 8))
        }
        for key in source.keySignatures {
            let sharps = min(max(key.sharps, -7), 7)
            let tonic = key.isMinor ? ClipKeyLetters.minorTonic(sharps: sharps) : ClipKeyLetters.majorTonic(sharps: sharps)
            events.add(tick: key.tick, rank: 0, .setKeySignature(group: 0, sharps: Int8(sharps), tonic: tonic))
        }

        let slots = ClipFile.channelSlots(for: source.tracks)
        for (track, slot) in zip(source.tracks, slots) {
            let (g, c) = slot
            events.add(tick: 0, rank: 1, .programChange(group: g, channel: c, program: track.program & 0x7F, bank: nil))
            for control in track.controls {
                let value = ClipValueScaling.scaleUp(UInt32(min(control.value, 127)), from: 7, to: 32)
                events.add(tick: control.tick, rank: 2, .controlChange(group: g, channel: c, controller: control.controller & 0x7F, value: value))
            }
            for bend in track.pitchBends {
                let value14 = UInt32(min(max(Int(bend.value), -8192), 8191) + 8192)
                events.add(tick: bend.tick, rank: 2, .pitchBend(group: g, channel: c, value: ClipValueScaling.scaleUp(value14, from: 14, to: 32)))
            }
            for note in track.notes.sorted() {
                let pitch = min(note.pitch, 127)
                let duration = max(note.duration, 0)
                events.add(tick: note.start, rank: 4, .noteOn(
                    group: g, channel: c, note: pitch, velocity: note.velocity16, attributeType: 0, attribute: 0))
                events.add(tick: note.start + duration, rank: duration > 0 ? 3 : 5, .noteOff(
                    group: g, channel: c, note: pitch, velocity: 0, attributeType: 0, attribute: 0))
            }
        }

        let packets = events.sorted()
        self.init(
            ticksPerQuarter: source.ticksPerQuarter, header: [], packets: packets,
            endTick: max(source.endTick, packets.last?.tick ?? 0))
    }

    /// (group, channel) for each track, in track order; see `init(score:)`.
    static func channelSlots(for tracks: [Track]) -> [(UInt8, UInt8)] {
        var used = Set<Int>()
        var slots: [(UInt8, UInt8)] = []
        for track in tracks {
            let wanted: Int? = track.isDrum ? 9 : (track.channel < 16 && track.channel != 9 ? Int(track.channel) : nil)
            var chosen: Int? = nil
            for group in 0..<16 where chosen == nil {
                if let wanted, !used.contains(group * 16 + wanted) {
                    chosen = group * 16 + wanted
                } else if !track.isDrum, let free = (0..<16).first(where: { $0 != 9 && !used.contains(group * 16 + $0) }) {
                    chosen = group * 16 + free
                }
            }
            let slot = chosen ?? (wanted ?? 0)
            used.insert(slot)
            slots.append((UInt8(slot / 16), UInt8(slot % 16)))
        }
        return slots
    }

    /// Timed messages collected in any order and sorted by (tick, rank, insertion order).
    private struct ScoreEvents {
        private var items: [(tick: Int, rank: Int, order: Int, message: ClipMessage)] = []

        mutating func add(tick: Int, rank: Int, _ message: ClipMessage) {
            items.append((max(0, tick), rank, items.count, message))
        }

        func sorted() -> [ClipEvent] {
            items.sorted { ($0.tick, $0.rank, $0.order) < ($1.tick, $1.rank, $1.order) }
                .map { ClipEvent(tick: $0.tick, message: $0.message) }
        }
    }
}

extension Score {
    /// The music of a clip as a score (header messages count as tick 0; packets are taken in
    /// tick order, file order within a tick).
    ///
    /// - Each (group, channel) with at least one note becomes a track, in order of the first
    ///   channel message seen on it; channel 9 (the tenth) is a drum track. The group has no field
    ///   in `Track`, so two groups' channel 3 become two tracks that both say channel 3.
    /// - Program: the last Program Change at or before the track's first note (same tick counts),
    ///   else the first one, else 0. Banks are not kept.
    /// - Notes: Note Ons and Note Offs pair first-in-first-out per (group, channel, note); a MIDI
    ///   1.0 Note On with velocity 0 is a Note Off, a MIDI 2.0 one is a silent note (M2-104-UM
    ///   §7.4.2). MIDI 2.0 velocities are kept as they are; MIDI 1.0 ones are scaled up like
    ///   `Note(velocity:)`. A note still sounding at End of Clip ends there.
    /// - Controls: only the sustain pedal (controller 64) is kept, its 32-bit value scaled down to
    ///   7 bits; pitch bends are kept, 32-bit values scaled down to 14 bits and centred.
    /// - Tempo, time signature and key signature come from Flex Data on any group; exact repeats
    ///   (same tick and value, as when a file states them on every group) are kept once. A tempo
    ///   of 0, a numerator of 0, a beat unit finer than 1/32 and a non-standard key are skipped;
    ///   tempos are rounded to whole microseconds and clamped to 1...16_777_215.
    /// - A clip finer than 32767 ticks per quarter note (the score's limit) is resampled to half
    ///   its resolution, rounded up, at most 32767.
    public init(clipFile: ClipFile) {
        var builder = ClipScoreBuilder()
        for message in clipFile.header { builder.add(message, at: 0) }
        let ordered = clipFile.packets.enumerated().sorted { a, b in
            a.element.tick != b.element.tick ? a.element.tick < b.element.tick : a.offset < b.offset
        }
        for (_, event) in ordered { builder.add(event.message, at: max(0, event.tick)) }
        self = builder.score(ticksPerQuarter: clipFile.ticksPerQuarter, endTick: clipFile.endTick)
    }
}
