import Foundation

/// The served routes (path templates and their methods), to tell a wrong method (405) from a
/// wrong path (404). Filled once, after the routes are added, before the server starts.
final class RouteTable: @unchecked Sendable {
    private var templates: [(segments: [Substring], methods: [String])] = []

    func fill(_ routes: [(path: String, method: String)]) {
        var byPath: [String: [String]] = [:]
        for route in routes { byPath[route.path, default: []].append(route.method) }
        templates = byPath.map { ($0.key.split(separator: "/"), $0.value.sorted()) }
    }

    /// The methods served on `path`, or nil when no route has that path.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        let matching = templates.filter { template in
            template.segments.count == segments.count && zip(template.segments, segments).allSatisfy { pattern, segment in
                pattern == segment || pattern.hasPrefix("{") || pattern.hasPrefix(":")
            }
        }
        return matching.isEmpty ? nil : Array(Set(matching.flatMap(\.methods))).sorted()
    }
}
