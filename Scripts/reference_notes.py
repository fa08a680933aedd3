#!/usr/bin/env python3
"""Reference note lists for the MIDI test fixtures, read with mido.

Writes Tests/Fixtures/expected_notes.json, which MIDIFormatsTests compares with
MIDIFile.readScore note for note. Pairing follows the rule Cadenza documents: per track chunk,
one first-in-first-out queue per (channel, key); a note-on with velocity 0 is a note-off; a
note-off with nothing sounding is dropped; notes still sounding at the end of the track are
closed at the tick of its last message (the end-of-track event).

Setup (a venv that stays out of git):
    python3 -m venv .venv-ref && .venv-ref/bin/pip install mido pretty_midi
Run from the repository root:
    .venv-ref/bin/python Scripts/reference_notes.py
"""
from collections import defaultdict, deque
from importlib.metadata import version
import json
from pathlib import Path
import sys

import mido

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"
OUTPUT = FIXTURES / "expected_notes.json"


def notes_of(path):
    midi = mido.MidiFile(path)
    notes = []
    for chunk, track in enumerate(midi.tracks):
        tick = 0
        sounding = defaultdict(deque)  # (channel, key) -> deque of (start, velocity)
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity > 0:
                sounding[(message.channel, message.note)].append((tick, message.velocity))
            elif message.type in ("note_off", "note_on"):
                queue = sounding[(message.channel, message.note)]
                if queue:
                    start, velocity = queue.popleft()
                    notes.append([chunk, message.channel, start, tick, message.note, velocity])
        for (channel, key), queue in sounding.items():
            for start, velocity in queue:
                notes.append([chunk, channel, start, tick, key, velocity])
    notes.sort()
    return midi.ticks_per_beat, notes


def main():
    files = sorted(FIXTURES.glob("*/*.mid"))
    if not files:
        sys.exit(f"no fixtures under {FIXTURES}")
    entries = []
    for path in files:
        ticks_per_quarter, notes = notes_of(path)
        entries.append({
            "path": path.relative_to(FIXTURES).as_posix(),
            "ticks_per_quarter": ticks_per_quarter,
            "notes": notes,
        })
    # One file per line keeps the JSON small and its diffs readable.
    lines = ",\n".join(json.dumps(entry, separators=(",", ":")) for entry in entries)
    header = {"reader": f"mido {version('mido')}", "pairing": "fifo per (track chunk, channel, key)",
              "note": "[track chunk, channel, start tick, end tick, key, velocity]"}
    OUTPUT.write_text(json.dumps(header, separators=(",", ":"))[:-1] + ',"files":[\n' + lines + "\n]}\n")
    total = sum(len(entry["notes"]) for entry in entries)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(entries)} files, {total} notes")


if __name__ == "__main__":
    main()
