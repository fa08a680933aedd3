import Foundation
import Testing

/// `cadenza bench train|generate` smoke runs without the PyTorch reference: Cadenza's side
/// runs, the table has its shape, and the output says how to set up the reference. Tiny
/// settings (sequence 16, 8 tokens) keep them to seconds in a debug build.
@Suite struct BenchCLITests {
    let cli = CLITests()

    /// The numbers of a table row, commas removed ("12,345" → 12345), skipping words.
    static func numbers(_ line: Substring) -> [Double] {
        line.split(separator: " ").compactMap { Double($0.replacingOccurrences(of: ",", with: "")) }
    }

    @Test func trainQuickRunsCadenzaAloneAndSaysHowToGetTheReference() throws {
        let run = try cli.cadenza("bench", "train", "--quick", "--reference-python", "/nonexistent/python",
                                  "--batch-sizes", "1", "--seq-len", "16", "--idle-timeout", "0")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("no PyTorch reference: /nonexistent/python not found"))
        #expect(run.stderr.contains("Scripts/bench.sh train"))
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("bench train: sequence 16, 2 threads") == true)
        let header = try #require(lines.first { $0.hasPrefix("config") })
        for column in ["batch", "Cadenza tok/s", "GFLOP/s", "% peak", "RSS Cadenza", "busy cores"] {
            #expect(header.contains(column), "\(column)")
        }
        #expect(!header.contains("PyTorch"))
        let row = try #require(lines.first { $0.hasPrefix("transformer-small ") })
        // batch, tok/s, GFLOP/s, RSS MB, busy cores (the "%" and "MB" cells are not plain numbers)
        let values = Self.numbers(row)
        #expect(values.count == 5, "\(row)")
        #expect(values.first == 1)
        #expect(values.count == 5 && values[1] > 0, "tokens per second: \(row)")
        #expect(row.contains("%") && row.contains(" MB"))
        #expect(values.count == 5 && values[3] > 10, "peak RSS in MB: \(row)")
        // % of peak divides by this machine's FMA peak, measured in the same run.
        #expect(run.stdout.contains("fp32 FMA peak on 2 threads, measured in this run"))
        #expect(run.stdout.contains("PyTorch side not run"))
        #expect(!run.stdout.contains("ratio ="))
    }

    @Test func generateQuickRunsCadenzaAloneAndTimesTheFirstNote() throws {
        // A tiny checkpoint for the time-to-first-note run, made the way a user makes one.
        let folder = cli.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let build = try cli.cadenza("dataset", "build", "--input", CLITests.fixtures, "--manifest", CLITests.fixtures + "/manifest.csv", "-o", folder + "/data")
        #expect(build.status == 0, "\(build.stderr)")
        let train = try cli.cadenza("train", "--data", folder + "/data", "--arch", "transformer", "--layers", "1", "--channels", "16", "--heads", "2",
                                    "-o", folder + "/run", "--steps", "1", "--batch-size", "1", "--seq-len", "16")
        #expect(train.status == 0, "\(train.stderr)")

        let run = try cli.cadenza("bench", "generate", "--quick", "--reference-python", "/nonexistent/python", "--tokens", "8",
                                  "--first-note-model", folder + "/run", "--idle-timeout", "0")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("no PyTorch reference: /nonexistent/python not found"))
        #expect(run.stderr.contains("Scripts/bench.sh generate"))
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("bench generate: batch 1, 8 new tokens per run, median of 1 run(s)") == true)
        let header = try #require(lines.first { $0.hasPrefix("config") })
        #expect(header.contains("Cadenza ms/token") && header.contains("p99") && header.contains("aim"))
        #expect(!header.contains("PyTorch"))
        for precision in ["fp32", "int8"] {
            let row = try #require(lines.first { $0.hasPrefix("transformer-small") && $0.contains(" \(precision) ") })
            let values = Self.numbers(row)  // mean, p99, aim, busy cores
            #expect(values.count == 4, "\(row)")
            #expect(values.count == 4 && values[0] > 0 && values[1] >= values[0] * 0.5, "\(row)")
        }
        #expect(run.stdout.contains("int8 speed-up, transformer-small: Cadenza "))
        let firstNote = try #require(lines.first { $0.hasPrefix("time to first note: ") })
        let milliseconds = try #require(Double(firstNote.dropFirst("time to first note: ".count).prefix { $0 != " " }))
        #expect(milliseconds > 0 && milliseconds < 60_000)
        #expect(firstNote.contains("--genre jazz"))
    }

    @Test func badFlagsAreWrongUsage() throws {
        #expect(try cli.cadenza("bench", "train", "--config", "transformer-huge").status == 2)
        #expect(try cli.cadenza("bench", "train", "--batch-sizes", "16,zero").status == 2)
        #expect(try cli.cadenza("bench", "generate", "--tokens", "0").status == 2)
        #expect(try cli.cadenza("bench", "generate", "--precision", "fp8").status == 2)
    }
}
