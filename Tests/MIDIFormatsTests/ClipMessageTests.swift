import MusicScore
import Testing
@testable import MIDIFormats

/// Bit layouts of single UMP messages against words written out from M2-104-UM.
struct ClipMessageTests {
    @Test func messageSizesFollowTheMessageTypeTable() {
        let expected = [1, 1, 1, 2, 2, 4, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4]
        for type in 0..<16 {
            #expect(ClipMessage.wordCount(messageType: UInt8(type)) == expected[type])
        }
    }

    @Test(arguments: [
        // MIDI 2.0 Note On, group 0, channel 0, note 60 (0x3C), no attribute; velocity 0x1234.
        ([0x4090_3C00, 0x1234_0000], ClipMessage.noteOn(group: 0, channel: 0, note: 60, velocity: 0x1234, attributeType: 0, attribute: 0)),
        // Note On, group 8, channel 8, note 0x5E, attribute type 3 (pitch 7.9) data 0xE98A, velocity 0x6A14.
        ([0x4898_5E03, 0x6A14_E98A], .noteOn(group: 8, channel: 8, note: 0x5E, velocity: 0x6A14, attributeType: 3, attribute: 0xE98A)),
        // Note Off, group 1, channel 2, note 64, release velocity 0xFFFF.
        ([0x4182_4000, 0xFFFF_0000], .noteOff(group: 1, channel: 2, note: 64, velocity: 0xFFFF, attributeType: 0, attribute: 0)),
        // Control Change, channel 3, controller 64 (0x40), value 0x8000_0000.
        ([0x40B3_4000, 0x8000_0000], .controlChange(group: 0, channel: 3, controller: 64, value: 0x8000_0000)),
        // Program Change, group 15, channel 14, Bank Valid set, program 0x75, bank MSB 0x3E, LSB 0x5E.
        ([0x4FCE_0001, 0x7500_3E5E], .programChange(group: 15, channel: 14, program: 0x75, bank: 0x3E << 7 | 0x5E)),
        // Program Change without bank.
        ([0x40C9_0000, 0x1800_0000], .programChange(group: 0, channel: 9, program: 24, bank: nil)),
        // Pitch Bend, centre.
        ([0x40E0_0000, 0x8000_0000], .pitchBend(group: 0, channel: 0, value: 0x8000_0000)),
        // MIDI 1.0 in UMP: Note On group 3 channel 1 note 0x40 velocity 0x7F.
        ([0x2391_407F], .midi1NoteOn(group: 3, channel: 1, note: 0x40, velocity: 0x7F)),
        ([0x2081_4000], .midi1NoteOff(group: 0, channel: 1, note: 0x40, velocity: 0)),
        ([0x20B0_4040], .midi1ControlChange(group: 0, channel: 0, controller: 64, value: 64)),
        ([0x20C5_2000], .midi1ProgramChange(group: 0, channel: 5, program: 0x20)),
        // Pitch Bend LSB 0x00, MSB 0x40 = 8192, the centre.
        ([0x20E0_0040], .midi1PitchBend(group: 0, channel: 0, value: 8192)),
        // Flex Data Set Tempo, group 7, 0xF751FE05 × 10 ns.
        ([0xD710_0000, 0xF751_FE05, 0, 0], .setTempo(group: 7, tenNanosecondsPerQuarter: 0xF751_FE05)),
        // Set Time Signature, group 10: numerator 0xCD, denominator 0x90, 0x7E 1/32 notes.
        ([0xDA10_0001, 0xCD90_7E00, 0, 0], .setTimeSignature(group: 10, numerator: 0xCD, denominatorPower: 0x90, thirtySecondNotes: 0x7E)),
        // Set Key Signature, group 4: 5 sharps, tonic D (4); and 5 flats (0xB = -5).
        ([0xD410_0005, 0x5400_0000, 0, 0], .setKeySignature(group: 4, sharps: 5, tonic: 4)),
        ([0xD410_0005, 0xB400_0000, 0, 0], .setKeySignature(group: 4, sharps: -5, tonic: 4)),
    ] as [([UInt32], ClipMessage)])
    func decodesAndEncodesTheSpecLayout(words: [UInt32], message: ClipMessage) {
        #expect(ClipMessage(words: words) == message)
        #expect(message.words == words)
    }

    @Test(arguments: [
        [0x4090_BC00, 0x1234_0000] as [UInt32],  // note number with its reserved top bit set
        [0x40B3_4001, 0x0000_0000],  // Control Change with a non-zero reserved byte
        [0x40C0_0000, 0x1800_0001],  // bank bits without Bank Valid
        [0x40A0_3C00, 0x1234_5678],  // Poly Pressure: not modelled
        [0xD000_0000, 0x02FA_F080, 0, 0],  // Set Tempo addressed to a channel
        [0xD010_0000, 0x02FA_F080, 1, 0],  // Set Tempo with a non-zero reserved word
        [0xD010_0101, 0x4142_4300, 0, 0],  // Flex Data text (status bank 1)
        [0x6000_0000],  // reserved 32-bit type
        [0xE000_0000, 1, 2, 3],  // reserved 128-bit type
        [0x3004_0102, 0x0304_0000],  // SysEx7 complete packet
    ])
    func keepsAnythingElseVerbatim(words: [UInt32]) {
        #expect(ClipMessage(words: words) == .other(words))
        #expect(ClipMessage(words: words)?.words == words)
    }

    @Test func rejectsWordCountsThatDoNotMatchTheType() {
        #expect(ClipMessage(words: []) == nil)
        #expect(ClipMessage(words: [0x4090_3C00]) == nil)
        #expect(ClipMessage(words: [0x2090_3C40, 0]) == nil)
    }

    @Test func containerMessagesHaveTheirUtilityAndStreamLayouts() {
        #expect(ClipContainerMessage.ticksPerQuarter(480).words == [0x0030_01E0])
        #expect(ClipContainerMessage.deltaClockstamp(0xF_FFFF).words == [0x004F_FFFF])
        #expect(ClipContainerMessage.noop.words == [0])
        #expect(ClipContainerMessage.startOfClip.words == [0xF020_0000, 0, 0, 0])
        #expect(ClipContainerMessage.endOfClip.words == [0xF021_0000, 0, 0, 0])
        #expect(ClipContainerMessage(firstWord: 0x0030_01E0) == .ticksPerQuarter(480))
        #expect(ClipContainerMessage(firstWord: 0x0041_2345) == .deltaClockstamp(0x1_2345))
        #expect(ClipContainerMessage(firstWord: 0x0010_1234) == nil)  // JR Clock is not structure
        #expect(ClipContainerMessage(firstWord: 0xF001_0000) == nil)  // Endpoint Info Notification
    }

    @Test func scalingIsMinCenterMaxAndInvertible() {
        #expect(ClipValueScaling.scaleUp(0, from: 7, to: 32) == 0)
        #expect(ClipValueScaling.scaleUp(64, from: 7, to: 32) == 0x8000_0000)
        #expect(ClipValueScaling.scaleUp(127, from: 7, to: 32) == 0xFFFF_FFFF)
        #expect(ClipValueScaling.scaleUp(8192, from: 14, to: 32) == 0x8000_0000)
        #expect(ClipValueScaling.scaleUp(16383, from: 14, to: 32) == 0xFFFF_FFFF)
        for value in UInt32(0)...127 {
            #expect(ClipValueScaling.scaleDown(ClipValueScaling.scaleUp(value, from: 7, to: 32), from: 32, to: 7) == value)
            // The same scheme as Note's 7-to-16-bit velocity.
            #expect(ClipValueScaling.scaleUp(value, from: 7, to: 16) == UInt32(Note.scaleUp(UInt8(value))))
        }
        for value in UInt32(0)...16383 {
            #expect(ClipValueScaling.scaleDown(ClipValueScaling.scaleUp(value, from: 14, to: 32), from: 32, to: 14) == value)
        }
    }

    @Test func keyLettersTellMajorFromMinor() {
        // Tonic codes: A = 1, B = 2, C = 3, D = 4, E = 5, F = 6, G = 7.
        let cases: [(sharps: Int, major: UInt8, minor: UInt8)] = [
            (0, 3, 1),  // C major, A minor
            (1, 7, 5),  // G major, E minor
            (-1, 6, 4),  // F major, D minor
            (3, 1, 6),  // A major, F# minor
            (-3, 5, 3),  // Eb major, C minor
            (7, 3, 1),  // C# major, A# minor
            (-7, 3, 1),  // Cb major, Ab minor
        ]
        for entry in cases {
            #expect(ClipKeyLetters.majorTonic(sharps: entry.sharps) == entry.major)
            #expect(ClipKeyLetters.minorTonic(sharps: entry.sharps) == entry.minor)
        }
    }
}
