import ArgumentParser
import Cadenza
import Foundation

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render a MIDI file to a WAV file with the built-in synthesizer.",
        discussion: """
            Every General MIDI instrument family has an approximate synthesized voice (pianos,
            mallets, organs, plucked guitars and basses, strings, brass, reeds, pipes, synths) and
            the drum channel plays a synthesized GM kit. Tempo changes, the sustain pedal, volume,
            expression, pan and pitch bend are followed. The output is 16-bit stereo PCM; the same
            input always gives the same bytes. Pieces longer than 30 minutes are refused.

              cadenza render song.mid                   writes song.wav in the current folder
              cadenza render song.mid -o preview.wav --sample-rate 22050
            """)

    @Argument(help: "The MIDI file (.mid, .midi, or a .midi2 Clip File).")
    var file: String

    @Option(name: [.short, .customLong("output")],
            help: "The WAV file to write (default: the input's name with .wav, in the current folder).")
    var output: String?

    @Option(help: "Samples per second, \(AudioRenderer.supportedSampleRates.lowerBound)...\(AudioRenderer.supportedSampleRates.upperBound).")
    var sampleRate = 44_100

    /// Where the WAV goes: `-o`, or the input's base name with `.wav` in the current folder.
    var outputPath: String {
        if let output { return output }
        let base = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return base + ".wav"
    }

    func validate() throws {
        let rates = AudioRenderer.supportedSampleRates
        guard rates.contains(sampleRate) else {
            throw ValidationError("--sample-rate must be within \(rates.lowerBound)...\(rates.upperBound) Hz, not \(sampleRate)")
        }
        if Self.sameFile(file, outputPath) {
            throw ValidationError("the output \(outputPath) is the input file; name another with -o")
        }
    }

    func run() throws {
        let loaded = try ScoreLoader.load(path: file)
        let renderer = AudioRenderer(sampleRate: sampleRate)
        let clock = ContinuousClock()
        let started = clock.now
        let summary = try renderer.writeWAV(for: loaded.score, to: outputPath, name: file)
        let elapsed = clock.now - started
        let seconds = elapsed.inSeconds
        let factor = seconds > 0 ? summary.seconds / seconds : 0
        Terminal.print("rendered \(summary.notes) note\(summary.notes == 1 ? "" : "s"), \(Terminal.decimal(summary.seconds, 1)) s of audio in "
            + "\(Terminal.decimal(seconds, 2)) s (\(Int(factor.rounded()))× real time) to \(outputPath)")
    }

    /// True when both paths name one existing file (same device and inode, so links count too).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        let manager = FileManager.default
        guard let x = try? manager.attributesOfItem(atPath: a), let y = try? manager.attributesOfItem(atPath: b),
              let device = x[.systemNumber] as? NSNumber, let inode = x[.systemFileNumber] as? NSNumber else { return false }
        return device == y[.systemNumber] as? NSNumber && inode == y[.systemFileNumber] as? NSNumber
    }
}
