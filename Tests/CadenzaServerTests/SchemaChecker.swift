import Foundation

/// Checks JSON values against the schemas of an OpenAPI 3.1 document, read from the document's
/// raw JSON: the subset of JSON Schema 2020-12 the Cadenza document uses (`$ref` to the same
/// document, `type` including type lists, `enum`, `const`, `properties`, `required`,
/// `additionalProperties`, `items`, `minItems`/`maxItems`, numeric and length bounds,
/// `pattern`, `oneOf`/`anyOf`/`allOf`).
///
/// A keyword it does not know is reported as a problem rather than skipped, so a schema can never
/// pass a value only because the checker ignored part of it.
struct SchemaChecker {
    /// A JSON value that keeps booleans, numbers and null apart (JSONSerialization's NSNumber
    /// blurs booleans and numbers on some platforms).
    indirect enum Value: Decodable, Equatable, Sendable, CustomStringConvertible {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([Value])
        case object([String: Value])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let string = try? container.decode(String.self) { self = .string(string) }
            else if let array = try? container.decode([Value].self) { self = .array(array) }
            else { self = .object(try container.decode([String: Value].self)) }
        }

        init(json bytes: some Collection<UInt8>) throws {
            self = try JSONDecoder().decode(Value.self, from: Data(bytes))
        }

        subscript(key: String) -> Value? {
            if case .object(let object) = self { return object[key] } else { return nil }
        }

        var string: String? { if case .string(let s) = self { s } else { nil } }
        var number: Double? { if case .number(let n) = self { n } else { nil } }
        var object: [String: Value]? { if case .object(let o) = self { o } else { nil } }
        var array: [Value]? { if case .array(let a) = self { a } else { nil } }

        /// The JSON Schema type names this value has (`integer` numbers are also `number`).
        var typeNames: Set<String> {
            switch self {
            case .null: ["null"]
            case .bool: ["boolean"]
            case .number(let n): n.isFinite && n.rounded() == n ? ["number", "integer"] : ["number"]
            case .string: ["string"]
            case .array: ["array"]
            case .object: ["object"]
            }
        }

        var description: String {
            switch self {
            case .null: "null"
            case .bool(let b): "\(b)"
            case .number(let n): n.rounded() == n && abs(n) < 1e15 ? "\(Int(n))" : "\(n)"
            case .string(let s): "\"\(s.prefix(40))\""
            case .array(let a): "array[\(a.count)]"
            case .object(let o): "object{\(o.keys.sorted().joined(separator: ","))}"
            }
        }
    }

    /// The whole OpenAPI document.
    let document: Value

    init(document: Value) { self.document = document }

    /// Keywords that describe but never constrain.
    static let annotations: Set<String> = [
        "description", "title", "examples", "example", "default", "format", "contentEncoding", "contentMediaType",
        "deprecated", "readOnly", "writeOnly", "$comment", "summary",
    ]
    static let checked: Set<String> = [
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "oneOf", "anyOf", "allOf",
    ]

    /// The value at a local JSON pointer such as `#/components/schemas/Model`.
    func resolve(_ reference: String) -> Value? {
        guard reference.hasPrefix("#") else { return nil }
        var node: Value? = document
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            node = node?[key]
        }
        return node
    }

    /// Follows `$ref`s of an object that is only a reference (responses, headers, schemas).
    func dereferenced(_ node: Value?) -> Value? {
        var node = node
        var hops = 0
        while let ref = node?["$ref"]?.string, hops < 16 {
            node = resolve(ref)
            hops += 1
        }
        return node
    }

    /// The schema of a named component.
    func schema(named name: String) -> Value? { resolve("#/components/schemas/\(name)") }

    /// Every way `value` breaks `schema`, each prefixed with the JSON path where it does; empty
    /// when the value conforms.
    func problems(_ value: Value, against schema: Value, at path: String = "$", depth: Int = 0) -> [String] {
        guard depth < 64 else { return ["\(path): schema nesting deeper than 64 (a $ref cycle?)"] }
        switch schema {
        case .bool(true): return []
        case .bool(false): return ["\(path): no value is allowed here"]
        case .object(let keywords):
            var found: [String] = []
            for key in keywords.keys.sorted() where !Self.checked.contains(key) && !Self.annotations.contains(key) {
                found.append("\(path): the checker does not know the keyword \"\(key)\"")
            }
            if let ref = keywords["$ref"]?.string {
                if let target = resolve(ref) {
                    found += problems(value, against: target, at: path, depth: depth + 1)
                } else {
                    found.append("\(path): unresolvable $ref \(ref)")
                }
            }
            found += typeProblems(value, keywords, path)
            found += valueProblems(value, keywords, path)
            found += objectProblems(value, keywords, path, depth)
            found += arrayProblems(value, keywords, path, depth)
            found += combinationProblems(value, keywords, path, depth)
            return found
        default:
            return ["\(path): the schema is neither an object nor a boolean"]
        }
    }

    private func typeProblems(_ value: Value, _ keywords: [String: Value], _ path: String) -> [String] {
        guard let type = keywords["type"] else { return [] }
        let allowed: [String] = type.string.map { [$0] } ?? type.array?.compactMap(\.string) ?? []
        return value.typeNames.isDisjoint(with: allowed) ? ["\(path): \(value) is not of type \(allowed.joined(separator: " or "))"] : []
    }

    private func valueProblems(_ value: Value, _ keywords: [String: Value], _ path: String) -> [String] {
        var found: [String] = []
        if let options = keywords["enum"]?.array, !options.contains(value) {
            found.append("\(path): \(value) is not one of \(options.map(\.description).joined(separator: ", "))")
        }
        if let constant = keywords["const"], constant != value {
            found.append("\(path): \(value) is not \(constant)")
        }
        if case .number(let n) = value {
            if let bound = keywords["minimum"]?.number, n < bound { found.append("\(path): \(n) < minimum \(bound)") }
            if let bound = keywords["maximum"]?.number, n > bound { found.append("\(path): \(n) > maximum \(bound)") }
            if let bound = keywords["exclusiveMinimum"]?.number, n <= bound { found.append("\(path): \(n) <= exclusiveMinimum \(bound)") }
            if let bound = keywords["exclusiveMaximum"]?.number, n >= bound { found.append("\(path): \(n) >= exclusiveMaximum \(bound)") }
        }
        if case .string(let s) = value {
            if let bound = keywords["minLength"]?.number, Double(s.count) < bound { found.append("\(path): shorter than \(Int(bound))") }
            if let bound = keywords["maxLength"]?.number, Double(s.count) > bound { found.append("\(path): longer than \(Int(bound))") }
            if let pattern = keywords["pattern"]?.string {
                if let regex = try? NSRegularExpression(pattern: pattern) {
                    if regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil {
                        found.append("\(path): \(value) does not match /\(pattern)/")
                    }
                } else {
                    found.append("\(path): the pattern /\(pattern)/ does not compile")
                }
            }
        }
        return found
    }

    private func objectProblems(_ value: Value, _ keywords: [String: Value], _ path: String, _ depth: Int) -> [String] {
        guard case .object(let object) = value else { return [] }
        var found: [String] = []
        let properties = keywords["properties"]?.object ?? [:]
        for name in keywords["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
            found.append("\(path): the required property \"\(name)\" is missing")
        }
        for (name, member) in object.sorted(by: { $0.key < $1.key }) {
            if let schema = properties[name] {
                found += problems(member, against: schema, at: "\(path).\(name)", depth: depth + 1)
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    found.append("\(path): the property \"\(name)\" is not allowed")
                } else {
                    found += problems(member, against: additional, at: "\(path).\(name)", depth: depth + 1)
                }
            }
        }
        return found
    }

    private func arrayProblems(_ value: Value, _ keywords: [String: Value], _ path: String, _ depth: Int) -> [String] {
        guard case .array(let items) = value else { return [] }
        var found: [String] = []
        if let bound = keywords["minItems"]?.number, Double(items.count) < bound { found.append("\(path): fewer than \(Int(bound)) items") }
        if let bound = keywords["maxItems"]?.number, Double(items.count) > bound { found.append("\(path): more than \(Int(bound)) items") }
        if let schema = keywords["items"] {
            for (index, item) in items.enumerated() {
                found += problems(item, against: schema, at: "\(path)[\(index)]", depth: depth + 1)
            }
        }
        return found
    }

    private func combinationProblems(_ value: Value, _ keywords: [String: Value], _ path: String, _ depth: Int) -> [String] {
        var found: [String] = []
        for schema in keywords["allOf"]?.array ?? [] {
            found += problems(value, against: schema, at: path, depth: depth + 1)
        }
        if let options = keywords["anyOf"]?.array,
           !options.contains(where: { problems(value, against: $0, at: path, depth: depth + 1).isEmpty }) {
            found.append("\(path): \(value) matches none of anyOf")
        }
        if let options = keywords["oneOf"]?.array {
            let results = options.map { problems(value, against: $0, at: path, depth: depth + 1) }
            let matches = results.filter(\.isEmpty).count
            if matches != 1 {
                let detail = matches == 0 ? results.map { $0.first ?? "" }.joined(separator: "; ") : "\(matches) match"
                found.append("\(path): \(value) must match exactly one of oneOf (\(detail))")
            }
        }
        return found
    }
}
