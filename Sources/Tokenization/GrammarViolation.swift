/// One place where a token sequence breaks the grammar (see `GrammarState`).
public struct GrammarViolation: Hashable, Sendable, CustomStringConvertible {
    /// 0-based index of the offending id in the sequence; equal to the sequence's length when
    /// the sequence ended too early.
    public var index: Int
    /// The offending id, nil when the sequence ended too early.
    public var id: Int?
    /// The offending token, nil when the id is outside the vocabulary or the sequence ended.
    public var token: Token?
    /// What the grammar allowed at that point, e.g. "one of Position(13...47), Program, Bar, EOS".
    public var expected: String

    public init(index: Int, id: Int?, token: Token?, expected: String) {
        self.index = index
        self.id = id
        self.token = token
        self.expected = expected
    }

    public var description: String {
        let found: String
        if let token {
            found = "\(token)"
        } else if let id {
            found = "id \(id) (outside the vocabulary)"
        } else {
            found = "the end of the sequence"
        }
        return "token \(index): found \(found), expected \(expected)"
    }
}

/// Errors of strict decoding.
public enum TokenizationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The sequence breaks the grammar at `violation.index`; `Tokenizer.decodeLenient` skips such tokens.
    case grammarViolation(GrammarViolation)

    public var description: String {
        switch self {
        case .grammarViolation(let violation):
            "invalid token sequence at \(violation) (decodeLenient skips invalid tokens)"
        }
    }
}
