import Foundation
import Testing
@testable import Cadenza
import Engine
import Tokenization

@Suite struct CheckpointTests {
    /// A one-step run's checkpoint folder, trained fresh per test (runs in well under a second).
    func trainedCheckpoint() throws -> (options: TrainingOptions, folder: String) {
        let options = TrainingFixture.options(steps: 1)
        let summary = try Trainer(options: options).run()
        return (options, try #require(summary.lastCheckpoint))
    }

    @Test func metadataHoldsEveryFieldAsJSON() throws {
        let (options, folder) = try trainedCheckpoint()
        let file = try SafeTensorsFile(bytes: TestSupport.bytes(folder + "/model.safetensors"))
        let m = file.metadata
        #expect(m["format"] == "cadenza-checkpoint/1")
        #expect(m["cadenza_version"] == CadenzaVersion.string)
        for key in ["model", "tokenizer", "training", "genres", "data", "metrics"] {
            let text = try #require(m[key], "metadata \(key)")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "metadata \(key) is JSON")
        }
        let model = try #require(try JSONSerialization.jsonObject(with: Data(m["model"]!.utf8)) as? [String: Any])
        #expect(model["architecture"] as? String == "transformer" && model["layers"] as? Int == 1 && model["channels"] as? Int == 16)
        let training = try #require(try JSONSerialization.jsonObject(with: Data(m["training"]!.utf8)) as? [String: Any])
        #expect(training["step"] as? Int == 1 && training["seed"] as? Int == 7)
        #expect((training["options"] as? [String: Any])?["batchSize"] as? Int == 2)
        let data = try #require(try JSONSerialization.jsonObject(with: Data(m["data"]!.utf8)) as? [String: Any])
        #expect((data["sources"] as? [Any])?.isEmpty == false)
        #expect((data["tokenizerFingerprint"] as? String)?.count == 16)
        #expect(try JSONSerialization.jsonObject(with: Data(m["genres"]!.utf8)) as? [String] == (try DatasetManifest.load(from: options.data)).tokenizer.genres)

        // Decoding gives back what the trainer wrote; the tensors are the parameter table's, F32.
        let loaded = try Checkpoint.readModel(folder)
        #expect(loaded.metadata.model == options.model)
        #expect(loaded.metadata.training.options.seed == 7 && loaded.metadata.training.step == 1)
        #expect(loaded.metadata.metrics.trainLoss != nil && loaded.metadata.metrics.validationLoss != nil)
        #expect(loaded.metadata.genres.first == "unconditional")
        #expect(file.tensors.map(\.name).sorted() == options.model.parameterTable.entries.map(\.name).sorted())
        #expect(file.tensors.allSatisfy { $0.dtype == .f32 })
        let optimizer = try SafeTensorsFile(bytes: TestSupport.bytes(folder + "/optimizer.safetensors"))
        #expect(optimizer.metadata["format"] == "cadenza-optimizer/1" && optimizer.metadata["adamw_step"] == "1")
        #expect(optimizer.info("exp_avg.tok.weight") != nil && optimizer.info("exp_avg_sq.head.bias") != nil)
    }

    @Test func truncatedFilesAreRefusedWithTheirName() throws {
        let (_, folder) = try trainedCheckpoint()
        let path = folder + "/model.safetensors"
        let bytes = TestSupport.bytes(path)
        for length in [0, 5, 100, bytes.count / 2, bytes.count - 1] {
            TestSupport.write(Array(bytes.prefix(length)), to: path)
            #expect { try Checkpoint.readModel(folder) } throws: { error in
                guard case .badInput(let file, _, _, _) = error as? CadenzaError else { return false }
                return file == path
            }
        }
    }

    /// Rewrites the model file with one metadata field replaced.
    func rewrite(_ folder: String, key: String, value: String?) throws {
        let path = folder + "/model.safetensors"
        let file = try SafeTensorsFile(bytes: TestSupport.bytes(path))
        var writer = SafeTensorsWriter()
        writer.metadata = file.metadata
        writer.metadata[key] = value
        for t in file.tensors { writer.add(t.name, shape: t.shape, floats: try file.floats(t.name)) }
        TestSupport.write(writer.bytes(), to: path)
    }

    @Test(arguments: [
        ("format", "cadenza-checkpoint/99", "__metadata__.format"),
        ("model", "{not json", "__metadata__.model"),
        ("model", #"{"architecture":"transformer","vocabularySize":512,"genreCount":16,"contextLength":16,"layers":1,"channels":16,"heads":3,"feedForwardChannels":32}"#, "divisible"),
        ("model", #"{"architecture":"transformer","vocabularySize":100,"genreCount":16,"contextLength":16,"layers":1,"channels":16,"heads":2,"feedForwardChannels":32}"#, "smaller than the tokenizer"),
        ("model", #"{"architecture":"transformer","vocabularySize":512,"genreCount":16,"contextLength":16,"layers":100000,"channels":16,"heads":2,"feedForwardChannels":32}"#, "layers"),
        ("model", #"{"architecture":"rnn","vocabularySize":512,"genreCount":16,"layers":1}"#, "__metadata__.model"),
        ("tokenizer", #"{"version":7}"#, "__metadata__.tokenizer"),
        ("training", "[]", "__metadata__.training"),
        ("metrics", "null", "__metadata__.metrics"),
        ("genres", "[\"jazz\"]", "__metadata__.genres"),
        ("data", nil, "__metadata__.data"),
    ] as [(String, String?, String)])
    func wrongMetadataIsRefused(key: String, value: String?, expected: String) throws {
        let (_, folder) = try trainedCheckpoint()
        try rewrite(folder, key: key, value: value)
        #expect { try Checkpoint.readModel(folder) } throws: { error in
            let text = "\(error)"
            return error is CadenzaError && text.contains("model.safetensors") && text.contains(expected)
        }
    }

    @Test func wrongShapesAreRefused() throws {
        let (_, folder) = try trainedCheckpoint()
        let path = folder + "/model.safetensors"
        let file = try SafeTensorsFile(bytes: TestSupport.bytes(path))
        // Same metadata, but tensors of a 32-channel model.
        let bigger = TransformerModel(configuration: TransformerConfiguration(vocabularySize: 512, genreCount: 16, contextLength: 16, layers: 1, channels: 32, heads: 2, feedForwardChannels: 32), seed: 0)
        var writer = SafeTensorsWriter()
        writer.metadata = file.metadata
        bigger.parameterTable.write(bigger.parameters.pointer, into: &writer)
        TestSupport.write(writer.bytes(), to: path)
        #expect { try Checkpoint.readModel(folder) } throws: { "\($0)".contains("tok.weight") && "\($0)".contains("shape") }

        // A missing tensor and a stranger.
        var renamed = SafeTensorsWriter()
        renamed.metadata = file.metadata
        for t in file.tensors { renamed.add(t.name == "head.bias" ? "head.extra" : t.name, shape: t.shape, floats: try file.floats(t.name)) }
        TestSupport.write(renamed.bytes(), to: path)
        #expect { try Checkpoint.readModel(folder) } throws: { "\($0)".contains("head.extra") }
    }

    @Test func damagedOptimizerStateIsRefusedOnResume() throws {
        let (options, folder) = try trainedCheckpoint()
        let path = folder + "/optimizer.safetensors"
        let bytes = TestSupport.bytes(path)
        TestSupport.write(Array(bytes.prefix(bytes.count - 4)), to: path)
        var longer = options
        longer.steps = 2
        #expect { try Trainer(options: longer, resume: true) } throws: { "\($0)".contains("optimizer.safetensors") }
    }

    @Test func latestPointerIsChecked() throws {
        let (options, _) = try trainedCheckpoint()
        TestSupport.write(Array("../../etc\n".utf8), to: options.output + "/latest")
        #expect { try CheckpointFolder(options.output).latest() } throws: { "\($0)".contains("latest") }
        TestSupport.write(Array("step-000009\n".utf8), to: options.output + "/latest")
        #expect { try CheckpointFolder(options.output).latest() } throws: { "\($0)".contains("step-000009") }
        #expect(CheckpointFolder.name(step: 500) == "step-000500" && CheckpointFolder.name(step: 1_234_567) == "step-1234567")
    }

    @Test func modelConfigurationRoundTripsThroughJSON() throws {
        for configuration in [ModelConfiguration.transformer(.small), .transformer(.medium), .lstmAttention(.small), .lstmAttention(.medium), TrainingFixture.tinyModel] {
            let data = try JSONEncoder().encode(configuration)
            #expect(try JSONDecoder().decode(ModelConfiguration.self, from: data) == configuration)
        }
    }
}
