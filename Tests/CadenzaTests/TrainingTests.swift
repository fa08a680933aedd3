import Foundation
import Testing
@testable import Cadenza
import Engine

@Suite struct TrainingTests {
    @Test func lossFallsOverThirtySteps() throws {
        var options = TrainingFixture.options(steps: 30)
        options.validateEvery = 10
        options.saveEvery = 30
        options.batchSize = 4
        options.learningRate = 1e-2
        let summary = try Trainer(options: options).run()
        #expect(summary.stepLosses.count == 30 && !summary.interrupted)
        let first = summary.stepLosses.prefix(5).reduce(0, +) / 5
        let last = summary.stepLosses.suffix(5).reduce(0, +) / 5
        #expect(last < first - 0.5, "train loss \(first) → \(last)")
        #expect(summary.validationLosses.map(\.step) == [10, 20, 30])
        #expect(summary.validationLosses[2].loss < summary.validationLosses[0].loss)
        // ln(512) ≈ 6.24 is the loss of a uniform guess.
        #expect(first > 5 && first < 7.5)
        let csv = try String(contentsOfFile: options.output + "/loss.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "step,train_loss,val_loss,lr,tokens_per_second" && lines.count == 31)
        #expect(lines[10].split(separator: ",", omittingEmptySubsequences: false)[2] != "")
        let svg = try String(contentsOfFile: options.output + "/loss.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains(">step</text>") && svg.contains(">loss</text>"))
        #expect(try CheckpointFolder(options.output).latest() == options.output + "/step-000030")
    }

    /// N steps in one go, and N/2 + Ctrl-C + resume N/2, give the same losses bit for bit.
    @Test func resumeReproducesAnUninterruptedRunExactly() throws {
        let whole = TrainingFixture.options(steps: 8)
        let straight = try Trainer(options: whole).run()

        var split = TrainingFixture.options(steps: 8)
        split.threads = 2  // thread count must not change results either
        var steps = 0
        let firstHalf = try Trainer(options: split).run(progress: { if $0.event == .step { steps += 1 } }, shouldStop: { steps == 3 })
        #expect(firstHalf.interrupted && firstHalf.lastStep == 3)
        #expect(try CheckpointFolder(split.output).latest() == split.output + "/step-000003")
        let resumed = try Trainer(options: split, resume: true)
        #expect(resumed.step == 3 && resumed.optimizer.step == 3)
        let secondHalf = try resumed.run()
        #expect(secondHalf.firstStep == 3 && secondHalf.lastStep == 8)

        let joined = firstHalf.stepLosses + secondHalf.stepLosses
        #expect(joined.map(\.bitPattern) == straight.stepLosses.map(\.bitPattern))
        #expect((firstHalf.validationLosses + secondHalf.validationLosses).map(\.loss.bitPattern) == straight.validationLosses.map(\.loss.bitPattern))
        let a = try Checkpoint.readModel(whole.output), b = try Checkpoint.readModel(split.output)
        #expect(a.model.parameters.array.map(\.bitPattern) == b.model.parameters.array.map(\.bitPattern))
        // loss.csv agrees except for the speed column.
        func columns(_ path: String) throws -> [String] {
            try String(contentsOfFile: path + "/loss.csv", encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
        }
        #expect(try columns(whole.output) == columns(split.output))
    }

    @Test func divergenceStopsAndKeepsTheLastGoodCheckpoint() throws {
        let options = TrainingFixture.options(steps: 12)
        let trainer = try Trainer(options: options)
        trainer.gradientReduction = { gradients, step in
            if step == 5 { gradients[0] = .nan }  // the 6th update
        }
        #expect {
            try trainer.run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("step 6") && text.contains("diverged") && text.contains("step-000004")
        }
        let folder = CheckpointFolder(options.output)
        #expect(try folder.latest() == options.output + "/step-000004")
        #expect(!FileManager.default.fileExists(atPath: options.output + "/step-000006"))
        let loaded = try Checkpoint.readModel(options.output)
        #expect(loaded.metadata.training.step == 4)
        #expect(loaded.model.parameters.array.allSatisfy { $0.isFinite })
        // The log holds the five good steps.
        let log = try TrainingLog.load(options.output + "/loss.csv", throughStep: .max)
        #expect(log.rows.map(\.step) == [1, 2, 3, 4, 5])
    }

    @Test func aHugeLearningRateIsCaughtBeforeANaNModelIsSaved() throws {
        var options = TrainingFixture.options(steps: 40)
        options.learningRate = 1e30
        options.warmupSteps = 0
        options.saveEvery = 1
        #expect(throws: CadenzaError.self) { try Trainer(options: options).run() }
        if let latest = try CheckpointFolder(options.output).latest() {
            #expect(try Checkpoint.readModel(latest).model.parameters.array.allSatisfy { $0.isFinite })
        }
    }

    @Test func freshRunRefusesAFolderWithARun() throws {
        let options = TrainingFixture.options(steps: 1)
        _ = try Trainer(options: options).run()
        #expect { try Trainer(options: options) } throws: { "\($0)".contains("--resume") }
    }

    @Test func resumeRefusesChangedOptions() throws {
        var options = TrainingFixture.options(steps: 2)
        _ = try Trainer(options: options).run()
        options.steps = 4
        options.batchSize = 3
        #expect { try Trainer(options: options, resume: true) } throws: { "\($0)".contains("--batch-size") }
        options.batchSize = 2
        let summary = try Trainer(options: options, resume: true).run()
        #expect(summary.firstStep == 2 && summary.lastStep == 4)
    }

    @Test func initFromLoadsWeightsAndRefusesAnotherArchitecture() throws {
        let pretrain = TrainingFixture.options(steps: 2)
        _ = try Trainer(options: pretrain).run()
        var finetune = TrainingFixture.options(steps: 2)
        finetune.initFrom = pretrain.output
        let trainer = try Trainer(options: finetune)
        #expect(trainer.step == 0 && trainer.optimizer.step == 0)
        let source = try Checkpoint.readModel(pretrain.output)
        #expect(trainer.model.parameters.array == source.model.parameters.array)

        var other = TrainingFixture.options(steps: 2, model: .transformer(TransformerConfiguration(
            vocabularySize: 512, genreCount: 16, contextLength: 16, layers: 2, channels: 16, heads: 2, feedForwardChannels: 32)))
        other.initFrom = pretrain.output
        #expect { try Trainer(options: other) } throws: { error in
            let text = "\(error)"
            return text.contains("__metadata__.model") && text.contains("1 layers") && text.contains("2 layers")
        }
        var lstm = TrainingFixture.options(steps: 2, model: .lstmAttention(LSTMAttentionConfiguration(embeddingSize: 8, hiddenSize: 8, layers: 1)))
        lstm.initFrom = pretrain.output
        #expect(throws: CadenzaError.self) { try Trainer(options: lstm) }
    }

    @Test func lstmAttentionTrainsToo() throws {
        var options = TrainingFixture.options(steps: 3, model: .lstmAttention(LSTMAttentionConfiguration(embeddingSize: 8, hiddenSize: 16, layers: 1)))
        options.validateEvery = 3
        let summary = try Trainer(options: options).run()
        #expect(summary.stepLosses.count == 3 && summary.stepLosses.allSatisfy { $0.isFinite })
        #expect(try Checkpoint.readModel(options.output).metadata.model == options.model)
    }

    @Test func optionsAreChecked() {
        var options = TrainingFixture.options(steps: 2)
        options.sequenceLength = 17  // the tiny model's context is 16
        #expect { try Trainer(options: options) } throws: { "\($0)".contains("--seq-len") }
        options.sequenceLength = 16
        options.genreDropout = 1.5
        #expect { try Trainer(options: options) } throws: { "\($0)".contains("--genre-dropout") }
        options.genreDropout = 0.1
        options.data = "/nonexistent/cadenza-data"
        #expect(throws: CadenzaError.self) { try Trainer(options: options) }
    }
}


/// A dataset built once from Tests/Fixtures and a tiny transformer, so training tests run in
/// seconds in debug builds.
enum TrainingFixture {
    /// The fixtures built into shards (validation fraction 0.3), shared by every training test.
    static let dataset: String = {
        let folder = TestSupport.scratch("training-dataset")
        var options = DatasetBuildOptions(input: TestSupport.fixtures, output: folder + "/data")
        options.manifestCSV = TestSupport.fixtures + "/manifest.csv"
        options.validationFraction = 0.3
        options.jobs = 2
        _ = try! DatasetBuilder(options: options).build()
        return folder + "/data"
    }()

    /// 1 block, 16 channels, 2 heads, context 16: about 18k parameters.
    static let tinyModel = ModelConfiguration.transformer(TransformerConfiguration(
        vocabularySize: 512, genreCount: 16, contextLength: 16, layers: 1, channels: 16, heads: 2, feedForwardChannels: 32))

    static func options(steps: Int, output: String = TestSupport.scratch("run") + "/out", model: ModelConfiguration = tinyModel) -> TrainingOptions {
        var options = TrainingOptions(data: dataset, output: output, model: model, steps: steps, warmupSteps: 2)
        options.batchSize = 2
        options.sequenceLength = 16
        options.learningRate = 3e-3
        options.validateEvery = 4
        options.validationWindows = 8
        options.saveEvery = 4
        options.threads = 1
        options.seed = 7
        return options
    }
}
