/// Batch-1 generation one token at a time, keeping what earlier tokens computed (a KV cache,
/// an LSTM's state) so that each step costs one token's work.
public protocol IncrementalDecoder: AnyObject {
    var vocabularySize: Int { get }
    /// Positions the decoder can hold; after that many steps the caller must `reset` and feed
    /// a shorter window again (the generator slides a bar-aligned window).
    var contextLength: Int { get }
    /// Tokens consumed since the last reset.
    var position: Int { get }
    /// Forgets every token (the genre is per step, so it needs no reset).
    func reset()
    /// Consumes `token` at `position` under genre slot `genre` and returns the logits for the
    /// next token (vocabularySize values, valid until the next call). Precondition:
    /// position < contextLength.
    func step(token: Int, genre: Int) -> UnsafeBufferPointer<Float>
}
