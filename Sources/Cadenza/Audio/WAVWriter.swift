/// The canonical 44-byte RIFF/WAVE header for 16-bit integer PCM ("WAVE PCM soundfile format",
/// Microsoft/IBM 1991): a RIFF chunk whose size is 36 + data bytes, a 16-byte `fmt ` chunk
/// (format 1 = PCM), and a `data` chunk of interleaved little-endian samples.
enum WAVWriter {
    static let headerSize = 44
    static let bitsPerSample = 16
    /// The data chunk's size field is 32 bits, and the RIFF size adds 36 to it.
    static let maximumDataBytes = Int(UInt32.max) - 36

    /// The header for `frames` frames of `channelCount` channels at `sampleRate` Hz.
    static func header(frames: Int, channelCount: Int, sampleRate: Int) -> [UInt8] {
        let blockAlign = channelCount * bitsPerSample / 8
        let dataBytes = frames * blockAlign
        precondition(dataBytes <= maximumDataBytes, "the renderer's length limit keeps WAV files under 4 GB")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize)
        bytes += Array("RIFF".utf8)
        LittleEndian.append(UInt32(36 + dataBytes), to: &bytes)
        bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8)
        LittleEndian.append(UInt32(16), to: &bytes)
        LittleEndian.append(UInt16(1), to: &bytes)  // PCM
        LittleEndian.append(UInt16(channelCount), to: &bytes)
        LittleEndian.append(UInt32(sampleRate), to: &bytes)
        LittleEndian.append(UInt32(sampleRate * blockAlign), to: &bytes)  // bytes per second
        LittleEndian.append(UInt16(blockAlign), to: &bytes)
        LittleEndian.append(UInt16(bitsPerSample), to: &bytes)
        bytes += Array("data".utf8)
        LittleEndian.append(UInt32(dataBytes), to: &bytes)
        return bytes
    }

    /// Appends samples as little-endian 16-bit integers.
    static func append(_ samples: UnsafeBufferPointer<Int16>, to bytes: inout [UInt8]) {
        #if _endian(little)
        bytes.append(contentsOf: UnsafeRawBufferPointer(samples))
        #else
        for sample in samples { LittleEndian.append(sample, to: &bytes) }
        #endif
    }
}
