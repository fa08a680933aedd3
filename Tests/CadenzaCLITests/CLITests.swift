import Foundation
import Testing

/// Runs the built `cadenza` executable the way a user does and checks exit codes and messages
/// (CONVENTIONS.md: 0 done, 1 bad input naming the file and byte, 2 wrong usage).
@Suite struct CLITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures").path
    static let jazz = fixtures + "/jazz/KidOry_GutBucketBlues_Solo_ee6019a7.mid"

    /// The `cadenza` binary beside the test bundle (swift test builds it as a dependency).
    static var binary: String? {
        var candidates: [URL] = []
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = me.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("cadenza"))
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/cadenza"))
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    func cadenza(_ arguments: String...) throws -> Run { try cadenza(arguments) }

    /// Runs the built binary with `arguments`, in `folder` when given (else this process's).
    func cadenza(_ arguments: [String], in folder: String? = nil) throws -> Run {
        let path = try #require(Self.binary, "the cadenza executable was not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func scratch() -> String {
        let path = NSTemporaryDirectory() + "cadenza-cli-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func inspectReportsTheFile() throws {
        let run = try cadenza("inspect", Self.jazz)
        #expect(run.status == 0)
        #expect(run.stdout.contains("format 1"))
        #expect(run.stdout.contains("Alto Sax"))
        #expect(run.stdout.contains("notes         117"))
        let json = try cadenza("inspect", Self.jazz, "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["notes"] as? Int == 117)
        #expect((object["tracks"] as? [Any])?.count == 3)
    }

    @Test func badInputIsExitOneWithFileAndOffset() throws {
        let folder = scratch()
        let bad = folder + "/bad.mid"
        FileManager.default.createFile(atPath: bad, contents: Data("MThd\u{0}\u{0}\u{0}\u{6}\u{0}\u{1}".utf8))
        let run = try cadenza("inspect", bad)
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("cadenza: error: \(bad): byte "))
        #expect(run.stderr.split(separator: "\n").count == 1)
        let empty = folder + "/empty.mid"
        FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(try cadenza("inspect", empty).status == 1)
        #expect(try cadenza("inspect", folder + "/missing.mid").status == 1)
        #expect(try cadenza("tokenize", empty).status == 1)
    }

    @Test func wrongUsageIsExitTwo() throws {
        #expect(try cadenza("inspect").status == 2)
        #expect(try cadenza("inspect", Self.jazz, "--no-such-flag").status == 2)
        #expect(try cadenza("tokenize", Self.jazz, "--genre", "polka-metal").status == 2)
        #expect(try cadenza("no-such-command").status == 2)
        #expect(try cadenza("dataset", "build", "--input", "x", "-o", "y", "--transpose", "up").status == 2)
        let help = try cadenza("--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("dataset"))
    }

    @Test func tokenizeJSON() throws {
        let run = try cadenza("tokenize", Self.jazz, "--genre", "jazz", "--json")
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let ids = try #require(object["ids"] as? [Int])
        #expect(ids.count == object["count"] as? Int)
        #expect((object["tokens"] as? [String])?.first == "BOS")
        #expect(ids.allSatisfy { (0..<512).contains($0) })
    }

    @Test func datasetBuildFromTheCommandLine() throws {
        let out = scratch() + "/data"
        let run = try cadenza("dataset", "build", "--input", Self.fixtures, "-o", out, "--manifest", Self.fixtures + "/manifest.csv", "--jobs", "2")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("18 pieces kept of 18"))
        #expect(FileManager.default.fileExists(atPath: out + "/manifest.json"))
        let missing = try cadenza("dataset", "build", "--input", out + "/nope", "-o", out + "2")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("is not a folder"))
    }

    @Test func trainSavesResumesAndRefusesBadFlags() throws {
        let folder = scratch()
        let data = folder + "/data", run = folder + "/run"
        #expect(try cadenza("dataset", "build", "--input", Self.fixtures, "-o", data).status == 0)
        let tiny = ["--arch", "transformer", "--layers", "1", "--channels", "16", "--heads", "2",
                    "--seq-len", "16", "--batch-size", "2", "--val-every", "2", "--save-every", "2", "-o", run]
        let first = try cadenza(["train", "--data", data, "--steps", "4"] + tiny)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: run + "/step-000004/model.safetensors"))
        #expect(FileManager.default.fileExists(atPath: run + "/loss.svg"))
        let resumed = try cadenza(["train", "--data", data, "--steps", "6", "--resume"] + tiny)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(FileManager.default.fileExists(atPath: run + "/step-000006/model.safetensors"))
        // A fresh run into a folder that holds one is refused: nothing is overwritten.
        #expect(try cadenza(["train", "--data", data, "--steps", "2"] + tiny).status == 1)
        #expect(try cadenza("train", "--data", data, "--arch", "rnn", "-o", folder + "/x").status == 2)
        let missing = try cadenza("train", "--data", folder + "/missing", "--arch", "transformer", "--steps", "2", "-o", folder + "/y")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("is not a Cadenza dataset"))
    }
}
