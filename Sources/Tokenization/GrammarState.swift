/// The token grammar as an incremental state machine. The checker, both decoders and
/// constrained generation all run this one type, so "valid" means the same thing everywhere:
/// `accept(id)` succeeds exactly for the ids `allowedNext` marks (both go through
/// `forEachAllowedRange`).
///
/// The grammar of one piece:
///
///     BOS Genre ( Bar [TimeSignature] ( Position [Tempo] ( Program Note+ )+ | Position Tempo )* )* EOS PAD*
///     Note = Pitch Velocity Duration       under a pitched Program (0...127)
///          | DrumPitch Velocity Duration   under Program(drums) (128)
///
/// with these rules:
/// - at least one Bar; the first Bar is followed by a TimeSignature, and its first event is
///   `Position(0) Tempo` (the initial tempo);
/// - a later Bar states a TimeSignature only when the meter changes, and a Tempo must differ
///   from the tempo in force (repeats are not canonical, so they are not valid);
/// - positions strictly increase within a bar and stay below the bar length in steps;
/// - within a position programs strictly increase (drums, 128, last) and each must be re-stated
///   after every Position, so a window cut anywhere says which instrument plays;
/// - within a program, keys strictly increase;
/// - after EOS only PAD may follow.
///
/// A mid-stream state (`startingMidStream: true`) reads a window cut from the middle of a
/// sequence: it accepts and ignores every token up to the first `Bar` (or `BOS`, which starts a
/// piece as usual). After that first Bar the meter and tempo are unknown until stated: any
/// TimeSignature or Tempo is allowed, and positions may use the whole `Position` range.
public struct GrammarState: Hashable, Sendable {
    enum Phase: UInt8, Hashable, Sendable {
        case expectBOS, expectGenre, expectFirstBar, expectFirstTimeSignature, expectFirstPosition, expectFirstTempo
        case syncing, afterBar, afterTimeSignature, afterPosition, afterTempo
        case afterProgram, afterPitch, afterVelocity, afterDuration, ended
    }

    public let vocabulary: Vocabulary
    var phase: Phase
    /// Meter index in force, -1 while unknown (mid-stream).
    var meter = -1
    /// Tempo bin in force, -1 while unknown.
    var tempo = -1
    /// Current position in the bar in steps, -1 before the bar's first Position.
    var step = -1
    /// Current program (128 = drums), -1 before the position's first Program.
    var program = -1
    /// Offset of the last key under the current program inside its range, -1 before the first note.
    var lastKey = -1

    /// A state at the start of a sequence (expecting BOS), or, with `startingMidStream`, at an
    /// arbitrary cut (see the type's documentation).
    public init(vocabulary: Vocabulary, startingMidStream: Bool = false) {
        self.vocabulary = vocabulary
        self.phase = startingMidStream ? .syncing : .expectBOS
    }

    /// True after EOS: the piece is complete.
    public var isComplete: Bool { phase == .ended }
    /// Meter index (into `TokenizerConfig.timeSignatures`) in force, nil while unknown.
    public var meterIndex: Int? { meter >= 0 ? meter : nil }
    /// Tempo bin in force, nil while unknown.
    public var tempoBin: Int? { tempo >= 0 ? tempo : nil }
    /// Position (steps into the current bar) of the last Position token in this bar, nil before one.
    public var position: Int? { step >= 0 ? step : nil }
    /// Length of the current bar in steps: `Position` payloads must stay below it. While the
    /// meter is unknown, the longest bar the vocabulary can express.
    public var barLength: Int { meter >= 0 ? vocabulary.barSteps[meter] : vocabulary.range(of: .position).count }

    /// Calls `body` with each non-empty range of ids that may come next, in increasing order.
    public func forEachAllowedRange(_ body: (Range<Int>) -> Void) {
        let v = vocabulary
        let positions = v.range(of: .position)
        let structure = v.range(of: .eos).lowerBound..<v.range(of: .bar).upperBound  // EOS and Bar are adjacent
        func emit(_ r: Range<Int>) { if !r.isEmpty { body(r) } }
        func emitExcluding(_ r: Range<Int>, _ offset: Int) {
            guard offset >= 0 else { return emit(r) }
            emit(r.lowerBound..<(r.lowerBound + offset))
            emit((r.lowerBound + offset + 1)..<r.upperBound)
        }
        func positionsFrom(_ first: Int) -> Range<Int> {
            (positions.lowerBound + first)..<(positions.lowerBound + barLength)
        }
        switch phase {
        case .expectBOS: emit(v.range(of: .bos))
        case .expectGenre: emit(v.range(of: .genre))
        case .expectFirstBar: emit(v.range(of: .bar))
        case .expectFirstTimeSignature: emit(v.range(of: .timeSignature))
        case .expectFirstPosition: emit(positions.lowerBound..<(positions.lowerBound + 1))
        case .expectFirstTempo: emit(v.range(of: .tempo))
        case .syncing: emit(0..<v.size)
        case .afterBar:
            emit(structure)
            emitExcluding(v.range(of: .timeSignature), meter)
            emit(positionsFrom(0))
        case .afterTimeSignature:
            emit(structure)
            emit(positionsFrom(0))
        case .afterPosition:
            emitExcluding(v.range(of: .tempo), tempo)
            emit(v.range(of: .program))
        case .afterTempo:
            emit(structure)
            emit(positionsFrom(step + 1))
            emit(v.range(of: .program))
        case .afterProgram:
            emit(v.range(of: program == Token.drumProgram ? .drumPitch : .pitch))
        case .afterPitch: emit(v.range(of: .velocity))
        case .afterVelocity: emit(v.range(of: .duration))
        case .afterDuration:
            emit(structure)
            emit(positionsFrom(step + 1))
            let programs = v.range(of: .program)
            emit((programs.lowerBound + program + 1)..<programs.upperBound)
            let keys = v.range(of: program == Token.drumProgram ? .drumPitch : .pitch)
            emit((keys.lowerBound + lastKey + 1)..<keys.upperBound)
        case .ended: emit(v.range(of: .pad))
        }
    }

    /// True when `id` may come next.
    public func allows(_ id: Int) -> Bool {
        var allowed = false
        forEachAllowedRange { if $0.contains(id) { allowed = true } }
        return allowed
    }

    /// Sets `mask[id]` to whether `id` may come next, for every id `0..<vocabulary.size`.
    /// `mask` must hold at least `vocabulary.size` entries; entries beyond are left alone.
    public func allowedNext(into mask: inout [Bool]) {
        precondition(mask.count >= vocabulary.size, "mask is shorter than the vocabulary")
        for i in 0..<vocabulary.size { mask[i] = false }
        forEachAllowedRange { range in for i in range { mask[i] = true } }
    }

    /// The ids that may come next, as increasing non-empty ranges.
    public func allowedRanges() -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        forEachAllowedRange { ranges.append($0) }
        return ranges
    }

    /// Advances over `id` when the grammar allows it; otherwise returns false and leaves the
    /// state unchanged.
    @discardableResult
    public mutating func accept(_ id: Int) -> Bool {
        guard allows(id), let kind = vocabulary.kind(of: id) else { return false }
        let offset = id - vocabulary.range(of: kind).lowerBound
        if phase == .syncing {
            // Until the first Bar nothing can be placed in time; BOS starts a piece instead.
            if kind == .bar { enterBar(.afterBar) } else if kind == .bos { phase = .expectGenre }
            return true
        }
        switch kind {
        case .pad: break
        case .bos: phase = .expectGenre
        case .genre: phase = .expectFirstBar
        case .eos: phase = .ended
        case .bar: enterBar(phase == .expectFirstBar ? .expectFirstTimeSignature : .afterBar)
        case .timeSignature:
            meter = offset
            phase = phase == .expectFirstTimeSignature ? .expectFirstPosition : .afterTimeSignature
        case .position:
            step = offset
            program = -1
            phase = phase == .expectFirstPosition ? .expectFirstTempo : .afterPosition
        case .tempo:
            tempo = offset
            phase = .afterTempo
        case .program:
            program = offset
            lastKey = -1
            phase = .afterProgram
        case .pitch, .drumPitch:
            lastKey = offset
            phase = .afterPitch
        case .velocity: phase = .afterVelocity
        case .duration: phase = .afterDuration
        }
        return true
    }

    private mutating func enterBar(_ next: Phase) {
        phase = next
        step = -1
        program = -1
        lastKey = -1
    }

    /// What may come next, for error messages: "one of Position(13...47), Program, Bar, EOS".
    public var expectation: String {
        if phase == .syncing { return "any token" }
        let v = vocabulary
        var parts: [String] = []
        forEachAllowedRange { range in
            var id = range.lowerBound
            while id < range.upperBound {
                guard let kind = v.kind(of: id), let first = v.token(for: id) else { return }
                let kindRange = v.range(of: kind)
                let end = min(range.upperBound, kindRange.upperBound)
                if end - id == kindRange.count {
                    parts.append(kind.description)
                } else if end - id == 1 {
                    parts.append(first.description)
                } else {
                    parts.append("\(kind)(\(first.value)...\(first.value + end - id - 1))")
                }
                id = end
            }
        }
        return (parts.count == 1 ? "" : "one of ") + parts.joined(separator: ", ")
    }
}
