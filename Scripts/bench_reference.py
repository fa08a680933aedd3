#!/usr/bin/env python3
"""The Python side of `cadenza bench parse|tokenize`: times symusic (parse) and MidiTok REMI
(tokenize) over the same files Cadenza reads, from bytes already in memory, one core, and
prints one JSON line prefixed `RESULT `.

    python bench_reference.py parse    --corpus DIR [--repeats 3]
    python bench_reference.py tokenize --corpus DIR [--repeats 3]

Run by `cadenza bench`, which runs Cadenza's side in the same process run and prints ratios.
Setup: Scripts/bench.sh creates the virtual environment (symusic 0.6.0, miditok 3.1.0).
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def midi_files(corpus):
    paths = []
    for root, _, files in os.walk(corpus):
        for name in files:
            if name.lower().endswith((".mid", ".midi")):
                paths.append(os.path.join(root, name))
    return sorted(paths)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["parse", "tokenize"])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import symusic

    paths = midi_files(args.corpus)
    blobs = [open(p, "rb").read() for p in paths]
    total_bytes = sum(len(b) for b in blobs)

    # Parse once to count notes and to keep scores for tokenization; files symusic rejects
    # are left out of both sides' counts by the Swift side reporting its own.
    scores, failed = [], 0
    for b in blobs:
        try:
            scores.append(symusic.Score.from_midi(b))
        except Exception:
            failed += 1
    notes = sum(sum(len(t.notes) for t in s.tracks) for s in scores)
    beats = sum(s.end() / s.ticks_per_quarter for s in scores)

    times, tokens = [], 0
    if args.what == "parse":
        for _ in range(args.repeats):
            start = time.perf_counter()
            for b in blobs:
                try:
                    symusic.Score.from_midi(b)
                except Exception:
                    pass
            times.append(time.perf_counter() - start)
        library = f"symusic {symusic.__version__ if hasattr(symusic, '__version__') else ''}".strip()
    else:
        import miditok

        config = miditok.TokenizerConfig(
            use_programs=True, use_tempos=True, use_time_signatures=True,
            one_token_stream_for_programs=True)
        tokenizer = miditok.REMI(config)
        for _ in range(args.repeats):
            start = time.perf_counter()
            count = 0
            for s in scores:
                try:
                    seq = tokenizer.encode(s)
                    ids = seq.ids if hasattr(seq, "ids") else seq[0].ids
                    count += len(ids)
                except Exception:
                    pass
            times.append(time.perf_counter() - start)
            tokens = count
        library = f"MidiTok {miditok.__version__} REMI" if hasattr(miditok, "__version__") else "MidiTok REMI"

    median = statistics.median(times)
    files = len(blobs) if args.what == "parse" else len(scores)
    print("RESULT " + json.dumps({
        "library": library, "what": args.what, "files": files, "failed": failed,
        "bytes": total_bytes, "notes": notes, "tokens": tokens, "beats": beats,
        "seconds": median, "repeats": times,
    }))


if __name__ == "__main__":
    sys.exit(main())
