import ArgumentParser
import Cadenza
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `cadenza`: the root of the command tree.
struct CadenzaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cadenza",
        abstract: "Genre-conditioned neural music generation from MIDI, in Swift.",
        discussion: """
            Look at files:      cadenza inspect song.mid
            See the tokens:     cadenza tokenize song.mid --genre jazz
            Build a dataset:    cadenza dataset build --input midi/ -o data/
            Measure speed:      cadenza bench parse --corpus midi/

            Exit status: 0 done, 1 bad input (the message names the file and the byte or field),
            2 wrong usage.
            """,
        version: CadenzaVersion.string,
        subcommands: [InspectCommand.self, TokenizeCommand.self, DatasetCommand.self, TrainCommand.self, TrainClassifierCommand.self, GenerateCommand.self, EvaluateCommand.self, QuantizeCommand.self, RenderCommand.self, ServeCommand.self, BenchCommand.self]
    )
}

/// Entry point with the exit codes CONVENTIONS.md fixes: 1 for bad input, 2 for wrong usage.
@main
enum Main {
    static func main() {
        do {
            var command = try CadenzaCommand.parseAsRoot()
            try command.run()
        } catch let error as CadenzaError {
            Terminal.error(error.description)
            exit(1)
        } catch {
            let code = CadenzaCommand.exitCode(for: error)
            if code == .success {
                CadenzaCommand.exit(withError: error)  // --help, --version
            }
            let message = CadenzaCommand.fullMessage(for: error)
            // ArgumentParser's message already starts with "Error:" and carries the usage line.
            if !message.isEmpty { Terminal.note(message) }
            exit(code == .failure ? 1 : 2)
        }
    }
}
