#!/usr/bin/env bash
# Side-by-side benchmarks: `Scripts/bench.sh parse|tokenize [CORPUS]`.
# Creates .venv-bench (symusic, MidiTok from PyPI) once, builds Cadenza in release, and runs
# `cadenza bench`, which times both sides in the same run and prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-parse}"
corpus="${2:-../shared/data/midi-genre-v1/train}"
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q symusic==0.6.0 miditok==3.1.0
fi
swift build -c release --product cadenza >/dev/null
.build/release/cadenza bench "$what" --corpus "$corpus" --reference-python .venv-bench/bin/python
