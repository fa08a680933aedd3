/// The errors the Cadenza library reports to its front ends. Each names where the problem is
/// (a file and a byte offset, line or field) and what the user can do about it; the CLI prints
/// `description` on one line and exits with status 1.
public enum CadenzaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Input the user gave us is wrong: a malformed file, a bad CSV row, a missing folder.
    case badInput(file: String, location: String?, problem: String, hint: String)
    /// Writing an output failed (disk full, permissions); nothing half-written was left behind.
    case writeFailed(file: String, problem: String, hint: String)
    /// A setting of a request is out of range or unknown (`field` is its name, e.g. "genre",
    /// as the CLI flag and the HTTP API's JSON field both spell it).
    case invalidSetting(field: String, problem: String, hint: String)

    public var description: String {
        switch self {
        case let .badInput(file, location, problem, hint):
            let place = location.map { "\(file): \($0)" } ?? file
            return "\(place): \(problem)" + (hint.isEmpty ? "" : " (\(hint))")
        case let .writeFailed(file, problem, hint):
            return "\(file): could not write: \(problem)" + (hint.isEmpty ? "" : " (\(hint))")
        case let .invalidSetting(field, problem, hint):
            return "\(field): \(problem)" + (hint.isEmpty ? "" : " (\(hint))")
        }
    }
}
