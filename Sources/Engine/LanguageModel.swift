/// What the trainer, the optimizer and checkpoints need from either architecture.
///
/// Parameters and gradients are flat buffers in the layout of `parameterTable`; the optimizer
/// loops over them once, checkpoints name slices of them by the table.
public protocol LanguageModel: AnyObject {
    /// Names, shapes, offsets, decay flags of every tensor, in PyTorch `state_dict` order.
    var parameterTable: ParameterTable { get }
    /// All parameters, `parameterTable.count` floats.
    var parameters: FloatBuffer { get }
    /// ∂loss/∂parameters in the same layout, accumulated by `backward`.
    var gradients: FloatBuffer { get }
    /// Number of token ids, the last dimension of the logits.
    var vocabularySize: Int { get }

    /// Runs the model over `batchSize` sequences of `sequenceLength` tokens (row-major
    /// (B, T) ids) with one genre id per sequence. With targets ((B, T) ids, `ignoredTarget`
    /// excluded from the mean) it returns the mean cross-entropy and prepares `backward`;
    /// without, it returns nil and only the logits are computed.
    @discardableResult
    func forward(tokens: [Int32], genres: [Int32], targets: [Int32]?, ignoredTarget: Int32?,
                 batchSize: Int, sequenceLength: Int) -> Float?

    /// The last forward's logits, (B, T, V) row-major.
    var logits: UnsafeBufferPointer<Float> { get }

    /// Accumulates ∂loss/∂parameters of the last forward (which must have had targets) into
    /// `gradients`.
    func backward()
}

extension LanguageModel {
    /// Sets every gradient to zero; call once per optimizer step, before the backward passes
    /// that step accumulates.
    public func zeroGradients() {
        gradients.zero()
    }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameterTable.count }
}
