#!/bin/sh
# Builds the kernels and their tests as SwiftPM will (no -march, -O2 release / -O0 debug)
# plus two test-only variants, and runs each over every path the machine supports:
#   release   clang -O2                 portable, AVX2, AVX-512 as the CPU allows
#   debug     clang -O0                 same, unoptimized
#   emulated  clang -O2 -DCDZ_EMULATE_AVX512: AVX-512 / BF16 / VNNI kernels compiled for AVX2
#             with scalar models of vdpbf16ps and vpdpbusd (checks them on any AVX2 machine)
#   sanitize  clang -O1 -fsanitize=address,undefined, emulated: out-of-bounds packing etc.
#   arm64     cross-compiled for aarch64 (portable path, NEON) and run under qemu-aarch64;
#             needs Debian's qemu-user, libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross
#             (skipped when they are missing)
# Usage: test/run.sh [variant ...]   (default: all). Run under the project's CPU lock.
set -e
cd "$(dirname "$0")/.."
CC=${CC:-/opt/swift/usr/bin/clang}
OUT=${OUT:-/tmp/ckernels-test}
mkdir -p "$OUT"
rm -f "$OUT"/test_*
SRC="../../Sources/CKernels/*.c test/test_kernels.c"
FLAGS="-std=gnu11 -Wall -Wextra -Werror -Wno-psabi -I../../Sources/CKernels/include -lm -lpthread"
variants=${*:-release debug emulated sanitize arm64}
status=0
for v in $variants; do
    case $v in
    release)  extra="-O2" ;;
    debug)    extra="-O0" ;;
    emulated) extra="-O2 -DCDZ_EMULATE_AVX512" ;;
    sanitize) extra="-O1 -g -DCDZ_EMULATE_AVX512 -fsanitize=address,undefined -fno-sanitize-recover=all" ;;
    arm64)
        if ! command -v qemu-aarch64 >/dev/null || [ ! -d /usr/aarch64-linux-gnu/include ] ||
           [ ! -d /usr/lib/gcc-cross/aarch64-linux-gnu/12 ]; then
            echo "== arm64: skipped (qemu-user / arm64 cross libc not installed)"; continue
        fi
        G=/usr/lib/gcc-cross/aarch64-linux-gnu/12
        extra="-O2 --target=aarch64-linux-gnu -nostdinc -isystem $($CC -print-resource-dir)/include \
               -isystem /usr/aarch64-linux-gnu/include -B$G -L$G -L/usr/aarch64-linux-gnu/lib \
               -fuse-ld=lld -static" ;;
    *) echo "unknown variant $v"; exit 2 ;;
    esac
    # shellcheck disable=SC2086
    # (ld.gold warns about every ASan helper symbol: drop that noise only)
    $CC $extra $SRC $FLAGS -o "$OUT/test_$v" 2>&1 | grep -v "Cannot export local symbol" || true
    test -x "$OUT/test_$v" || { echo "build failed: $v"; exit 1; }
    echo "== $v"
    # A hang (e.g. in the thread pool) must not hold the machine's lock for long.
    run=""; [ "$v" = arm64 ] && run=qemu-aarch64
    timeout 600 $run "$OUT/test_$v" > "$OUT/test_$v.log" 2>&1 || status=1
    tail -6 "$OUT/test_$v.log"
done
exit $status
