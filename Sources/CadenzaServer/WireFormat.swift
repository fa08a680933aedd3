import Cadenza
import Foundation

/// The JSON the API writes. Notes are written by hand rather than through JSONEncoder because
/// the stream sends thousands of them and each must leave at once; the field order is fixed,
/// so equal pieces give equal bytes.
enum WireFormat {
    static func note(_ note: NoteEvent, type: String? = nil) -> String {
        var text = "{"
        if let type { text += "\"type\":\"\(type)\"," }
        text += "\"bar\":\(note.bar),\"startQuarters\":\(number(note.startQuarters)),\"durationQuarters\":\(number(note.durationQuarters)),"
        text += "\"startSeconds\":\(number(note.startSeconds)),\"durationSeconds\":\(number(note.durationSeconds)),"
        text += "\"program\":\(note.program),\"pitch\":\(note.pitch),\"velocity\":\(note.velocity)}"
        return text
    }

    /// The answer to a generate request as JSON, and the stream's last message (with `type`).
    static func piece(_ result: GenerationResult, type: String? = nil) -> String {
        var text = "{"
        if let type { text += "\"type\":\"\(type)\"," }
        text += "\"model\":\(string(result.model)),\"seed\":\(result.seed),\"bars\":\(result.bars),"
        text += "\"notes\":" + (type == nil ? "[" + result.notes.map { note($0) }.joined(separator: ",") + "]" : "\(result.notes.count)")
        text += ",\"seconds\":\(number(result.seconds)),\"midi\":\"\(Data(result.midi).base64EncodedString())\","
        text += "\"provenance\":\(result.provenanceJSON.isEmpty ? "{}" : result.provenanceJSON)}"
        return text
    }

    static func started(model: String, seed: UInt64, genre: String, bars: Int) -> String {
        "{\"type\":\"started\",\"model\":\(string(model)),\"seed\":\(seed),\"genre\":\(string(genre)),\"bars\":\(bars)}"
    }

    static func error(_ error: ServerError) -> String {
        var fields = error.fields
        fields["type"] = "error"
        if let retry = error.retryAfter { fields["retryAfter"] = retry }
        return object(fields)
    }

    static func object(_ fields: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func string(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// Shortest round-tripping decimal; times are always finite.
    static func number(_ value: Double) -> String {
        value.isFinite ? (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)) : "0"
    }
}
