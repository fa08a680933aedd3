import MusicScore
import Testing
@testable import Tokenization

@Suite struct TokenizerConfigTests {
    let tokenizer = Tokenizer()

    @Test func jsonRoundTripAndStableFingerprint() throws {
        let config = TokenizerConfig()
        let json = config.canonicalJSON
        #expect(json.hasPrefix("{\"applySustain\":true,"))
        #expect(json.contains("\"timeSignatures\":[\"2/4\",\"3/4\""))
        let read = try TokenizerConfig(json: Array(json.utf8))
        #expect(read == config)
        #expect(read.canonicalJSON == json)
        #expect(read.fingerprint == config.fingerprint)
        // Pinned: if this changes, every shard and checkpoint made before is invalid, so a
        // change must come with a new `version`.
        #expect(StableHasher.hex(config.fingerprint) == StableHasher.hex(StableHasher.hash(json.utf8)))
        #expect(StableHasher.hex(config.fingerprint) == "fad7b2b33f838a02")
    }

    @Test func fingerprintSeesEveryField() {
        let base = TokenizerConfig()
        var variants: [TokenizerConfig] = []
        var c = base; c.genres.append("ambient"); variants.append(c)
        c = base; c.applySustain = false; variants.append(c)
        c = base; c.velocityBins = 32; variants.append(c)
        c = base; c.drumKeys = 35...81; variants.append(c)
        c = base; c.tempoRange = 30...250; variants.append(c)
        c = base; c.durationSteps.removeLast(); variants.append(c)
        c = base; c.timeSignatures.swapAt(0, 1); variants.append(c)
        let prints = Set(variants.map(\.fingerprint) + [base.fingerprint])
        #expect(prints.count == variants.count + 1)
    }

    @Test func unknownVersionIsRejected() {
        let json = TokenizerConfig().canonicalJSON.replacingVersion(with: 2)
        #expect(throws: TokenizerConfigError.unsupportedVersion(found: 2, supported: 1)) {
            try TokenizerConfig(json: Array(json.utf8))
        }
        let message = "\(TokenizerConfigError.unsupportedVersion(found: 2, supported: 1))"
        #expect(message.contains("version 2") && message.contains("version 1"))
    }

    @Test func malformedAndInvalidConfigsAreRejected() {
        #expect {
            try TokenizerConfig(json: Array("{\"version\":1}".utf8))
        } throws: { error in
            guard case .malformedJSON = error as? TokenizerConfigError else { return false }
            return true
        }
        let json = TokenizerConfig().canonicalJSON.replacingOccurrences("\"velocityBins\":16", "\"velocityBins\":0")
        #expect {
            try TokenizerConfig(json: Array(json.utf8))
        } throws: { error in
            guard case .invalidField(let field, _) = error as? TokenizerConfigError else { return false }
            return field == "velocityBins"
        }
        var c = TokenizerConfig()
        c.timeSignatures = [Meter(3, 4)]
        #expect(throws: TokenizerConfigError.self) { try c.validate() }
        c = TokenizerConfig()
        c.timeSignatures.append(Meter(7, 4))  // 7 quarters > maxBarQuarters
        #expect(throws: TokenizerConfigError.self) { try Tokenizer(checking: c) }
        c = TokenizerConfig()
        c.genres = (0..<17).map { "g\($0)" }
        #expect(throws: TokenizerConfigError.self) { try c.validate() }
        c = TokenizerConfig()
        c.durationSteps = [1, 3, 2]
        #expect(throws: TokenizerConfigError.self) { try c.validate() }
    }

    @Test func tempoBins() {
        let config = tokenizer.config
        #expect(abs(config.tempoQuartersPerMinute(bin: 0) - 40) < 1e-9)
        #expect(abs(config.tempoQuartersPerMinute(bin: 31) - 240) < 1e-9)
        // A file without a tempo (120 qpm) decodes at exactly 120 qpm.
        #expect(tokenizer.bins.tempoMicroseconds[19] == 500_000)
        #expect(tokenizer.tempoBin(quartersPerMinute: 120) == 19)
        #expect(tokenizer.tempoBin(quartersPerMinute: 1) == 0)
        #expect(tokenizer.tempoBin(quartersPerMinute: 10_000) == 31)
        for bin in 0..<config.tempoBins {
            let us = tokenizer.bins.tempoMicroseconds[bin]
            #expect(tokenizer.bins.tempoBin(microsecondsPerQuarter: us) == bin)
            #expect(tokenizer.tempoBin(quartersPerMinute: config.tempoQuartersPerMinute(bin: bin) * 1.02) == bin)
            #expect(tokenizer.tempoBin(quartersPerMinute: config.tempoQuartersPerMinute(bin: bin) / 1.02) == bin)
        }
    }

    @Test func durationBins() {
        let steps = tokenizer.config.durationSteps
        #expect(steps.count == 32)
        for (bin, length) in steps.enumerated() { #expect(tokenizer.durationBin(steps: length) == bin) }
        #expect(steps[tokenizer.durationBin(steps: 0)] == 1)
        #expect(steps[tokenizer.durationBin(steps: 13)] == 12)
        #expect(steps[tokenizer.durationBin(steps: 14)] == 15)
        #expect(steps[tokenizer.durationBin(steps: 27)] == 24)  // tie: the shorter
        #expect(steps[tokenizer.durationBin(steps: 45)] == 42)  // tie: the shorter
        #expect(steps[tokenizer.durationBin(steps: 46)] == 48)
        #expect(steps[tokenizer.durationBin(steps: 10_000)] == 384)
    }

    @Test func velocityBins() {
        let config = tokenizer.config
        for v in 0...127 {
            #expect(config.velocityBin(v) == v / 8)
            #expect(tokenizer.bins.velocityBin(UInt8(v)) == v / 8)
        }
        for bin in 0..<16 {
            #expect(config.velocity(bin: bin) == 8 * bin + 4)
            #expect(config.velocityBin(config.velocity(bin: bin)) == bin)
        }
    }

    @Test func meterMapping() {
        let t = tokenizer
        #expect(t.meterIndex(numerator: 3, denominator: 4) == t.meter(3, 4))
        #expect(t.meterIndex(numerator: 7, denominator: 4) == t.meter(6, 4))
        #expect(t.meterIndex(numerator: 4, denominator: 8) == t.meter(2, 4))
        #expect(t.meterIndex(numerator: 1, denominator: 4) == t.meter(3, 8))
        #expect(t.meterIndex(numerator: 15, denominator: 8) == t.meter(12, 8))
        #expect(t.meterIndex(numerator: 0, denominator: 4) == t.meter(4, 4))
        #expect(t.meterIndex(numerator: 9, denominator: 4) == t.meter(6, 4))
        #expect(t.config.genreSlot(named: "Jazz") == 3)
        #expect(t.config.genreSlot(named: "polka") == nil)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    func replacingVersion(with version: Int) -> String {
        replacingOccurrences("\"version\":1", "\"version\":\(version)")
    }
}
