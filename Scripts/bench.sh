#!/usr/bin/env bash
# Side-by-side benchmarks; each builds Cadenza in release and runs `cadenza bench`, which times
# both sides in the same run and prints the ratios.
#
#   Scripts/bench.sh parse|tokenize [CORPUS]    against symusic and MidiTok (.venv-bench, from PyPI)
#   Scripts/bench.sh train [FLAGS...]           against PyTorch (.venv-pyref): training tokens/s
#   Scripts/bench.sh generate [FLAGS...]        against PyTorch (.venv-pyref): ms/token, first note
#   Scripts/bench.sh serve [SOAK_SECONDS]       the HTTP server under load (wrk from Debian, node):
#                                               1, 8 and 32 clients, WebSocket first note, soak [600]
#
# FLAGS go to `cadenza bench train|generate` (see its --help), e.g. `--config transformer-medium`
# or `--quick`. The PyTorch side is ../shared/reference/pytorch; .venv-pyref is made from its
# requirements.txt once (several GB: PyPI's torch wheel carries GPU libraries). Run on a quiet
# machine; on a shared one, hold the build lock for the whole run:
#   flock /tmp/cadenza-swift.lock Scripts/bench.sh train
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-parse}"
case "$what" in
  train|generate)
    shift
    reference=../shared/reference/pytorch
    if [ ! -f "$reference/bench_models.py" ]; then
      echo "bench.sh: $reference/bench_models.py not found (the PyTorch reference lives beside this checkout in ../shared)" >&2
      exit 1
    fi
    if ! .venv-pyref/bin/python -c 'import torch' 2>/dev/null; then
      echo "bench.sh: setting up .venv-pyref from $reference/requirements.txt" >&2
      python3 -m venv .venv-pyref
      .venv-pyref/bin/pip install -q -r "$reference/requirements.txt"
    fi
    swift build -c release --product cadenza >/dev/null
    exec .build/release/cadenza bench "$what" --reference-python .venv-pyref/bin/python \
      --reference-script "$reference/bench_models.py" "$@"
    ;;
  parse|tokenize)
    corpus="${2:-../shared/data/midi-genre-v1/train}"
    if [ ! -x .venv-bench/bin/python ]; then
      python3 -m venv .venv-bench
      .venv-bench/bin/pip install -q symusic==0.6.0 miditok==3.1.0
    fi
    swift build -c release --product cadenza >/dev/null
    .build/release/cadenza bench "$what" --corpus "$corpus" --reference-python .venv-bench/bin/python
    ;;
  serve)
    exec Scripts/serve/bench_serve.sh "${2:-600}"
    ;;
  *)
    echo "usage: Scripts/bench.sh parse|tokenize [CORPUS] | train|generate [FLAGS...] | serve [SOAK_SECONDS]" >&2
    exit 2
    ;;
esac
