#!/bin/sh
# Builds bench_gemm as SwiftPM's release build would (clang -O2, no -march) and runs the
# side-by-side comparison with numpy. Holds the project's CPU lock for the whole run.
# Usage: bench/run.sh [compare.py options, e.g. --rounds 3 or --quick]
set -e
cd "$(dirname "$0")/.."
CC=${CC:-/opt/swift/usr/bin/clang}
OUT=/tmp/ckernels-bench
mkdir -p "$OUT"
exec flock /tmp/cadenza-swift.lock sh -c "
  $CC -O2 -std=gnu11 ../../Sources/CKernels/*.c bench/bench_gemm.c -I../../Sources/CKernels/include -lpthread -lm -o $OUT/bench_gemm &&
  python3 bench/compare.py --binary $OUT/bench_gemm $*"
