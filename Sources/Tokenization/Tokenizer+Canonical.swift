import MusicScore

extension Tokenizer {
    /// The score as tokenization sees it: exactly what `decode(encode(score))` returns.
    /// Steps, in order:
    ///
    /// 1. Sustain pedal (when `config.applySustain`): a note that ends while its track's pedal
    ///    (controller 64 ≥ 64) is down is extended to the pedal's release, but never past the
    ///    next onset of the same key in that track (re-striking a key cuts its sound).
    /// 2. Resolution: resampled to `ticksPerQuarter = config.stepsPerQuarter`, so one tick is one
    ///    grid step (onsets and ends round to the nearest step; notes keep at least one step).
    /// 3. Tracks: merged by instrument, i.e. by program for pitched tracks and into one drum
    ///    track for all drum tracks; ordered by program, drums last; names become "", drums get
    ///    channel 9 and program 0, pitched tracks channels 0, 1, 2, … skipping 9 (wrapping after 15).
    ///    Tracks left without notes are dropped.
    /// 4. Notes: drum notes outside `config.drumKeys` and notes with negative onsets or keys
    ///    above 127 are dropped; velocity becomes its bin's representative
    ///    (`config.velocity(bin:)`); duration becomes the nearest `config.durationSteps` entry
    ///    (ties to the shorter, clamped to the longest); of notes with the same onset and key in
    ///    one merged track only the longest (then loudest) stays.
    /// 5. Time signatures: each becomes a supported meter (itself, else the one nearest in bar
    ///    length, preferring the same beat unit; 4/4 for a nonsense meter). Meter changes take
    ///    effect only at bar starts: one that falls inside a bar moves to the next bar start (the
    ///    last one in a bar wins); repeats of the meter in force are dropped; there is always one
    ///    at tick 0 (4/4 when the score states none there).
    /// 6. Tempos: each becomes its bin's representative (microseconds per quarter of the bin's
    ///    qpm, rounded); of changes at one tick the last wins; repeats of the tempo in force are
    ///    dropped; there is always one at tick 0 (120 qpm's bin when the score states none there).
    /// 7. Key signatures, texts, control changes (pedal included, once applied) and pitch bends
    ///    are dropped.
    public func canonicalize(_ score: Score) -> Score {
        var source = config.applySustain ? Tokenizer.applyingSustain(score) : score
        source = source.resampled(ticksPerQuarter: config.stepsPerQuarter)

        var buckets = [[Note]](repeating: [], count: Token.drumProgram + 1)
        for track in source.tracks {
            let key = track.isDrum ? Token.drumProgram : Int(min(track.program, 127))
            buckets[key].reserveCapacity(buckets[key].count + track.notes.count)
            for note in track.notes where note.start >= 0 {
                if track.isDrum {
                    guard config.drumKeys.contains(Int(note.pitch)) else { continue }
                } else {
                    guard note.pitch <= 127 else { continue }
                }
                let duration = bins.durationSteps[bins.durationBin(steps: note.duration)]
                let velocity16 = bins.canonicalVelocity16[Int(note.velocity)]
                buckets[key].append(Note(start: note.start, duration: duration, pitch: note.pitch, velocity16: velocity16))
            }
        }

        let tracks = Tokenizer.makeTracks(buckets.map(Tokenizer.sortedUnique))
        return Score(
            ticksPerQuarter: config.stepsPerQuarter, tracks: tracks,
            tempos: canonicalTempos(source.tempos), timeSignatures: canonicalMeters(source.timeSignatures))
    }

    /// Canonical tracks from notes bucketed by program (index 128 = drums), each bucket sorted
    /// and without repeated (onset, key): step 3 of `canonicalize`, shared with decoding.
    static func makeTracks(_ buckets: [[Note]]) -> [Track] {
        let pitchedChannels: [UInt8] = Array(0...8) + Array(10...15)
        var tracks: [Track] = []
        for key in buckets.indices where !buckets[key].isEmpty {
            let isDrum = key == Token.drumProgram
            let channel = isDrum ? 9 : pitchedChannels[tracks.count % pitchedChannels.count]
            tracks.append(Track(
                name: "", program: isDrum ? 0 : UInt8(key), channel: channel, isDrum: isDrum, notes: buckets[key]))
        }
        return tracks
    }

    /// Sorts by onset and key and keeps, of each (onset, key), the longest then loudest note:
    /// in `Note`'s order that is the last of its group.
    static func sortedUnique(_ input: [Note]) -> [Note] {
        var notes = input
        if !zip(notes, notes.dropFirst()).allSatisfy({ !($1 < $0) }) { notes.sort() }
        var out: [Note] = []
        out.reserveCapacity(notes.count)
        for note in notes {
            if let last = out.last, last.start == note.start, last.pitch == note.pitch {
                out[out.count - 1] = note
            } else {
                out.append(note)
            }
        }
        return out
    }

    /// Step 5 of `canonicalize`, on a score already at grid resolution.
    func canonicalMeters(_ signatures: [TimeSignature]) -> [TimeSignature] {
        let entries = signatures
            .map { (tick: max(0, $0.tick), meter: bins.meterIndex(numerator: $0.numerator, denominator: $0.denominator)) }
            .sorted { $0.tick < $1.tick }  // stable: the later of two events at one tick stays later
        var result: [TimeSignature] = []
        var current = -1
        var barStart = 0
        var i = 0
        while true {
            var meter = current < 0 ? bins.commonMeter : current
            while i < entries.count, entries[i].tick <= barStart {
                meter = entries[i].meter
                i += 1
            }
            if meter != current {
                let m = config.timeSignatures[meter]
                result.append(TimeSignature(tick: barStart, numerator: m.numerator, denominator: m.denominator))
                current = meter
            }
            guard i < entries.count else { break }
            // Jump straight to the first bar start at or after the next change: long stretches
            // without a change cost nothing.
            let length = vocabulary.barSteps[current]
            barStart += (entries[i].tick - barStart + length - 1) / length * length
        }
        return result
    }

    /// Step 6 of `canonicalize`, on a score already at grid resolution.
    func canonicalTempos(_ tempos: [TempoChange]) -> [TempoChange] {
        var binned: [(tick: Int, bin: Int)] = []
        for tempo in tempos.sorted(by: { $0.tick < $1.tick }) {
            let entry = (tick: max(0, tempo.tick), bin: bins.tempoBin(microsecondsPerQuarter: tempo.microsecondsPerQuarter))
            if binned.last?.tick == entry.tick { binned[binned.count - 1] = entry } else { binned.append(entry) }
        }
        if binned.first?.tick != 0 {
            binned.insert((0, bins.tempoBin(microsecondsPerQuarter: TempoChange.defaultMicrosecondsPerQuarter)), at: 0)
        }
        var result: [TempoChange] = []
        var current = -1
        for entry in binned where entry.bin != current {
            result.append(TempoChange(tick: entry.tick, microsecondsPerQuarter: bins.tempoMicroseconds[entry.bin]))
            current = entry.bin
        }
        return result
    }

    /// Step 1 of `canonicalize`: extends notes held by each track's sustain pedal.
    static func applyingSustain(_ score: Score) -> Score {
        var score = score
        for t in score.tracks.indices {
            let intervals = score.tracks[t].sustainIntervals
            guard !intervals.isEmpty else { continue }
            var notes = score.tracks[t].notes
            notes.sort()
            // Walk backwards so that the next onset of each key is known.
            var nextOnset = [Int](repeating: Int.max, count: 256)
            for i in notes.indices.reversed() {
                let note = notes[i]
                let end = note.end
                // The last interval starting at or before the note's end.
                var low = 0
                var high = intervals.count
                while low < high {
                    let mid = (low + high) / 2
                    if intervals[mid].lowerBound <= end { low = mid + 1 } else { high = mid }
                }
                if low > 0, end < intervals[low - 1].upperBound {
                    let newEnd = max(end, min(intervals[low - 1].upperBound, nextOnset[Int(note.pitch)]))
                    notes[i].duration = newEnd - note.start
                }
                nextOnset[Int(note.pitch)] = note.start
            }
            score.tracks[t].notes = notes
        }
        return score
    }
}
