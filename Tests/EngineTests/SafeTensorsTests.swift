import Testing
@testable import Engine

@Suite struct SafeTensorsTests {
    static let fixture = String(#filePath.dropLast("EngineTests/SafeTensorsTests.swift".count)) + "Fixtures/safetensors/python.safetensors"

    func readFixture() throws -> [UInt8] {
        // The engine has no Foundation; read with the C library via Swift's stdlib-free path.
        try #require(SafeTensorsTests.load(Self.fixture))
    }

    static func load(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }

    @Test func readsWhatPythonWrote() throws {
        let file = try SafeTensorsFile(bytes: readFixture())
        #expect(file.metadata == ["model": "{\"arch\":\"transformer\"}", "note": "written by safetensors"])
        #expect(file.info("tok.weight")?.shape == [3, 4])
        #expect(try file.floats("tok.weight") == (0..<12).map { Float($0) / 8 - 0.5 })
        #expect(try file.floats("head.bias") == [1.5, -2.25, 65504])
        #expect(try file.int8s("blocks.0.qkv.weight") == [-3, -2, -1, 0, 1, 2])
        #expect(file.info("scalar")?.shape == [])
        #expect(try file.floats("scalar") == [3])
    }

    @Test func writesWhatItReads() throws {
        var writer = SafeTensorsWriter()
        writer.metadata = ["tokenizer": "{\"version\":1}", "genres": "[\"jazz\",\"pop\"]", "quote": "a \"b\"\n\\ é"]
        writer.add("a.weight", shape: [2, 3], floats: [1, -2, 3.5, 0, 1e-3, -7])
        writer.add("b.half", shape: [4], floats: [1, 0.333333, -65504, 6e-8], as: .f16)
        writer.add("c.bf16", shape: [2], floats: [1, -3.14159], as: .bf16)
        writer.add("d.q", shape: [3], int8s: [-127, 0, 127])
        let bytes = writer.bytes()
        #expect((bytes.count - 8 - 48) >= 0)
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(headerLength % 8 == 0)
        let file = try SafeTensorsFile(bytes: bytes)
        #expect(file.metadata == writer.metadata)
        #expect(try file.floats("a.weight") == [1, -2, 3.5, 0, 1e-3, -7])
        let half = try file.floats("b.half")
        #expect(half[0] == 1 && abs(half[1] - 0.333333) < 1e-3 && half[2] == -65504 && half[3] > 0)
        let bf = try file.floats("c.bf16")
        #expect(bf[0] == 1 && abs(bf[1] + 3.14159) < 0.02)
        #expect(try file.int8s("d.q") == [-127, 0, 127])
        #expect(writer.bytes() == bytes)  // deterministic
        // Scripts/check_safetensors_interop.sh sets this and opens the file with Python.
        if let out = getenv("CADENZA_INTEROP_OUT"), let file = fopen(String(cString: out), "wb") {
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
    }

    @Test func halfPrecisionEdges() {
        // Every finite half converts to Float and back exactly.
        let mismatches = (UInt16(0)...UInt16.max).filter { bits in
            (bits >> 10) & 0x1F != 0x1F && HalfPrecision.float16Bits(HalfPrecision.float(float16Bits: bits)) != bits
        }
        #expect(mismatches.isEmpty)
        #expect(HalfPrecision.float16Bits(1e6) == 0x7C00)
        #expect(HalfPrecision.float(float16Bits: HalfPrecision.float16Bits(.nan)).isNaN)
        #expect(HalfPrecision.float(bfloat16Bits: HalfPrecision.bfloat16Bits(1.00390625)) == 1.0)  // ties to even
    }

    @Test func hostileFilesAreRejectedWithAnOffset() throws {
        let good = try readFixture()
        var cases: [(String, [UInt8])] = [("empty", []), ("short", [1, 2, 3])]
        var huge = good; huge[7] = 0x7F; cases.append(("header length", huge))
        var json = good; json[8] = UInt8(ascii: "["); cases.append(("not an object", json))
        cases.append(("truncated data", Array(good.dropLast(1))))
        cases.append(("trailing data", good + [0]))
        let header = { (text: String) -> [UInt8] in
            var h = Array(text.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            var out: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) }
            out += h
            return out
        }
        cases.append(("bad dtype", header(#"{"x":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}"#) + [0, 0, 0, 0]))
        cases.append(("size mismatch", header(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#) + [0, 0, 0, 0]))
        cases.append(("overflowing shape", header(#"{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#) + [0, 0, 0, 0]))
        cases.append(("negative offset", header(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#) + [0, 0, 0, 0]))
        cases.append(("gap", header(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#) + [0, 0]))
        cases.append(("duplicate", header(#"{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#) + [0, 0]))
        cases.append(("deep nesting", header(String(repeating: "[", count: 10_000))))
        cases.append(("metadata not string", header(#"{"__metadata__":{"a":1}}"#)))
        for (name, bytes) in cases {
            #expect(throws: SafeTensorsError.self, "\(name)") { try SafeTensorsFile(bytes: bytes) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct ParameterTableSafeTensorsTests {
    @Test func modelWeightsRoundTripByName() throws {
        let model = TransformerModel(configuration: TransformerConfiguration(vocabularySize: 16, genreCount: 4, contextLength: 8, layers: 1, channels: 8, heads: 2, feedForwardChannels: 16), seed: 1)
        var writer = SafeTensorsWriter()
        model.parameterTable.write(model.parameters.pointer, into: &writer)
        let file = try SafeTensorsFile(bytes: writer.bytes())
        #expect(file.tensors.map(\.name) == model.parameterTable.entries.map(\.name))
        let copy = TransformerModel(configuration: TransformerConfiguration(vocabularySize: 16, genreCount: 4, contextLength: 8, layers: 1, channels: 8, heads: 2, feedForwardChannels: 16), seed: 2)
        #expect(copy.parameters.array != model.parameters.array)
        try copy.parameterTable.read(from: file, into: copy.parameters.pointer)
        #expect(copy.parameters.array == model.parameters.array)
        // Another size is refused, naming the parameter.
        let other = TransformerModel(configuration: TransformerConfiguration(vocabularySize: 16, genreCount: 4, contextLength: 8, layers: 1, channels: 12, heads: 2, feedForwardChannels: 16), seed: 3)
        #expect(throws: SafeTensorsError.self) { try other.parameterTable.read(from: file, into: other.parameters.pointer) }
    }
}
