// libFuzzer entry point for the Standard MIDI File reader and writer (see run.sh).
//
// Every input is read in both modes by both readers (event list and direct score). Beyond
// "no crash, no hang, no leak", each run checks the properties the tests rely on, and traps
// (which libFuzzer reports as a crash, with the input saved) when one fails:
// - the two readers agree: same error, or same score, repairs, format and chunk count;
// - what lenient reading gives writes to bytes that read back to the same tracks (up to the
//   events that bridge over-long gaps), and writing those again gives the same bytes;
// - the score written with MIDIFile(score:) reads back, in strict mode, to the same score.
import MIDIFormats
import MusicScore

func check(_ condition: Bool, _ what: String) {
    if !condition { fatalError("property failed: \(what)") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMIDIFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for mode in [MIDIReadMode.strict, .lenient] {
        let file: MIDIFile
        let reading: ScoreReading
        do {
            file = try MIDIFile(bytes: bytes, mode: mode)
        } catch {
            do {
                _ = try MIDIFile.readScore(bytes: bytes, mode: mode)
                check(false, "only the event reader failed: \(error)")
            } catch let other {
                check(other == error, "readers fail differently: \(error) / \(other)")
            }
            continue
        }
        do {
            reading = try MIDIFile.readScore(bytes: bytes, mode: mode)
        } catch {
            check(false, "only the score reader failed: \(error)")
            continue
        }
        check(Score(midiFile: file) == reading.score, "scores differ")
        check(file.repairs == reading.repairs, "repairs differ")
        check(file.format == reading.format && file.tracks.count == reading.trackChunks, "summaries differ")
        if mode == .strict {
            check(file.repairs.allSatisfy { !$0.kind.breaksSpecification }, "strict mode repaired")
            continue
        }

        let written = file.bytes()
        guard let again = try? MIDIFile(bytes: written, mode: .lenient) else {
            check(false, "cannot read back what was written")
            continue
        }
        // Dropping an event (an orphan note-off, a stray byte) can join two delta times into a
        // gap longer than one delta holds; the writer bridges it with empty sequencer-specific
        // events, which are then the only difference.
        let bridge = MIDIEvent.Kind.meta(.sequencerSpecific([]))
        let unbridged = again.tracks.map { MIDITrack(events: $0.events.filter { $0.kind != bridge }) }
        check(unbridged == file.tracks.map { MIDITrack(events: $0.events.filter { $0.kind != bridge }) }, "events change through bytes()")
        check(again.bytes() == written, "bytes() is not stable")
        if !file.repairs.contains(where: { $0.kind == .malformedMetaEvent }) {
            check((try? MIDIFile(bytes: written, mode: .strict)) != nil, "strict mode rejects what was written")
        }

        let scoreBytes = MIDIFile(score: reading.score).bytes()
        guard let back = try? MIDIFile.readScore(bytes: scoreBytes, mode: .strict) else {
            check(false, "strict mode rejects a written score")
            continue
        }
        check(back.score == reading.score, "score changes through MIDIFile(score:)")
    }
    return 0
}
