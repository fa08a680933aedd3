import Foundation

/// One input file with what we know about it before parsing.
public struct CorpusEntry: Hashable, Sendable {
    /// Path relative to the input folder, with "/" separators; the order key of the whole build.
    public var relativePath: String
    public var absolutePath: String
    /// Genre label, or nil when no label applies (the file is then skipped with that reason).
    public var genre: String?
    /// Pieces that belong together (movements, versions); the split never separates a group.
    public var group: String?
    public var source: String?
    public var license: String?
}

/// Finds the MIDI files under a folder and attaches labels, groups, sources and licences from
/// folder names or CSV files. Listing is sorted so that every run sees the same order.
public enum CorpusListing {
    /// File extensions read as MIDI (Standard MIDI Files and MIDI 2.0 Clip Files).
    public static let extensions: Set<String> = ["mid", "midi", "smf", "kar", "midi2", "mid2"]

    /// - Parameters:
    ///   - labelsCSV: columns `path,genre`; paths relative to the CSV's folder (or absolute).
    ///   - manifestCSV: columns `path`, `group`, `source`, `license` (others ignored), paths relative
    ///     to the CSV's folder, as in the shared corpora.
    ///   - unlabelled: every piece is `unconditional` (pre-training corpora).
    public static func list(
        input: String, labelsCSV: String?, manifestCSV: String?, unlabelled: Bool
    ) throws(CadenzaError) -> [CorpusEntry] {
        let root = URL(fileURLWithPath: input).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw .badInput(file: input, location: nil, problem: "is not a folder", hint: "--input names a folder of MIDI files (one sub-folder per genre)")
        }
        let labels = try labelsCSV.map { (csv) throws(CadenzaError) in try readLabels(csv) }
        let manifest = try manifestCSV.map { (csv) throws(CadenzaError) in try readManifest(csv) }

        var entries: [CorpusEntry] = []
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for relative in try walk(root: root.path) {
            guard let dot = relative.lastIndex(of: "."), extensions.contains(relative[relative.index(after: dot)...].lowercased()) else { continue }
            let absolute = rootPath + relative
            var entry = CorpusEntry(relativePath: relative, absolutePath: absolute)
            if unlabelled {
                entry.genre = "unconditional"
            } else if let labels {
                entry.genre = labels[absolute]
            } else if let slash = relative.firstIndex(of: "/") {
                entry.genre = String(relative[..<slash]).lowercased()
            }
            if let row = manifest?[absolute] {
                entry.group = row.group
                entry.source = row.source
                entry.license = row.license
            }
            entries.append(entry)
        }
        // Byte order of UTF-8 paths: the same on every machine and locale.
        entries.sort { Array($0.relativePath.utf8).lexicographicallyPrecedes(Array($1.relativePath.utf8)) }
        return entries
    }

    /// Relative paths of the files under `root`, following symbolic links to folders (collections
    /// are often linked in) but never into one of a folder's own ancestors, so link cycles end.
    static func walk(root: String) throws(CadenzaError) -> [String] {
        let manager = FileManager.default
        var files: [String] = []
        var pending: [(relative: String, ancestors: Set<String>)] = [("", [])]
        while let (relative, ancestors) = pending.popLast() {
            let folder = relative.isEmpty ? root : root + "/" + relative
            let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            guard !ancestors.contains(real) else { continue }
            guard let names = try? manager.contentsOfDirectory(atPath: folder) else {
                if relative.isEmpty { throw .badInput(file: root, location: nil, problem: "cannot list the folder", hint: "check permissions") }
                continue
            }
            for name in names where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                var isFolder: ObjCBool = false
                guard manager.fileExists(atPath: root + "/" + child, isDirectory: &isFolder) else { continue }
                if isFolder.boolValue { pending.append((child, ancestors.union([real]))) } else { files.append(child) }
            }
        }
        return files
    }

    static func resolve(_ path: String, relativeTo csv: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let folder = URL(fileURLWithPath: csv).deletingLastPathComponent()
        return folder.appendingPathComponent(path).standardizedFileURL.path
    }

    static func readCSV(_ path: String) throws(CadenzaError) -> CSVTable {
        let bytes = try InputFile.read(path, maximumBytes: 1 << 30)
        return try CSVTable(text: String(decoding: bytes, as: UTF8.self), source: path)
    }

    static func readLabels(_ path: String) throws(CadenzaError) -> [String: String] {
        let table = try readCSV(path)
        guard let p = table.column("path"), let g = table.column("genre") else {
            throw .badInput(file: path, location: "line 1", problem: "the header needs columns `path` and `genre`", hint: "found: \(table.header.joined(separator: ","))")
        }
        var labels: [String: String] = [:]
        for row in table.rows.indices {
            let file = table.value(row: row, column: p)
            let genre = table.value(row: row, column: g).lowercased()
            guard !file.isEmpty, !genre.isEmpty else {
                throw .badInput(file: path, location: "row \(row + 2)", problem: "empty path or genre", hint: "every row needs both")
            }
            labels[resolve(file, relativeTo: path)] = genre
        }
        return labels
    }

    struct ManifestRow { var group, source, license: String? }

    static func readManifest(_ path: String) throws(CadenzaError) -> [String: ManifestRow] {
        let table = try readCSV(path)
        guard let p = table.column("path") else {
            throw .badInput(file: path, location: "line 1", problem: "the header needs a `path` column (and `group`, `source`, `license`)", hint: "found: \(table.header.joined(separator: ","))")
        }
        let (g, s, l) = (table.column("group"), table.column("source"), table.column("license"))
        var rows: [String: ManifestRow] = [:]
        for row in table.rows.indices {
            let text = { (column: Int?) -> String? in
                guard let column else { return nil }
                let value = table.value(row: row, column: column)
                return value.isEmpty ? nil : value
            }
            guard let file = text(p) else { continue }
            rows[resolve(file, relativeTo: path)] = ManifestRow(group: text(g), source: text(s), license: text(l))
        }
        return rows
    }
}
