import ArgumentParser
import Cadenza
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a MIDI file holds: format, tracks, instruments, tempo, meter, key, notes, duration, repairs.",
        discussion: """
            Reads Standard MIDI Files (formats 0, 1, 2) and MIDI 2.0 Clip Files. By default it reads
            leniently, as the dataset builder does, and lists every repair it made (missing end of
            track, wrong chunk lengths, unterminated notes, trailing garbage…). With --strict a file
            that needs any repair is rejected with the byte offset of the first problem.
            """)

    @Argument(help: "The MIDI file (.mid, .midi, or a .midi2 Clip File).")
    var file: String

    @Flag(help: "Print JSON for machines instead of the text report.")
    var json = false

    @Flag(help: "Reject files that need repairs, naming the byte offset.")
    var strict = false

    func run() throws {
        let loaded = try ScoreLoader.load(path: file, strict: strict)
        let report = FileInspection(file: file, loaded: loaded)
        Terminal.print(json ? try JSONText.encode(report) : report.text)
    }
}

/// Stable, pretty JSON for `--json` outputs.
enum JSONText {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
