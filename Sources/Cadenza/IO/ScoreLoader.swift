import MIDIFormats
import MusicScore

/// Reads a MIDI file of either kind (Standard MIDI File or MIDI 2.0 Clip File, told apart by
/// their magic bytes) into a `Score`, turning format errors into `CadenzaError`s that name the file.
public enum ScoreLoader {
    public enum Container: String, Sendable, Codable {
        case standardMIDIFile = "Standard MIDI File"
        case clipFile = "MIDI 2.0 Clip File"
    }

    public struct Loaded: Sendable {
        public var score: Score
        public var container: Container
        /// SMF format 0, 1 or 2; nil for Clip Files.
        public var format: Int?
        /// What lenient reading repaired, one line each with its byte offset.
        public var repairs: [String]
    }

    public static func load(path: String, strict: Bool = false, maximumBytes: Int = InputFile.defaultMaximumBytes) throws(CadenzaError) -> Loaded {
        try load(bytes: InputFile.read(path, maximumBytes: maximumBytes), path: path, strict: strict)
    }

    public static func load(bytes: [UInt8], path: String, strict: Bool = false) throws(CadenzaError) -> Loaded {
        if bytes.starts(with: Array("SMF2CLIP".utf8)) {
            do {
                let clip = try ClipFile(bytes: bytes)
                return Loaded(score: Score(clipFile: clip), container: .clipFile, format: nil, repairs: [])
            } catch {
                throw .badInput(file: path, location: "byte \(error.offset)", problem: error.reason, hint: error.hint)
            }
        }
        do {
            let reading = try MIDIFile.readScore(bytes: bytes, mode: strict ? .strict : .lenient)
            return Loaded(score: reading.score, container: .standardMIDIFile, format: reading.format, repairs: reading.repairs.map(\.description))
        } catch {
            throw .badInput(file: path, location: "byte \(error.offset)", problem: error.reason, hint: error.hint)
        }
    }
}
