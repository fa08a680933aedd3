/// Edits that produce a new score: grid quantization, resolution change, transposition.
extension Score {
    /// Snaps every onset and every note end to the nearest multiple of `step` ticks (ties
    /// round up); a note keeps at least one step. Tempo, meter, key, text and control
    /// ticks snap too, so the result is internally consistent. Resolution is unchanged.
    ///
    /// - Parameter step: grid step in ticks, ≥ 1 (for example `ticksPerQuarter / 4` for sixteenths).
    public func quantized(toGrid step: Int) -> Score {
        precondition(step >= 1, "grid step must be at least one tick")
        return mapTicks(minimumDuration: step) { tick in ((tick + step / 2) / step) * step }
    }

    /// The same music at a different clock resolution: every tick is scaled by
    /// `ticksPerQuarter / self.ticksPerQuarter` and rounded to the nearest tick; notes keep
    /// at least one tick of duration. Resampling to `stepsPerQuarter` is how the tokenizer
    /// puts a score on its grid.
    public func resampled(ticksPerQuarter newResolution: Int) -> Score {
        precondition(newResolution >= 1, "resolution must be at least one tick per quarter")
        let old = ticksPerQuarter
        if old == newResolution { return self }
        // Integer arithmetic keeps this exact and platform independent; ticks stay below 2^40
        // in practice, so the product cannot overflow 64 bits.
        let scale = { (tick: Int) -> Int in (tick * newResolution * 2 + old) / (2 * old) }
        var score = mapTicks(minimumDuration: 1, scale)
        score.ticksPerQuarter = newResolution
        return score
    }

    /// Moves every pitched note by `semitones`; drum tracks stay as they are (their keys name
    /// instruments, not pitches). Key signatures move with the music.
    ///
    /// - Returns: nil when a pitched note would leave 0...127, so augmentation can skip that shift.
    public func transposed(by semitones: Int) -> Score? {
        if semitones == 0 { return self }
        var score = self
        for t in score.tracks.indices where !score.tracks[t].isDrum {
            for n in score.tracks[t].notes.indices {
                let pitch = Int(score.tracks[t].notes[n].pitch) + semitones
                guard (0...127).contains(pitch) else { return nil }
                score.tracks[t].notes[n].pitch = UInt8(pitch)
            }
        }
        for k in score.keySignatures.indices {
            score.keySignatures[k] = score.keySignatures[k].transposed(by: semitones)
        }
        return score
    }

    /// Applies `tick` to every time stamp, and to both ends of every note (so legato lines stay
    /// legato), keeping notes at least `minimumDuration` long; then restores the documented order.
    private func mapTicks(minimumDuration: Int, _ tick: (Int) -> Int) -> Score {
        var score = self
        for t in score.tracks.indices {
            score.tracks[t].notes = score.tracks[t].notes.map { note in
                var n = note
                n.start = tick(note.start)
                n.duration = max(minimumDuration, tick(note.end) - n.start)
                return n
            }
            score.tracks[t].controls = score.tracks[t].controls.map { var c = $0; c.tick = tick(c.tick); return c }
            score.tracks[t].pitchBends = score.tracks[t].pitchBends.map { var b = $0; b.tick = tick(b.tick); return b }
        }
        score.tempos = score.tempos.map { var x = $0; x.tick = tick(x.tick); return x }
        score.timeSignatures = score.timeSignatures.map { var x = $0; x.tick = tick(x.tick); return x }
        score.keySignatures = score.keySignatures.map { var x = $0; x.tick = tick(x.tick); return x }
        score.texts = score.texts.map { var x = $0; x.tick = tick(x.tick); return x }
        score.normalizeOrder()
        return score
    }
}

extension KeySignature {
    /// The key `semitones` higher, spelled with the fewest accidentals.
    public func transposed(by semitones: Int) -> KeySignature {
        // Moving the tonic up a semitone adds 7 sharps (mod 12) to the signature.
        var sharps = (self.sharps + 7 * semitones) % 12
        if sharps > 6 { sharps -= 12 }
        if sharps < -6 { sharps += 12 }
        return KeySignature(tick: tick, sharps: sharps, isMinor: isMinor)
    }
}
