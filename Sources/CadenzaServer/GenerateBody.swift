import Cadenza
import Engine
import Foundation

/// The JSON body of `/v1/generate`, `/v1/continue` and the stream's first message, checked
/// field by field so that every mistake names its field: unknown fields are errors (a typo must
/// not fall back to a default), and types and ranges are checked before the model sees them.
public struct GenerateBody: Sendable {
    public enum Pace: String, Sendable { case asap, realtime }

    public var model: String?
    public var request: GenerationRequest
    /// The MIDI file to continue (decoded from base64).
    public var prompt: [UInt8]?
    public var pace: Pace

    /// Which optional parts a route accepts.
    public struct Shape: Sendable {
        var prompt: Presence
        var pace: Bool
        enum Presence: Sendable { case absent, optional, required }

        public static let generate = Shape(prompt: .absent, pace: false)
        public static let `continue` = Shape(prompt: .required, pace: false)
        public static let stream = Shape(prompt: .optional, pace: true)
    }

    static let requestFields = ["model", "genre", "bars", "seconds", "seed", "temperature", "topK", "topP", "minP", "guidance",
                                "instruments", "tempo", "timeSignature", "key", "ensembleBars"]

    public static func parse(_ bytes: [UInt8], shape: Shape, limits: ServerLimits, ignoring: Set<String> = []) throws(ServerError) -> GenerateBody {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw ServerError(.badRequest, code: "invalid_json", message: "the body is not valid JSON (\(Self.describe(error)))",
                              hint: "send a JSON object such as {\"genre\": \"jazz\", \"bars\": 8}")
        }
        guard let fields = object as? [String: Any] else {
            throw ServerError(.badRequest, code: "invalid_json", message: "the body must be a JSON object", hint: "send {\"genre\": \"jazz\"}")
        }
        return try parse(fields, shape: shape, limits: limits, ignoring: ignoring)
    }

    static func parse(_ fields: [String: Any], shape: Shape, limits: ServerLimits, ignoring: Set<String>) throws(ServerError) -> GenerateBody {
        var allowed = Set(requestFields).union(ignoring)
        if shape.prompt != .absent { allowed.formUnion(["prompt", "promptBars"]) }
        if shape.pace { allowed.insert("pace") }
        for key in fields.keys.sorted() where !allowed.contains(key) {
            throw ServerError(.badRequest, code: "unknown_field", field: key, message: "\"\(key)\" is not a field of this request",
                              hint: "fields: " + allowed.subtracting(ignoring).sorted().joined(separator: ", "))
        }
        let f = FieldReader(fields)
        var request = GenerationRequest()
        guard let genre = try f.string("genre") else {
            throw .invalid("genre", "is required", hint: "GET /v1/models lists each model's genres")
        }
        request.genre = genre
        request.bars = try f.int("bars", in: 1...limits.maximumBars) ?? 16
        request.seconds = try f.double("seconds", in: 0.001...limits.maximumSeconds)
        // A length in seconds still ends at the server's bar limit (a fast tempo in a short
        // meter would otherwise reach hundreds of bars).
        if request.seconds != nil, fields["bars"] == nil { request.bars = limits.maximumBars }
        request.seed = try f.seed("seed") ?? 0
        var sampling = request.sampling
        sampling.temperature = Float(try f.double("temperature", in: 0...10) ?? Double(sampling.temperature))
        sampling.topK = try f.int("topK", in: 0...1_000_000) ?? sampling.topK
        sampling.topP = Float(try f.double("topP", in: 0.000001...1) ?? Double(sampling.topP))
        sampling.minP = Float(try f.double("minP", in: 0...0.999999) ?? Double(sampling.minP))
        sampling.guidance = Float(try f.double("guidance", in: 0...20) ?? Double(sampling.guidance))
        request.sampling = sampling
        request.instruments = try f.instruments("instruments")
        request.tempo = try f.double("tempo", in: 40...240)  // the tokenizer's tempo bins
        request.timeSignature = try f.string("timeSignature")
        request.key = try f.string("key")
        if let bars = try f.int("ensembleBars", in: 0...GenerationRequest.maximumBars) { request.ensembleBars = bars > 0 ? bars : nil }

        var prompt: [UInt8]?
        if shape.prompt != .absent {
            if let text = try f.string("prompt") {
                guard let data = Data(base64Encoded: text, options: [.ignoreUnknownCharacters]), !data.isEmpty else {
                    throw .invalid("prompt", "is not base64", hint: "send the MIDI file's bytes in standard base64")
                }
                prompt = Array(data)
            } else if shape.prompt == .required {
                throw .invalid("prompt", "is required", hint: "send the MIDI file to continue, base64-encoded")
            }
            request.promptBars = try f.int("promptBars", in: 1...GenerationRequest.maximumBars)
            if request.promptBars != nil && prompt == nil {
                throw .invalid("promptBars", "needs a prompt", hint: "send prompt as well, or leave promptBars out")
            }
        }
        var pace = Pace.asap
        if shape.pace, let text = try f.string("pace") {
            guard let value = Pace(rawValue: text) else { throw .invalid("pace", "\"\(text)\" is neither asap nor realtime") }
            pace = value
        }
        return GenerateBody(model: try f.string("model"), request: request, prompt: prompt, pace: pace)
    }

    static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? "syntax error"
    }
}

/// Typed reads of JSON fields; each failure names the field and the type it needed.
struct FieldReader {
    let fields: [String: Any]
    init(_ fields: [String: Any]) { self.fields = fields }

    private func value(_ name: String) -> Any? {
        guard let value = fields[name], !(value is NSNull) else { return nil }
        return value
    }

    /// JSONSerialization gives numbers as NSNumber, and Bool is an NSNumber too: tell them apart.
    private func number(_ name: String) throws(ServerError) -> NSNumber? {
        guard let value = value(name) else { return nil }
        guard let number = value as? NSNumber, !Self.isBool(number) else {
            throw .invalid(name, "must be a number, not \(Self.typeName(value))")
        }
        return number
    }

    func string(_ name: String) throws(ServerError) -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value as? String else { throw .invalid(name, "must be a string, not \(Self.typeName(value))") }
        guard text.utf8.count <= 256 || name == "prompt" else { throw .invalid(name, "is longer than 256 bytes") }
        return text
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws(ServerError) -> Double? {
        guard let number = try number(name) else { return nil }
        let value = number.doubleValue
        guard value.isFinite, range.contains(value) else {
            throw .invalid(name, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws(ServerError) -> Int? {
        guard let number = try number(name) else { return nil }
        let value = number.doubleValue
        guard value.rounded() == value else { throw .invalid(name, "must be a whole number, not \(value)") }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw .invalid(name, "\(number) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(value)
    }

    /// Seeds span UInt64; JSON numbers past 2^53 lose digits, so those may come as strings.
    func seed(_ name: String) throws(ServerError) -> UInt64? {
        guard let value = value(name) else { return nil }
        if let text = value as? String {
            guard let seed = UInt64(text) else { throw .invalid(name, "\"\(text)\" is not a whole number 0...\(UInt64.max)") }
            return seed
        }
        guard let int = try self.int(name, in: 0...(1 << 53)) else { return nil }
        return UInt64(int)
    }

    func instruments(_ name: String) throws(ServerError) -> [Int]? {
        guard let value = value(name) else { return nil }
        guard let list = value as? [Any] else { throw .invalid(name, "must be an array of programs (0–128) or names") }
        guard list.count <= 129 else { throw .invalid(name, "lists \(list.count) instruments; at most 129") }
        var programs: [Int] = []
        for (index, item) in list.enumerated() {
            let field = "\(name)[\(index)]"
            if let number = item as? NSNumber, !Self.isBool(number) {
                guard number.doubleValue.rounded() == number.doubleValue, (0...128).contains(number.intValue) else {
                    throw .invalid(field, "\(number) is not a program 0–127 or 128 (drums)")
                }
                programs.append(number.intValue)
            } else if let text = item as? String {
                do { programs.append(try InstrumentNames.program(text, field: field)) } catch { throw ServerError(error) }
            } else {
                throw .invalid(field, "must be a number or a name, not \(Self.typeName(item))")
            }
        }
        guard !programs.isEmpty else { throw .invalid(name, "is empty", hint: "leave it out to allow every instrument") }
        return programs
    }

    /// JSON booleans arrive as NSNumbers whose type code is "c" (char); numbers never use it.
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    static func typeName(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case let n as NSNumber where isBool(n): "a boolean"
        case is NSNumber: "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "null"
        }
    }
}
