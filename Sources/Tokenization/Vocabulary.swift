/// The id space: one contiguous range of ids per `TokenKind`, in `TokenKind` order, so an id is
/// an offset in a table of ranges (note_seq's event ranges). With the default config:
///
/// | kind | ids | payload |
/// |---|---|---|
/// | PAD, BOS, EOS, Bar | 0, 1, 2, 3 | – |
/// | Genre | 4..<20 | slot 0..<16 |
/// | TimeSignature | 20..<33 | meter index 0..<13 |
/// | Tempo | 33..<65 | bin 0..<32 |
/// | Position | 65..<137 | step 0..<72 |
/// | Program | 137..<266 | 0...127, 128 = drums |
/// | Pitch | 266..<394 | key 0...127 |
/// | DrumPitch | 394..<455 | key 27...87 |
/// | Velocity | 455..<471 | bin 0..<16 |
/// | Duration | 471..<503 | bin 0..<32 |
///
/// 503 ids in all, below the models' 512.
public struct Vocabulary: Hashable, Sendable {
    /// Number of ids; valid ids are `0..<size`.
    public let size: Int
    /// First id of each kind, indexed by `TokenKind.rawValue`, plus `size` at the end.
    let starts: [Int]
    /// Lowest drum key (the payload of the first `DrumPitch` id).
    let drumKeyLow: Int
    /// Bar length in grid steps for each meter index of the config.
    let barSteps: [Int]
    /// Meter index of 4/4, assumed when a mid-stream window has not stated its meter yet.
    let commonMeter: Int

    /// The vocabulary of `config`; ids depend only on the config.
    public init(config: TokenizerConfig) {
        var starts: [Int] = []
        var next = 0
        for kind in TokenKind.allCases {
            starts.append(next)
            next += Vocabulary.count(of: kind, config: config)
        }
        starts.append(next)
        self.starts = starts
        self.size = next
        self.drumKeyLow = config.drumKeys.lowerBound
        self.barSteps = config.timeSignatures.indices.map { config.barSteps(meterIndex: $0) }
        self.commonMeter = config.timeSignatures.firstIndex(of: Meter(4, 4)) ?? 0
    }

    /// The number of ids `config` needs.
    public static func size(of config: TokenizerConfig) -> Int {
        TokenKind.allCases.reduce(0) { $0 + count(of: $1, config: config) }
    }

    static func count(of kind: TokenKind, config: TokenizerConfig) -> Int {
        switch kind {
        case .pad, .bos, .eos, .bar: 1
        case .genre: config.genreSlots
        case .timeSignature: config.timeSignatures.count
        case .tempo: config.tempoBins
        case .position: config.positionCount
        case .program: 129
        case .pitch: 128
        case .drumPitch: config.drumKeys.count
        case .velocity: config.velocityBins
        case .duration: config.durationSteps.count
        }
    }

    /// The ids of one kind; used to mask logits.
    public func range(of kind: TokenKind) -> Range<Int> {
        starts[kind.rawValue]..<starts[kind.rawValue + 1]
    }

    /// The id of `token`. Its payload must be in range for its kind (see `Token`); anything else
    /// is a programmer error.
    public func id(for token: Token) -> Int {
        let kind = token.kind
        var offset = token.value
        if kind == .drumPitch { offset -= drumKeyLow }
        let range = range(of: kind)
        precondition(offset >= 0 && offset < range.count, "\(token) is outside the vocabulary")
        return range.lowerBound + offset
    }

    /// The token with id `id`, nil when `id` is outside `0..<size`.
    public func token(for id: Int) -> Token? {
        guard let kind = kind(of: id) else { return nil }
        let offset = id - starts[kind.rawValue]
        return kind.token(kind == .drumPitch ? offset + drumKeyLow : offset)
    }

    /// The kind of `id`, nil when `id` is outside `0..<size`.
    public func kind(of id: Int) -> TokenKind? {
        guard id >= 0, id < size else { return nil }
        // Thirteen kinds: a linear scan is as fast as a binary search here.
        var k = 0
        while starts[k + 1] <= id { k += 1 }
        return TokenKind(rawValue: k)
    }
}
