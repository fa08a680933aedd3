import Tokenization

/// The mask of tokens that may come next: the grammar's (so every piece decodes), narrowed by
/// the request (instruments, tempo, meter, key) and by length (no EOS before the requested
/// bars, no Bar after them, and a bar that runs too long is closed).
struct GenerationConstraints {
    let vocabulary: Vocabulary
    let request: ResolvedRequest
    /// Tokens one bar may take before the mask closes it (a dense 4/4 piano bar takes ~150).
    let maximumTokensPerBar: Int

    /// Fills `mask` for the state after `grammar`; `bars` counts the Bar tokens so far,
    /// `targetBars` is how many the piece must have, and `tokensInBar` the tokens since the
    /// last Bar. Returns how many ids are allowed.
    @discardableResult
    func fill(_ mask: inout [Bool], grammar: GrammarState, bars: Int, targetBars: Int, tokensInBar: Int,
              ensemble: Set<Int>? = nil) -> Int {
        grammar.allowedNext(into: &mask)
        let v = vocabulary
        let eos = v.id(for: .eos), bar = v.id(for: .bar)
        let structureAllowed = mask[eos] || mask[bar]
        if structureAllowed {
            if bars < targetBars { mask[eos] = false } else { mask[bar] = false }
            // A bar past its budget ends now: only Bar or EOS remain.
            if tokensInBar >= maximumTokensPerBar {
                for id in 0..<v.size where id != eos && id != bar { mask[id] = false }
            }
        }
        let tempos = v.range(of: .tempo), meters = v.range(of: .timeSignature)
        if let bin = request.tempoBin {
            // The first tempo is the requested one; later changes are not allowed.
            let isFirst = grammar.tempoBin == nil
            for (offset, id) in tempos.enumerated() { mask[id] = mask[id] && isFirst && offset == bin }
        }
        if let meter = request.meterIndex {
            let isFirst = grammar.meterIndex == nil
            for (offset, id) in meters.enumerated() { mask[id] = mask[id] && isFirst && offset == meter }
        }
        if let programs = request.programs {
            for (program, id) in v.range(of: .program).enumerated() where !programs.contains(program) { mask[id] = false }
        }
        if let ensemble, !ensemble.isEmpty {
            for (program, id) in v.range(of: .program).enumerated() where !ensemble.contains(program) { mask[id] = false }
        }
        if let classes = request.pitchClasses {
            for (key, id) in v.range(of: .pitch).enumerated() where !classes.contains(key % 12) { mask[id] = false }
        }
        var allowed = 0
        for id in 0..<v.size where mask[id] { allowed += 1 }
        return allowed
    }
}
