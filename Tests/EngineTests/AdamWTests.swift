import Testing
import Engine

@Suite struct AdamWTests {
    /// A table with one decayed matrix `w` (2, 2) and one undecayed bias `b` (3).
    func table() -> ParameterTable {
        var table = ParameterTable()
        table.add("w", shape: [2, 2], decays: true, initialization: .constant(0))
        table.add("b", shape: [3], decays: false, initialization: .constant(0))
        return table
    }

    @Test func firstStepMatchesHandComputation() {
        // p = 1, g = 0.5, lr = 0.1, λ = 0.01: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25,
        // step = 0.1 · 0.5 / (0.5 + 1e-8) ≈ 0.1; decayed p = 1 · (1 − 0.001) − 0.1 = 0.899,
        // undecayed p = 0.9.
        let optimizer = AdamW(parameterTable: table())
        let parameters = FloatBuffer(count: 7), gradients = FloatBuffer(count: 7)
        for i in 0..<7 { parameters.pointer[i] = 1; gradients.pointer[i] = 0.5 }
        optimizer.update(parameters: parameters.pointer, gradients: gradients.pointer, learningRate: 0.1)
        #expect(optimizer.step == 1)
        for i in 0..<4 { #expect(abs(parameters.pointer[i] - 0.899) < 1e-6) }
        for i in 4..<7 { #expect(abs(parameters.pointer[i] - 0.9) < 1e-6) }
        #expect(abs(optimizer.firstMoment.pointer[0] - 0.05) < 1e-7)
        // (1 − β2) is 0.00099998713 in Float, so v is 0.00025 to about 1e-5 relative.
        #expect(abs(optimizer.secondMoment.pointer[0] - 0.00025) < 1e-8)
    }

    /// Golden values from PyTorch 2 `torch.optim.AdamW` (defaults, weight decay 0.01 on `w`,
    /// 0 on `b`), three steps with the learning rates 1e-3, 2e-2, 5e-3. Produced by
    /// `/work/main/.venv-pyref/bin/python adamw_ref.py`, whose body is:
    /// ```
    /// w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    /// b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
    /// opt = torch.optim.AdamW([{"params": [w], "weight_decay": 0.01}, {"params": [b], "weight_decay": 0.0}], lr=1e-3)
    /// for (gw, gb), lr in zip(grads, lrs):   # grads and lrs as in this test
    ///     for g in opt.param_groups: g["lr"] = lr
    ///     w.grad = torch.tensor(gw); b.grad = torch.tensor(gb); opt.step()
    /// print(list(w.flatten()), list(b))
    /// ```
    @Test func threeStepsMatchPyTorch() {
        let optimizer = AdamW(parameterTable: table())
        let parameters = FloatBuffer(count: 7), gradients = FloatBuffer(count: 7)
        let initial: [Float] = [0.5, -1.0, 2.0, 0.25, 0.1, -0.2, 0.3]
        for i in 0..<7 { parameters.pointer[i] = initial[i] }
        let steps: [([Float], Float)] = [
            ([0.1, -0.2, 0.3, 0.0, 1.0, -0.5, 0.25], 1e-3),
            ([-0.05, 0.4, 0.3, 1e-4, 0.5, 0.5, -2.0], 2e-2),
            ([0.2, 0.2, -0.3, -1.0, 0.0, 1.0, 0.125], 5e-3),
        ]
        for (g, lr) in steps {
            for i in 0..<7 { gradients.pointer[i] = g[i] }
            optimizer.update(parameters: parameters.pointer, gradients: gradients.pointer, learningRate: lr)
        }
        let expected: [Float] = [0.4902532398700714, -1.0086581707000732, 1.9771713018417358, 0.23824889957904816,
                                 0.07675351947546005, -0.202778622508049, 0.31443673372268677]
        for i in 0..<7 { #expect(abs(parameters.pointer[i] - expected[i]) < 2e-6, "parameter \(i)") }
    }

    @Test func resetClearsState() {
        let optimizer = AdamW(parameterTable: table())
        let parameters = FloatBuffer(count: 7), gradients = FloatBuffer(count: 7)
        gradients.pointer[0] = 1
        optimizer.update(parameters: parameters.pointer, gradients: gradients.pointer, learningRate: 0.01)
        #expect(optimizer.firstMoment.pointer[0] != 0)
        optimizer.reset()
        #expect(optimizer.step == 0 && optimizer.firstMoment.array.allSatisfy { $0 == 0 } && optimizer.secondMoment.array.allSatisfy { $0 == 0 })
    }
}

@Suite struct LearningRateScheduleTests {
    @Test func warmsUpLinearlyThenDecaysToTheFloor() {
        let schedule = LearningRateSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 110, floorFraction: 0.1)
        #expect(abs(schedule.learningRate(atStep: 0) - 1e-4) < 1e-9)
        #expect(abs(schedule.learningRate(atStep: 4) - 5e-4) < 1e-9)
        #expect(abs(schedule.learningRate(atStep: 10) - 1e-3) < 1e-9)
        // Half-way through the decay: floor + (peak − floor) / 2.
        #expect(abs(schedule.learningRate(atStep: 60) - 5.5e-4) < 1e-8)
        #expect(abs(schedule.learningRate(atStep: 110) - 1e-4) < 1e-9)
        #expect(abs(schedule.learningRate(atStep: 500) - 1e-4) < 1e-9)
        for s in 10..<110 { #expect(schedule.learningRate(atStep: s + 1) <= schedule.learningRate(atStep: s)) }
    }

    @Test func noWarmupStartsAtThePeak() {
        let schedule = LearningRateSchedule(peak: 2e-3, warmupSteps: 0, totalSteps: 1)
        #expect(schedule.learningRate(atStep: 0) == 2e-3)
    }
}

@Suite struct GradientClippingTests {
    @Test func clipsToTheMaximumNorm() {
        let g = FloatBuffer(count: 2)
        g.pointer[0] = 3; g.pointer[1] = 4
        let norm = GradientClipping.clip(g.pointer, count: 2, maximumNorm: 1)
        #expect(norm == 5)
        #expect(abs(g.pointer[0] - 0.6) < 1e-6 && abs(g.pointer[1] - 0.8) < 1e-6)
        #expect(abs(GradientClipping.globalNorm(g.pointer, count: 2) - 1) < 1e-6)
    }

    @Test func leavesSmallGradientsAlone() {
        let g = FloatBuffer(count: 2)
        g.pointer[0] = 0.3; g.pointer[1] = 0.4
        #expect(GradientClipping.clip(g.pointer, count: 2, maximumNorm: 1) == 0.5)
        #expect(g.pointer[0] == 0.3 && g.pointer[1] == 0.4)
    }

    @Test func reportsNonFiniteNormsWithoutTouchingGradients() {
        let g = FloatBuffer(count: 2)
        g.pointer[0] = .nan; g.pointer[1] = 4
        #expect(GradientClipping.clip(g.pointer, count: 2, maximumNorm: 1).isNaN)
        #expect(g.pointer[1] == 4)
    }
}
