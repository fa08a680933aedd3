/// A small RFC 4180 CSV reader: a header row, then records; quoted fields may hold commas,
/// doubled quotes and newlines. Enough for label and manifest files, which users write by hand
/// or export from spreadsheets.
public struct CSVTable: Sendable {
    /// Column names from the first row, trimmed.
    public let header: [String]
    /// Records, each as many fields as it had (short rows are padded with "" on access).
    public let rows: [[String]]

    /// - Throws: `CadenzaError.badInput` naming the line of an unterminated quote.
    public init(text: String, source: String) throws(CadenzaError) {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var quoteLine = 0
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = next }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
                quoteLine = line
            case ",":
                record.append(field)
                field = ""
            case "\r":
                continue
            case "\n":
                record.append(field)
                field = ""
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
                line += 1
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw .badInput(file: source, location: "line \(quoteLine)", problem: "a quoted field is never closed", hint: "check the quotes on that line")
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        guard let first = records.first else {
            throw .badInput(file: source, location: "line 1", problem: "the CSV file is empty", hint: "it needs a header row, for example `path,genre`")
        }
        header = first.map { $0.trimmingSpaces() }
        rows = Array(records.dropFirst())
    }

    /// Index of a column by name (case-insensitive), nil when absent.
    public func column(_ name: String) -> Int? {
        header.firstIndex { $0.lowercased() == name.lowercased() }
    }

    /// The field at `column` of row `row`, "" when the row is short.
    public func value(row: Int, column: Int) -> String {
        column < rows[row].count ? rows[row][column].trimmingSpaces() : ""
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
