/// The list of a model's parameter tensors, in PyTorch `state_dict` order and names
/// (`tok.weight`, `blocks.0.qkv.weight`, `lstm.weight_ih_l0`, …).
///
/// One table drives everything that depends on the parameters (STYLE.md): the size and layout
/// of the flat parameter buffer, the gradients and the two Adam moments (all the same layout,
/// so the optimizer is one flat loop), the checkpoint tensor names, the weight-decay mask, the
/// initialisation and the parameter count.
public struct ParameterTable: Sendable {
    /// How a tensor's initial values are drawn, following PyTorch's module defaults.
    public enum Initialization: Sendable, Equatable {
        /// Normal with mean 0 (`nn.Embedding`: standard deviation 1).
        case normal(standardDeviation: Float)
        /// Uniform in [−bound, bound] (`nn.Linear`: 1/√fan_in; `nn.LSTM`: 1/√hidden).
        case uniform(bound: Float)
        /// Every element the same value (`nn.LayerNorm`: weight 1, bias 0).
        case constant(Float)
    }

    /// One tensor: where it lives in the flat buffer and how it is treated.
    public struct Entry: Sendable, Equatable {
        /// The PyTorch `state_dict` key.
        public let name: String
        /// Row-major shape, PyTorch's (a `Linear` weight is (out, in)).
        public let shape: [Int]
        /// Whether AdamW's weight decay applies (matrices and embeddings yes, biases and
        /// LayerNorm parameters no, as nanoGPT and llm.c do).
        public let decays: Bool
        public let initialization: Initialization
        /// First element in the flat buffer.
        public let offset: Int
        /// Number of elements, the product of `shape`.
        public let count: Int
        /// The elements' range in the flat buffer.
        public var range: Range<Int> { offset..<(offset + count) }
    }

    /// The tensors in buffer order.
    public private(set) var entries: [Entry] = []
    /// Total number of scalars, the size of the parameter buffer.
    public private(set) var count = 0

    public init() {}

    /// Appends a tensor after the previous ones and returns its offset in the flat buffer.
    @discardableResult
    public mutating func add(_ name: String, shape: [Int], decays: Bool, initialization: Initialization) -> Int {
        precondition(!entries.contains { $0.name == name }, "duplicate parameter name \(name)")
        precondition(shape.allSatisfy { $0 > 0 }, "parameter \(name) has an empty dimension")
        let size = shape.reduce(1, *)
        entries.append(Entry(name: name, shape: shape, decays: decays, initialization: initialization, offset: count, count: size))
        count += size
        return count - size
    }

    /// The tensor with this `state_dict` name, if any.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// Fills `parameters` (at least `count` floats) from each entry's initialization, in
    /// table order, so that one seed gives one model.
    public func initialize(_ parameters: UnsafeMutablePointer<Float>, generator: inout SeededGenerator) {
        for entry in entries {
            let values = parameters + entry.offset
            switch entry.initialization {
            case .normal(let standardDeviation):
                for i in 0..<entry.count { values[i] = standardDeviation * generator.nextNormal() }
            case .uniform(let bound):
                for i in 0..<entry.count { values[i] = bound * (2 * generator.nextUniform() - 1) }
            case .constant(let value):
                values.update(repeating: value, count: entry.count)
            }
        }
    }

    // MARK: Conventions for the layers' tensors

    /// A `nn.Linear(inputs, outputs)`: `name.weight` (outputs, inputs) and `name.bias`,
    /// both U(−1/√inputs, 1/√inputs). Returns the two offsets.
    public mutating func addLinear(_ name: String, inputs: Int, outputs: Int) -> (weight: Int, bias: Int) {
        let bound = 1 / Float(inputs).squareRoot()
        let weight = add(name + ".weight", shape: [outputs, inputs], decays: true, initialization: .uniform(bound: bound))
        let bias = add(name + ".bias", shape: [outputs], decays: false, initialization: .uniform(bound: bound))
        return (weight, bias)
    }

    /// A `nn.LayerNorm(channels)`: `name.weight` (ones) and `name.bias` (zeros).
    public mutating func addLayerNorm(_ name: String, channels: Int) -> (weight: Int, bias: Int) {
        let weight = add(name + ".weight", shape: [channels], decays: false, initialization: .constant(1))
        let bias = add(name + ".bias", shape: [channels], decays: false, initialization: .constant(0))
        return (weight, bias)
    }

    /// A `nn.Embedding(rows, channels)`: `name.weight` (rows, channels), N(0, 1).
    public mutating func addEmbedding(_ name: String, rows: Int, channels: Int) -> Int {
        add(name + ".weight", shape: [rows, channels], decays: true, initialization: .normal(standardDeviation: 1))
    }
}
