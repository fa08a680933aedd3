#!/usr/bin/env bash
# Fuzzes the Standard MIDI File reader and writer with libFuzzer and AddressSanitizer.
#
#   Scripts/fuzz/run.sh [runs] [extra libFuzzer flags...]    (default 1000000 runs in total)
#   JOBS=1 Scripts/fuzz/run.sh 100000                        (one process instead of two)
#
# Builds MusicScore and the SMF part of MIDIFormats (the MIDI 2.0 Clip* files are left out)
# with -sanitize=fuzzer,address into .build-fuzz/, seeds the corpus with the test fixtures and
# runs FuzzMIDIFile.swift (its checks are listed at its top) in JOBS processes (default 2, the
# machine's cores) of runs/JOBS inputs each, logging to .build-fuzz/fuzz-N.log. A crash leaves
# the input in .build-fuzz/crash-*; replay it with `.build-fuzz/fuzz-midi FILE`.
# Holds the project's build lock (/tmp/cadenza-swift.lock) while it compiles and runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-1000000}"
shift || true
JOBS="${JOBS:-2}"
OUT=.build-fuzz
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6)
mkdir -p "$OUT/corpus"
cp Tests/Fixtures/*/*.mid "$OUT/corpus/"

exec 9>/tmp/cadenza-swift.lock
flock 9
swiftc "${FLAGS[@]}" -module-name MusicScore -emit-module -emit-module-path "$OUT/MusicScore.swiftmodule" \
    -emit-library -static -o "$OUT/libMusicScore.a" Sources/MusicScore/*.swift
SMF_SOURCES=$(ls Sources/MIDIFormats/*.swift | grep -v '/Clip')
swiftc "${FLAGS[@]}" -module-name MIDIFormats -I "$OUT" -emit-module -emit-module-path "$OUT/MIDIFormats.swiftmodule" \
    -emit-library -static -o "$OUT/libMIDIFormats.a" $SMF_SOURCES
swiftc "${FLAGS[@]}" -I "$OUT" -L "$OUT" -lMIDIFormats -lMusicScore Scripts/fuzz/FuzzMIDIFile.swift -o "$OUT/fuzz-midi"

cd "$OUT"
rm -f fuzz-*.log
export SWIFT_BACKTRACE=enable=no
# Inputs up to 4 KiB: larger ones only repeat the same event structure more slowly.
ARGS=(-max_len=4096 -rss_limit_mb=2048 -timeout=10 -dict=../Scripts/fuzz/smf.dict -print_final_stats=1 "$@" corpus)
if [ "$JOBS" -le 1 ]; then
    ./fuzz-midi -runs="$RUNS" "${ARGS[@]}"
else
    status=0
    ./fuzz-midi -jobs="$JOBS" -workers="$JOBS" -runs=$(( (RUNS + JOBS - 1) / JOBS )) "${ARGS[@]}" || status=$?
    for log in fuzz-*.log; do
        echo "== $OUT/$log"
        grep -E "^Done|stat::|ERROR|crash-|Fatal error" "$log" || true
    done
    exit $status
fi
